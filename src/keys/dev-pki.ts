/**
 * The development PKI, generated on first start (DESIGN §5), v2:
 *   root-ca.{pem,p12}          the deployment root, RSA-3072, 30 years
 *   tsa.{pem,p12}              the built-in TSA (src/pades/tsa.ts), issued by the root, critical EKU timeStamping;
 *   tsa-<n>.p12                its later generations, issued by key rollover before one expires (dev-pki-tsa.ts)
 *   orgs/<slug>/issuing-ca.*   one issuing CA per organisation, created on first use (dev-pki-org.ts)
 *   orgs/<slug>/seal.*         the organisation's seal, created on first use
 * A v1 directory (root + one demo issuing CA + seal at the top) keeps its root and its demo CA (`issuer`); the
 * TSA and the organisations' CAs are added beside them.
 *
 * Key types: the root and the seals are RSA 3072, which every validator accepts. Issuing CAs and the TSA are
 * ECDSA P-256 (PER_SIGNATURE_KEY): they sign at every signature, and P-256 is the cheapest signature OpenSSL makes
 * while as strong as the P-256 leaves; it also keeps every embedded certificate smaller than RSA would. PKIs made
 * before (P-384 issuing CAs and TSA) keep their keys: nothing is re-keyed.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.ts';
import { buildCertificate } from './certificate-builder.ts';
import { pkiError } from './dev-pki-org.ts';
import { loadOrCreateTsaKeys } from './dev-pki-tsa.ts';
import { DevPkiProvider } from './dev-pki-provider.ts';
import { OrganisationCa } from './organisation-ca.ts';
import { loadPkcs12 } from './pkcs12.ts';
import { createDirectoryAtomically, generateKeys, toPem, validity, writeDurable, writeP12 } from './pki-files.ts';
import { createKeySigner, createSigningKey } from './signing-key.ts';
import type { PkiServices } from './pki-authorities.ts';
import type { CertificateIssuer, SigningKey } from './types.ts';

export { toPem } from './pki-files.ts';

export const DEV_PKI_PASSWORD = 'paraaf-dev';
const DEFAULT_ORGANISATION = { slug: 'demo', name: 'Demo-gemeente' };
const FILES = {
  meta: 'pki.json',
  rootPem: 'root-ca.pem',
  rootP12: 'root-ca.p12',
  v1IssuingP12: 'issuing-ca.p12',
  v1SealP12: 'seal.p12',
} as const;
const ROOT_YEARS = 30;

/** A DevPki is the PkiServices the server runs on (`startServer(config, { pki })`). */
export interface DevPki extends PkiServices {
  /** Absolute path of root-ca.pem, the file to trust (pdfsig, Acrobat); the PEM text is `rootCertificate.toString()`. */
  rootPem: string;
  rootCertificate: X509Certificate;
  /** The CA of `organisationName` (v2), or the v1 directory's demo issuing CA: for the CLI and tests. */
  issuer: CertificateIssuer;
  /** Every organisation's CA, created on first use. */
  provider: DevPkiProvider;
  /** The same provider, as the publication routes see it. */
  authorities: DevPkiProvider;
  development: true;
  /** The built-in TSA's key when the PKI was loaded: [TSA certificate, root]. */
  tsaKey: SigningKey;
  /** The built-in TSA's key now, rolled over first when its certificate is about to expire (dev-pki-tsa.ts). */
  currentTsaKey: () => Promise<SigningKey>;
  directory: string;
  /** True when this call generated the PKI, false when it loaded an existing one. */
  created: boolean;
}

export interface DevPkiOptions {
  directory: string;
  /** The organisation of `DevPki.issuer` (slug derived from the name); default the demo organisation. */
  organisationName?: string;
  /** Password of the PKCS#12 files; development default 'paraaf-dev'. */
  password?: string;
  now?: () => Date;
  /** Public base URL written into AIA and CRLDP (`BASE_URL`); default http://localhost:3000. */
  baseUrl?: string;
  /** Roll the TSA key over when its certificate has less than this left (default TSA_ROLLOVER_MARGIN_MS, a year). */
  tsaRolloverMarginMs?: number;
}

