/**
 * A throw-away PKI made with the openssl CLI, shared by the pades unit tests:
 * root → intermediate → leaves (RSA-2048, EC P-256, EC P-384), an unrelated root, and an
 * "old" root with a leaf that expired in 2020. Independent of src/keys on purpose.
 */
import { execFileSync } from 'node:child_process';
import { constants, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashAlgorithm, SignatureScheme, SigningKey } from '../../src/keys/types.ts';

export interface Issued {
  cert: X509Certificate;
  pem: string;
  certPath: string;
  keyPath: string;
  key: KeyObject;
}

export interface Pki {
  dir: string;
  root: Issued;
  intermediate: Issued;
  rsa: Issued;
  ec256: Issued;
  ec384: Issued;
  otherRoot: Issued;
  oldRoot: Issued;
  /** Valid 2020-01-01 to 2020-01-02 only. */
  oldLeaf: Issued;
  /** Issued by the `ec256` leaf, which is not a CA. */
  underLeaf: Issued;
  /** emailAddress in the subject rather than in subjectAltName. */
  emailInSubject: Issued;
}

export function openssl(args: string[], options: { cwd?: string; input?: Buffer } = {}): Buffer {
  return execFileSync('openssl', args, { cwd: options.cwd, input: options.input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The openssl extension section of a CA certificate (`-extensions ca`). */
export const CA_EXTENSIONS = `
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EXTENSIONS = `${CA_EXTENSIONS}[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:signer@example.be
[ plain ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
`;

/** An `openssl ca` configuration issuing into `dir` (any subject with a CN), digest `md`. */
export const CA_CONFIG = (dir: string, md: 'sha256' | 'sha384' = 'sha256'): string => `
[ ca ]
default_ca = test_ca
[ test_ca ]
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = ${md}
policy = any
unique_subject = no
[ any ]
commonName = supplied
organizationName = optional
countryName = optional
`;

const KEY_OPTIONS: Record<string, string[]> = {
  rsa: ['-newkey', 'rsa:2048'],
  ec256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
};

function load(dir: string, name: string): Issued {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  const pem = readFileSync(certPath, 'utf8');
  return { cert: new X509Certificate(pem), pem, certPath, keyPath, key: createPrivateKey(readFileSync(keyPath)) };
}

function selfSigned(dir: string, name: string, subject: string): Issued {
  openssl(['req', '-x509', ...KEY_OPTIONS.ec256, '-nodes', '-utf8', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-subj', subject, '-days', '3650', '-config', 'req.cnf', '-extensions', 'ca'], { cwd: dir });
  return load(dir, name);
}

function request(dir: string, name: string, keyType: string, subject: string): void {
  openssl(['req', '-new', ...KEY_OPTIONS[keyType], '-nodes', '-utf8', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject,
    '-config', 'req.cnf'], { cwd: dir });
}

function issue(dir: string, name: string, keyType: string, subject: string, issuer: string, extensions: string): Issued {
  request(dir, name, keyType, subject);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
    '-days', '30', '-sha256', '-extfile', 'ext.cnf', '-extensions', extensions, '-out', `${name}.pem`], { cwd: dir });
  return load(dir, name);
}

/** `openssl ca` is the CLI's way to set explicit validity dates (OpenSSL 3.0 x509 has no -not_before). */
function issueDated(dir: string, name: string, subject: string, issuer: string | null, start: string, end: string, extensions: string): Issued {
  request(dir, name, 'ec256', subject);
  const signer = issuer ? ['-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`] : ['-selfsign', '-keyfile', `${name}.key`];
  openssl(['ca', '-batch', '-config', 'ca.cnf', ...signer, '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext',
    '-startdate', start, '-enddate', end, '-extfile', 'ext.cnf', '-extensions', extensions], { cwd: dir });
  return load(dir, name);
}

let cached: Pki | null = null;

export function pki(): Pki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'paraaf-pades-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ext.cnf'), EXTENSIONS);
  writeFileSync(join(dir, 'req.cnf'), `[ req ]\ndistinguished_name = dn\n[ dn ]\n${EXTENSIONS}`);
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG(dir));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const root = selfSigned(dir, 'root', '/C=BE/O=Paraaf Test/CN=Paraaf Test Root');
  const intermediate = issue(dir, 'intermediate', 'ec256', '/C=BE/O=Paraaf Test/CN=Paraaf Test Issuing CA', 'root', 'ca');
  const leafSubject = (cn: string): string => `/C=BE/O=Gemeente Teststad/title=Algemeen directeur/CN=${cn}`;
  const oldRoot = issueDated(dir, 'old-root', '/O=Paraaf Test/CN=Old Root', null, '20190101000000Z', '20390101000000Z', 'ca');
  cached = {
    dir,
    root,
    intermediate,
    rsa: issue(dir, 'rsa', 'rsa', leafSubject('An Peeters'), 'intermediate', 'leaf'),
    ec256: issue(dir, 'ec256', 'ec256', leafSubject('Bart De Smet'), 'intermediate', 'leaf'),
    ec384: issue(dir, 'ec384', 'ec384', leafSubject('Chloé Vermeulen'), 'intermediate', 'leaf'),
    otherRoot: selfSigned(dir, 'other-root', '/C=BE/O=Elsewhere/CN=Other Root'),
    oldRoot,
    oldLeaf: issueDated(dir, 'old-leaf', '/O=Paraaf Test/CN=Old Signer', 'old-root', '20200101000000Z', '20200102000000Z', 'plain'),
    underLeaf: issue(dir, 'under-leaf', 'ec256', '/CN=Under A Leaf', 'ec256', 'plain'),
    emailInSubject: issue(dir, 'email-subject', 'ec256', '/O=Gemeente Teststad/CN=Dirk/emailAddress=dirk@example.be', 'intermediate', 'plain'),
  };
  return cached;
}

const HASH_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
const ECDSA_DER_MAX: Record<string, number> = { prime256v1: 72, secp384r1: 104, secp521r1: 139 };

/** A SigningKey over an in-memory key, as src/keys would provide one. */
export function localKey(issued: Issued, chain: Issued[], scheme: SignatureScheme, hash: HashAlgorithm): SigningKey {
  const details = issued.key.asymmetricKeyDetails ?? {};
  const signatureSize = scheme === 'ecdsa' ? ECDSA_DER_MAX[details.namedCurve ?? ''] : (details.modulusLength ?? 0) / 8;
  return {
    certificates: [issued.cert.raw, ...chain.map((c) => c.cert.raw)],
    scheme,
    hash,
    signatureSize,
    async sign(data: Buffer): Promise<Buffer> {
      if (scheme === 'rsa-pss') {
        return sign(hash, data, { key: issued.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] });
      }
      if (scheme === 'ecdsa') return sign(hash, data, { key: issued.key, dsaEncoding: 'der' });
      return sign(hash, data, { key: issued.key, padding: constants.RSA_PKCS1_PADDING });
    },
  };
}
