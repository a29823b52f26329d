/**
 * The development PKI, generated on first start (DESIGN §5): a root CA, an issuing CA for the demo
 * organisation and that organisation's seal, as PKCS#12 files under one directory.
 *
 * Key types: the root and the seal are RSA 3072, which every validator accepts. The issuing CA is
 * ECDSA P-384: it signs one one-shot certificate per signature, and a P-384 signature is several
 * times cheaper than an RSA-3072 one, keeps every embedded leaf certificate ~280 bytes smaller, and
 * stays at least as strong as the P-256 leaves it signs (mixed RSA-root/EC-issuer chains are common).
 */
import { generateKeyPair, type KeyObject, X509Certificate } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import { buildCertificate, type CertificateTemplate, type DistinguishedName } from './certificate-builder.ts';
import { OrganisationCa } from './organisation-ca.ts';
import { loadPkcs12, writePkcs12 } from './pkcs12.ts';
import { createKeySigner, createSigningKey } from './signing-key.ts';
import type { CertificateIssuer } from './types.ts';

export const DEV_PKI_PASSWORD = 'paraaf-dev';
const DEFAULT_ORGANISATION = 'Demo-organisatie';
const FILES = {
  meta: 'pki.json',
  rootPem: 'root-ca.pem',
  rootP12: 'root-ca.p12',
  issuingPem: 'issuing-ca.pem',
  issuingP12: 'issuing-ca.p12',
  sealPem: 'seal.pem',
  sealP12: 'seal.p12',
} as const;

export interface DevPki {
  /** Absolute path of root-ca.pem, the file to trust (pdfsig, Acrobat); the PEM text is `rootCertificate.toString()`. */
  rootPem: string;
  rootCertificate: X509Certificate;
  issuer: CertificateIssuer;
  directory: string;
  /** True when this call generated the PKI, false when it loaded an existing one. */
  created: boolean;
}

export interface DevPkiOptions {
  directory: string;
  organisationName?: string;
  /** Password of the PKCS#12 files; development default 'paraaf-dev'. */
  password?: string;
  now?: () => Date;
}

export async function loadOrCreateDevPki(options: DevPkiOptions): Promise<DevPki> {
  const directory = resolve(options.directory);
  const password = options.password ?? DEV_PKI_PASSWORD;
  const organisationName = options.organisationName ?? DEFAULT_ORGANISATION;
  let created = false;
  if (!existsSync(join(directory, FILES.meta))) {
    created = await createAtomically(directory, organisationName, password, options.now ?? (() => new Date()));
  }
  return { ...loadDevPki(directory, password, options), created };
}

function loadDevPki(directory: string, password: string, options: DevPkiOptions): Omit<DevPki, 'created'> {
  let meta: { organisationName: string };
  try {
    meta = JSON.parse(readFileSync(join(directory, FILES.meta), 'utf8'));
  } catch (cause) {
    throw pkiError(`${directory} exists but holds no complete development PKI; remove it to regenerate.`, cause);
  }
  if (options.organisationName && options.organisationName !== meta.organisationName) {
    throw pkiError(`The PKI in ${directory} is for "${meta.organisationName}", not "${options.organisationName}".`);
  }
  const rootPem = join(directory, FILES.rootPem);
  const rootCertificate = new X509Certificate(readFileSync(rootPem));
  const issuing = loadPkcs12(readFileSync(join(directory, FILES.issuingP12)), password);
  const seal = loadPkcs12(readFileSync(join(directory, FILES.sealP12)), password);
  if (!issuing.certificates.at(-1)!.equals(rootCertificate.raw)) {
    throw pkiError(`The issuing CA in ${directory} does not chain to ${FILES.rootPem}.`);
  }
  const issuer = new OrganisationCa({
    organisationName: meta.organisationName,
    issuingCa: createSigningKey(issuing.privateKey, issuing.certificates),
    seal: createSigningKey(seal.privateKey, seal.certificates),
    now: options.now,
  });
  return { rootPem, rootCertificate, issuer, directory };
}

/**
 * Generates into a private temporary sibling directory and renames it into place. rename(2)
 * succeeds onto a missing or empty directory and fails with ENOTEMPTY/EEXIST once another
 * process has put its PKI there, so of two processes starting at once exactly one wins and the
 * other loads the winner's files. Nobody ever sees a half-written PKI.
 */