export async function loadOrCreateDevPki(options: DevPkiOptions): Promise<DevPki> {
  const directory = resolve(options.directory);
  const password = options.password ?? DEV_PKI_PASSWORD;
  const now = options.now ?? (() => new Date());
  const baseUrl = options.baseUrl ?? 'http://localhost:3000';
  let created = false;
  if (!existsSync(join(directory, FILES.meta))) {
    created = await createDirectoryAtomically(directory, (temp) => generateRoot(temp, password, now()));
  }
  const root = loadRoot(directory, password);
  const tsa = await loadOrCreateTsaKeys({ directory, root, password, baseUrl, now, rolloverMarginMs: options.tsaRolloverMarginMs });
  const provider = new DevPkiProvider({ directory, root, password, now, baseUrl });
  const issuer = loadV1Issuer(directory, password, root, now) ??
    (await provider.forOrganisation(namedOrganisation(options.organisationName)));
  const rootCertificate = new X509Certificate(root.certificates[0]);
  return { rootPem: join(directory, FILES.rootPem), rootCertificate, issuer, provider, authorities: provider, development: true, tsaKey: tsa.loaded, currentTsaKey: tsa.current, directory, created };
}

function namedOrganisation(name: string | undefined): { id: string; slug: string; name: string } {
  if (!name) return { id: DEFAULT_ORGANISATION.slug, ...DEFAULT_ORGANISATION };
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'org';
  return { id: slug, slug, name };
}

function loadRoot(directory: string, password: string): SigningKey {
  try {
    JSON.parse(readFileSync(join(directory, FILES.meta), 'utf8'));
  } catch (cause) {
    throw pkiError(`${directory} exists but holds no complete development PKI; remove it to regenerate.`, cause);
  }
  const root = loadPkcs12(readFileSync(join(directory, FILES.rootP12)), password);
  return createSigningKey(root.privateKey, root.certificates.slice(0, 1));
}

async function generateRoot(directory: string, password: string, now: Date): Promise<void> {
  const keys = await generateKeys({ type: 'rsa', modulusLength: 3072 });
  const certificate = await buildCertificate(
    {
      subject: [{ type: 'countryName', value: 'BE' }, { type: 'organizationName', value: 'Paraaf' }, { type: 'commonName', value: 'Paraaf Development Root CA' }],
      subjectPublicKey: keys.publicKey,
      ...validity(now, ROOT_YEARS),
      ca: {},
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { key: createKeySigner(keys.privateKey) },
  );
  // The root key is kept (dev only): it issues the organisations' CAs on first use and signs the root CRL.
  writeP12(directory, FILES.rootP12, keys.privateKey, [certificate], password, 'Paraaf Development Root CA');
  writeDurable(join(directory, FILES.rootPem), toPem(certificate), 0o644);
  // Written last: its presence is what marks the PKI complete.
  writeDurable(join(directory, FILES.meta), JSON.stringify({ version: 2, development: true, createdAt: now.toISOString() }, null, 2) + '\n', 0o644);
}

/** The demo issuing CA of a v1 directory, kept so that what it signed stays as it was. */
function loadV1Issuer(directory: string, password: string, root: SigningKey, now: () => Date): CertificateIssuer | null {
  if (!existsSync(join(directory, FILES.v1IssuingP12))) return null;
  const meta = JSON.parse(readFileSync(join(directory, FILES.meta), 'utf8')) as { organisationName?: string };
  const issuing = loadPkcs12(readFileSync(join(directory, FILES.v1IssuingP12)), password);
  const seal = loadPkcs12(readFileSync(join(directory, FILES.v1SealP12)), password);
  if (!issuing.certificates.at(-1)!.equals(root.certificates[0])) {
    throw pkiError(`The issuing CA in ${directory} does not chain to ${FILES.rootPem}.`);
  }
  return new OrganisationCa({
    organisationName: meta.organisationName ?? 'Demo-organisatie',
    issuingCa: createSigningKey(issuing.privateKey, issuing.certificates),
    seal: createSigningKey(seal.privateKey, seal.certificates),
    now,
  });
}

/**
 * Production never runs on the generated development PKI (its root key sits in a file next to the app, its
 * password is public) nor on the development password: refuse to start, saying what to do instead.
 */
export function assertPkiAllowed(options: { nodeEnv: string; password: string; development: boolean }): void {
  if (options.nodeEnv !== 'production') return;
  if (options.password === DEV_PKI_PASSWORD) {
    throw new AppError('pki_refused', 500, 'NODE_ENV=production with the development PKI password: set PKI_PASSWORD to the password of your own PKCS#12 files, or keep the CA keys in an HSM (PKCS11_MODULE).');
  }
  if (options.development) {
    throw new AppError('pki_refused', 500, 'NODE_ENV=production with the generated development PKI (certs/dev): use your organisations\' own CA keys (PKCS#12 under CERTS_DIR, or an HSM through PKCS11_MODULE), not development keys.');
  }
}
