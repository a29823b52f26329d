/**
 * One organisation's CA in the development PKI (DESIGN §5): `orgs/<slug>/issuing-ca.{p12,pem}` issued by the root,
 * created on first use, and `seal.{p12,pem}` created on the first seal. Both subjects carry the organisation's own
 * name, so nobody can obtain a certificate in another organisation's name: each organisation's one-shot
 * certificates chain to its own CA only.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { buildCertificate, type DistinguishedName } from './certificate-builder.ts';
import { loadPkcs12 } from './pkcs12.ts';
import { createDirectoryAtomically, fsyncPath, generateKeys, PER_SIGNATURE_KEY, toPem, validity, writeDurable, writeP12 } from './pki-files.ts';
import { authorityUrls, ROOT_AUTHORITY, type AuthorityUrls } from './pki-urls.ts';
import { createSigningKey } from './signing-key.ts';
import type { OrganisationIdentity, SigningKey } from './types.ts';

export const ORG_FILES = { meta: 'org.json', caP12: 'issuing-ca.p12', caPem: 'issuing-ca.pem', sealP12: 'seal.p12', sealPem: 'seal.pem' } as const;

/** Issuing CAs live 20 years (capped at the root): long enough for the ten-year one-shot certificates they issue. */
const ISSUING_CA_YEARS = 20;
/** The seal signs audit reports that must stay valid as long as the one-shot signatures beside them. */
const SEAL_YEARS = 10;

export interface OrgPkiContext {
  /** The root key (root certificate only in its chain). */
  root: SigningKey;
  password: string;
  baseUrl: string;
  now: Date;
}

export interface OrgKeys {
  name: string;
  issuingCa: SigningKey;
}

export const orgName = (organisationName: string): DistinguishedName => [
  { type: 'countryName', value: 'BE' },
  { type: 'organizationName', value: organisationName },
];

/** What a certificate issued by `authority` points at: its CRL and its certificate (see one-shot.ts for OCSP). */
export function issuedBy(baseUrl: string, authority: string): { caIssuersUrl: string; crlUrls: string[]; urls: AuthorityUrls } {
  const urls = authorityUrls(baseUrl, authority);
  return { caIssuersUrl: urls.caIssuers, crlUrls: [urls.crl], urls };
}

/** Creates `orgs/<slug>` once (atomically, as the whole PKI directory is); returns false when it already existed. */
export async function createOrganisationCa(directory: string, organisation: OrganisationIdentity, context: OrgPkiContext): Promise<boolean> {
  if (existsSync(join(directory, ORG_FILES.meta))) return false;
  return createDirectoryAtomically(directory, async (temp) => {
    const keys = await generateKeys(PER_SIGNATURE_KEY);
    const rootCert = context.root.certificates[0];
    const certificate = await buildCertificate(
      {
        subject: [...orgName(organisation.name), { type: 'commonName', value: `${organisation.name} — uitgevende CA` }],
        subjectPublicKey: keys.publicKey,
        ...validity(context.now, ISSUING_CA_YEARS, notAfterOf(rootCert)),
        ca: { pathLength: 0 },
        // digitalSignature too: the CA signs its own OCSP responses (RFC 6960 §4.2.2.2, no delegated responder).
        keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
        ...issuedBy(context.baseUrl, ROOT_AUTHORITY),
      },
      { key: context.root, certificate: rootCert },
    );
    writeP12(temp, ORG_FILES.caP12, keys.privateKey, [certificate, rootCert], context.password, `${organisation.slug} issuing CA`);
    writeDurable(join(temp, ORG_FILES.caPem), toPem(certificate), 0o644);
    const meta = { version: 2, slug: organisation.slug, organisationId: organisation.id, name: organisation.name, createdAt: context.now.toISOString() };
    writeDurable(join(temp, ORG_FILES.meta), JSON.stringify(meta, null, 2) + '\n', 0o644);
  });
}

export function loadOrganisationCa(directory: string, password: string, root: Buffer): OrgKeys {
  let meta: { name: string };
  try {
    meta = JSON.parse(readFileSync(join(directory, ORG_FILES.meta), 'utf8'));
  } catch (cause) {
    throw pkiError(`${directory} holds no complete organisation CA; remove it to regenerate.`, cause);
  }
  const ca = loadPkcs12(readFileSync(join(directory, ORG_FILES.caP12)), password);
  if (!ca.certificates.at(-1)!.equals(root)) throw pkiError(`The issuing CA in ${directory} does not chain to the root.`);
  return { name: meta.name, issuingCa: createSigningKey(ca.privateKey, ca.certificates) };
}

/**
 * The organisation's seal, created on first use. The .p12 is linked into place with link(2), which fails when
 * another process linked its own first: that one wins, both then load the same file. The PEM is a copy of the
 * winner's certificate for people, written afterwards.
 */
export async function loadOrCreateSeal(directory: string, org: OrgKeys, password: string, now: Date, baseUrl: string, slug: string): Promise<SigningKey> {
  const p12 = join(directory, ORG_FILES.sealP12);
  if (!existsSync(p12)) {
    const keys = await generateKeys({ type: 'rsa', modulusLength: 3072 });
    const caCert = org.issuingCa.certificates[0];
    const certificate = await buildCertificate(
      {
        subject: [...orgName(org.name), { type: 'commonName', value: `${org.name} — elektronisch zegel` }],
        subjectPublicKey: keys.publicKey,
        ...validity(now, SEAL_YEARS, notAfterOf(caCert)),
        keyUsage: ['digitalSignature', 'nonRepudiation'],
        extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
        ...issuedBy(baseUrl, slug),
      },
      { key: org.issuingCa, certificate: caCert },
    );
    const temp = `${p12}.tmp-${process.pid}-${Date.now()}`;
    writeP12(directory, temp.slice(directory.length + 1), keys.privateKey, [certificate, ...org.issuingCa.certificates], password, `${slug} seal`);
    try {
      linkSync(temp, p12);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
    fsyncPath(directory);
  }
  const seal = loadPkcs12(readFileSync(p12), password);
  writePemCopy(join(directory, ORG_FILES.sealPem), seal.certificates[0]);
  return createSigningKey(seal.privateKey, seal.certificates);
}

/** Replaces `file` with the PEM of `der` when it differs (rename(2): readers see the old or the new file). */
export function writePemCopy(file: string, der: Buffer): void {
  const pem = toPem(der);
  if (existsSync(file) && readFileSync(file, 'utf8') === pem) return;
  const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeDurable(temp, pem, 0o644);
  renameSync(temp, file);
}

/** A certificate never outlives its issuer. */
export function notAfterOf(der: Buffer): Date {
  return new Date(new X509Certificate(der).validTo);
}

export const pkiError = (message: string, cause?: unknown) => new AppError('dev_pki_invalid', 500, message, { cause });
