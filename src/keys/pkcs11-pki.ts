/**
 * The deployment's PKI (DESIGN §5) with every CA, seal and TSA key inside one PKCS#11 token. Objects
 * are found by label: `paraaf-root`, `paraaf-tsa` (then `paraaf-tsa-2`, … after each TSA key rollover),
 * `paraaf-org-<slug>-ca`, `paraaf-org-<slug>-seal`, each a private key, its public key and its certificate
 * sharing CKA_LABEL and CKA_ID.
 *
 * `npm run cli -- hsm init` creates the root and the TSA key; `hsm org <slug>` an organisation's
 * issuing CA and seal (or the provider does so on first use when `provisionOnFirstUse` is set). The
 * certificates are those of the development PKI (src/keys/dev-pki*.ts): same names, lifetimes,
 * key types and AIA/CRLDP pointers; only where the private keys live differs.
 */
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { buildCertificate, type CertificateTemplate, type DistinguishedName } from './certificate-builder.ts';
import { issuedBy, notAfterOf, orgName } from './dev-pki-org.ts';
import { tsaRolloverDue } from './dev-pki-tsa.ts';
import { generateTokenKeyPair, storeTokenCertificate, type TokenKeySpec } from './pkcs11-objects.ts';
import type { Pkcs11Token } from './pkcs11.ts';
import { PER_SIGNATURE_KEY, validity } from './pki-files.ts';
import { isPkiAuthorityName, ROOT_AUTHORITY } from './pki-urls.ts';
import type { OrganisationIdentity, SigningKey } from './types.ts';

export const TOKEN_LABELS = {
  root: 'paraaf-root',
  tsa: 'paraaf-tsa',
  /** Generation `n` of the TSA key (key rollover, dev-pki-tsa.ts): `paraaf-tsa`, then `paraaf-tsa-2`, … */
  tsaGeneration: (n: number) => (n === 1 ? 'paraaf-tsa' : `paraaf-tsa-${n}`),
  organisationCa: (slug: string) => `paraaf-org-${slug}-ca`,
  organisationSeal: (slug: string) => `paraaf-org-${slug}-seal`,
} as const;

/** Lifetimes as in the development PKI: the root outlives the TSA, the CAs outlive the ten-year one-shot certificates. */
const YEARS = { root: 30, tsa: 12, issuingCa: 20, seal: 10 } as const;

export interface TokenPkiOptions {
  /** Public base URL (`BASE_URL`): certificates point at `<baseUrl>/pki/…` for CRLs and issuer certificates. */
  baseUrl: string;
  now?: () => Date;
  /** Roll the TSA key over when its certificate has less than this left (default TSA_ROLLOVER_MARGIN_MS, a year). */
  tsaRolloverMarginMs?: number;
}

interface IssueRequest {
  label: string;
  subject: DistinguishedName;
  spec: TokenKeySpec;
  template: Omit<CertificateTemplate, 'subject' | 'subjectPublicKey'>;
  /** The issuer; absent for the self-signed root. */
  issuer?: SigningKey;
}

/**
 * Generates the key in the token under a pending label, certifies it, stores the certificate under the
 * final label and only then renames the key: a crash halfway leaves no key without a certificate.
 */
async function issueInToken(token: Pkcs11Token, request: IssueRequest): Promise<void> {
  const pending = `${request.label}.pending-${Date.now()}`;
  const generated = await generateTokenKeyPair(token, pending, request.spec);
  const template = { ...request.template, subject: request.subject, subjectPublicKey: generated.publicKey };
  const der = request.issuer
    ? await buildCertificate(template, { key: request.issuer, certificate: request.issuer.certificates[0] })
    : await buildCertificate(template, { key: generated.signer });
  await storeTokenCertificate(token, request.label, generated.id, der);
  await token.withSession((session) => {
    const { p11 } = token;
    for (const handle of token.find(session, [{ type: p11.CKA_LABEL, value: pending }])) {
      token.lib.C_SetAttributeValue(session, handle, [{ type: p11.CKA_LABEL, value: request.label }]);
    }
  }, true);
}

const PARAAF: DistinguishedName = [
  { type: 'countryName', value: 'BE' },
  { type: 'organizationName', value: 'Paraaf' },
];

/** The root (RSA-3072) and the TSA key (EC P-256, PER_SIGNATURE_KEY), created when absent. Returns the labels it created. */
export async function initTokenPki(token: Pkcs11Token, options: TokenPkiOptions & { rootName?: string }): Promise<string[]> {
  const now = (options.now ?? (() => new Date()))();
  const created: string[] = [];
  if (!(await token.privateKeyHandle(TOKEN_LABELS.root))) {
    await issueInToken(token, {
      label: TOKEN_LABELS.root,
      subject: [...PARAAF, { type: 'commonName', value: options.rootName ?? 'Paraaf Root CA' }],
      spec: { type: 'rsa', bits: 3072 },
      template: { ...validity(now, YEARS.root), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] },
    });
    created.push(TOKEN_LABELS.root);
  }
  if (!(await token.privateKeyHandle(TOKEN_LABELS.tsa))) {
    await issueTokenTsa(token, 1, now, options.baseUrl);
    created.push(TOKEN_LABELS.tsa);
  }
  return created;
}