async function createAtomically(directory: string, organisationName: string, password: string, now: () => Date): Promise<boolean> {
  const parent = dirname(directory);
  mkdirSync(parent, { recursive: true });
  const temp = mkdtempSync(join(parent, `.${basename(directory)}.tmp-`));
  try {
    await generateInto(temp, organisationName, password, now());
    chmodSync(temp, 0o755); // the PEM certificates are public; the .p12 files stay 0600
    try {
      renameSync(temp, directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw error;
    }
    fsyncPath(parent);
    return true;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

async function generateInto(directory: string, organisationName: string, password: string, now: Date): Promise<void> {
  const [rootKeys, issuingKeys, sealKeys] = await Promise.all([
    generate('rsa', { modulusLength: 3072 }),
    generate('ec', { namedCurve: 'P-384' }),
    generate('rsa', { modulusLength: 3072 }),
  ]);
  const org: DistinguishedName = [
    { type: 'countryName', value: 'BE' },
    { type: 'organizationName', value: organisationName },
  ];
  const caUsage: Pick<CertificateTemplate, 'keyUsage'> = { keyUsage: ['keyCertSign', 'cRLSign'] };

  const rootCert = await buildCertificate(
    {
      subject: [{ type: 'countryName', value: 'BE' }, { type: 'organizationName', value: 'Paraaf' }, { type: 'commonName', value: 'Paraaf Development Root CA' }],
      subjectPublicKey: rootKeys.publicKey,
      ...validity(now, 20),
      ca: {},
      ...caUsage,
    },
    { key: createKeySigner(rootKeys.privateKey) },
  );
  const root = createSigningKey(rootKeys.privateKey, [rootCert]);

  const issuingCert = await buildCertificate(
    {
      subject: [...org, { type: 'commonName', value: `Paraaf Demo Issuing CA — ${organisationName}` }],
      subjectPublicKey: issuingKeys.publicKey,
      ...validity(now, 10),
      ca: { pathLength: 0 },
      ...caUsage,
    },
    { key: root, certificate: rootCert },
  );
  const issuing = createSigningKey(issuingKeys.privateKey, [issuingCert, rootCert]);

  const sealCert = await buildCertificate(
    {
      subject: [...org, { type: 'commonName', value: `${organisationName} — elektronisch zegel` }],
      subjectPublicKey: sealKeys.publicKey,
      ...validity(now, 3),
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
    },
    { key: issuing, certificate: issuingCert },
  );

  // The root key is kept too (dev only), so more organisations' issuing CAs can be added later.
  writeP12(directory, FILES.rootP12, rootKeys.privateKey, root.certificates, password, 'Paraaf Development Root CA');
  writeP12(directory, FILES.issuingP12, issuingKeys.privateKey, issuing.certificates, password, 'issuing CA');
  writeP12(directory, FILES.sealP12, sealKeys.privateKey, [sealCert, ...issuing.certificates], password, 'seal');
  writeDurable(join(directory, FILES.rootPem), toPem(rootCert), 0o644);
  writeDurable(join(directory, FILES.issuingPem), toPem(issuingCert), 0o644);
  writeDurable(join(directory, FILES.sealPem), toPem(sealCert), 0o644);
  // Written last: its presence is what marks the PKI complete.
  writeDurable(join(directory, FILES.meta), JSON.stringify({ version: 1, organisationName, createdAt: now.toISOString() }, null, 2) + '\n', 0o644);
  fsyncPath(directory);
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Key generation on the libuv thread pool: RSA-3072 can take a second and must not block the loop. */
async function generate(type: 'rsa' | 'ec', options: { modulusLength: number } | { namedCurve: string }): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return type === 'rsa'
    ? generateKeyPairAsync('rsa', options as { modulusLength: number })
    : generateKeyPairAsync('ec', options as { namedCurve: string });
}

function validity(now: Date, years: number): Pick<CertificateTemplate, 'notBefore' | 'notAfter'> {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  return { notBefore: new Date(now.getTime() - 60_000), notAfter };
}

function writeP12(directory: string, name: string, privateKey: KeyObject, chain: readonly Buffer[], password: string, friendlyName: string): void {
  writeDurable(join(directory, name), writePkcs12(privateKey, chain, password, { friendlyName }), 0o600);
}

function writeDurable(file: string, data: string | Buffer, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const pkiError = (message: string, cause?: unknown) => new AppError('dev_pki_invalid', 500, message, { cause });