/** Generation `generation` of the TSA key (EC P-256) under the token's root. */
async function issueTokenTsa(token: Pkcs11Token, generation: number, now: Date, baseUrl: string): Promise<void> {
  const root = await requiredKey(token, TOKEN_LABELS.root);
  const { caIssuersUrl, crlUrls } = issuedBy(baseUrl, ROOT_AUTHORITY);
  const name = generation === 1 ? 'Paraaf Time-Stamping Authority' : `Paraaf Time-Stamping Authority ${generation}`;
  await issueInToken(token, {
    label: TOKEN_LABELS.tsaGeneration(generation),
    subject: [...PARAAF, { type: 'commonName', value: name }],
    spec: { type: 'ec', curve: PER_SIGNATURE_KEY.namedCurve },
    template: {
      ...validity(now, YEARS.tsa, notAfterOf(root.certificates[0])),
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      // RFC 3161 §2.3: extended key usage id-kp-timeStamping only, critical.
      extendedKeyUsage: [OID.timeStamping],
      extendedKeyUsageCritical: true,
      caIssuersUrl,
      crlUrls,
    },
    issuer: root,
  });
}

/** The newest generation of the TSA key on the token (by certificate label); 0 when there is none. */
export async function latestTokenTsaGeneration(token: Pkcs11Token): Promise<number> {
  let latest = 0;
  for (const { label } of await token.certificates()) {
    const match = /^paraaf-tsa(?:-(\d+))?$/.exec(label);
    if (match) latest = Math.max(latest, match[1] ? Number(match[1]) : 1);
  }
  return latest;
}

/**
 * The TSA key after a rollover (dev-pki-tsa.ts explains why): the newest generation on the token, or a new one
 * issued under the root when that is due too. Generated in the token like every key; the old ones stay.
 */
export async function rollTokenTsaKey(token: Pkcs11Token, options: TokenPkiOptions): Promise<SigningKey> {
  const now = (options.now ?? (() => new Date()))();
  const generation = Math.max(1, await latestTokenTsaGeneration(token));
  const [root, latest] = await Promise.all([requiredKey(token, TOKEN_LABELS.root), requiredKey(token, TOKEN_LABELS.tsaGeneration(generation))]);
  if (!tsaRolloverDue(latest.certificates[0], root.certificates[0], now, options.tsaRolloverMarginMs)) return latest;
  await issueTokenTsa(token, generation + 1, now, options.baseUrl);
  return requiredKey(token, TOKEN_LABELS.tsaGeneration(generation + 1));
}

/** An organisation's issuing CA (EC P-256) and seal (RSA-3072), created when absent. Returns the labels it created. */
export async function provisionTokenOrganisation(
  token: Pkcs11Token,
  organisation: OrganisationIdentity,
  options: TokenPkiOptions,
): Promise<string[]> {
  assertSlug(organisation.slug);
  const now = (options.now ?? (() => new Date()))();
  const caLabel = TOKEN_LABELS.organisationCa(organisation.slug);
  const sealLabel = TOKEN_LABELS.organisationSeal(organisation.slug);
  const created: string[] = [];
  if (!(await token.privateKeyHandle(caLabel))) {
    const root = await requiredKey(token, TOKEN_LABELS.root);
    const { caIssuersUrl, crlUrls } = issuedBy(options.baseUrl, ROOT_AUTHORITY);
    await issueInToken(token, {
      label: caLabel,
      subject: [...orgName(organisation.name), { type: 'commonName', value: `${organisation.name} — uitgevende CA` }],
      spec: { type: 'ec', curve: PER_SIGNATURE_KEY.namedCurve },
      template: {
        ...validity(now, YEARS.issuingCa, notAfterOf(root.certificates[0])),
        ca: { pathLength: 0 },
        // digitalSignature too: the CA signs its own OCSP responses (RFC 6960 §4.2.2.2, no delegated responder).
        keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
        caIssuersUrl,
        crlUrls,
      },
      issuer: root,
    });
    created.push(caLabel);
  }
  if (!(await token.privateKeyHandle(sealLabel))) {
    const ca = await requiredKey(token, caLabel);
    const { caIssuersUrl, crlUrls } = issuedBy(options.baseUrl, organisation.slug);
    await issueInToken(token, {
      label: sealLabel,
      subject: [...orgName(organisation.name), { type: 'commonName', value: `${organisation.name} — elektronisch zegel` }],
      spec: { type: 'rsa', bits: 3072 },
      template: {
        ...validity(now, YEARS.seal, notAfterOf(ca.certificates[0])),
        keyUsage: ['digitalSignature', 'nonRepudiation'],
        extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
        caIssuersUrl,
        crlUrls,
      },
      issuer: ca,
    });
    created.push(sealLabel);
  }
  return created;
}

/** The token key labelled `label`, or AppError `hsm_key_missing` naming the CLI command that creates it. */
export async function requiredKey(token: Pkcs11Token, label: string): Promise<SigningKey> {
  const key = await token.signingKey(label);
  if (key) return key;
  const hint = label === TOKEN_LABELS.root || label === TOKEN_LABELS.tsa ? 'hsm init' : 'hsm org <slug> --name "…"';
  throw new AppError('hsm_key_missing', 500, `PKCS#11 token "${token.label}" has no key "${label}"; create it with \`npm run cli -- ${hint}\`.`);
}

/** Labels are built from slugs: keep them to the slug alphabet so one organisation cannot name another's key. */
export function assertSlug(slug: string): void {
  if (!isPkiAuthorityName(slug) || slug === ROOT_AUTHORITY) {
    throw new AppError('invalid_request', 400, `"${slug}" is not an organisation slug.`);
  }
}
