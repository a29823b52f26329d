/**
 * A TSA certificate for tests, made with the openssl CLI under the test root of openssl-pki.ts:
 * RSA-2048, critical extended key usage id-kp-timeStamping only (RFC 3161 §2.3). Also a certificate
 * with the same key usage but not critical, for the negative cases; OpenSSL checks and an OpenSSL TSA.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKey } from '../../src/keys/types.ts';
import { createBuiltInTsa, type BuiltInTsa } from '../../src/pades/tsa.ts';
import { localKey, openssl, pki, type Issued } from './openssl-pki.ts';

export const TEST_TSA_POLICY = '1.3.6.1.4.1.99999.1.3161';

const EXTENSIONS = `
[ tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa_noncritical ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export interface TestTsa {
  /** TSA certificate, issued by pki().root. */
  tsa: Issued;
  /** Same, but its timeStamping EKU is not critical. */
  nonCritical: Issued;
  /** The TSA key as a SigningKey: TSA certificate, then the root. */
  key: SigningKey;
}

let cached: TestTsa | null = null;

function issue(dir: string, name: string, extensions: string): Issued {
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
    '-subj', `/C=BE/O=Paraaf Test/CN=Paraaf Test TSA ${name}`, '-config', 'req.cnf'], { cwd: dir });
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '30',
    '-sha256', '-extfile', 'tsa-ext.cnf', '-extensions', extensions, '-out', `${name}.pem`], { cwd: dir });
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  const pem = readFileSync(certPath, 'utf8');
  return { cert: new X509Certificate(pem), pem, certPath, keyPath, key: createPrivateKey(readFileSync(keyPath)) };
}

export function testTsa(): TestTsa {
  if (cached) return cached;
  const { dir, root } = pki();
  writeFileSync(join(dir, 'tsa-ext.cnf'), EXTENSIONS);
  const tsa = issue(dir, 'tsa', 'tsa');
  const nonCritical = issue(dir, 'tsa-noncritical', 'tsa_noncritical');
  cached = { tsa, nonCritical, key: localKey(tsa, [root], 'rsa-pkcs1', 'sha256') };
  return cached;
}

/** The built-in TSA over the test TSA key. */
export function testBuiltInTsa(clock: () => Date = () => new Date(), accuracyMs?: number): BuiltInTsa {
  return createBuiltInTsa({ key: testTsa().key, policy: TEST_TSA_POLICY, clock, accuracyMs });
}

export interface TsVerifyInput {
  /** A bare TimeStampToken (ContentInfo), checked with -token_in; or a whole TimeStampResp. */
  token?: Buffer;
  response?: Buffer;
  /** Exactly one of: the data, the digest of the data (hex imprint), or the request. */
  data?: Buffer;
  digest?: Buffer;
  query?: Buffer;
  /** Default: the test root. */
  caFile?: string;
  /** Default: the test TSA certificate. */
  untrusted?: string;
}

/** `openssl ts -verify` (RFC 3161 checks by OpenSSL): imprint, nonce (with a query), signature, TSA chain, ESS cert id. */
export function opensslTsVerify(input: TsVerifyInput): { ok: boolean; output: string } {
  const { dir, root } = pki();
  const id = Math.random().toString(36).slice(2);
  const args = ['ts', '-verify', '-CAfile', input.caFile ?? root.certPath, '-untrusted', input.untrusted ?? testTsa().tsa.certPath];
  if (input.token) {
    writeFileSync(join(dir, `${id}.tst`), input.token);
    args.push('-token_in', '-in', `${id}.tst`);
  } else {
    writeFileSync(join(dir, `${id}.tsr`), input.response!);
    args.push('-in', `${id}.tsr`);
  }
  if (input.data) {
    writeFileSync(join(dir, `${id}.bin`), input.data);
    args.push('-data', `${id}.bin`);
  } else if (input.digest) {
    args.push('-digest', input.digest.toString('hex'));
  } else {
    writeFileSync(join(dir, `${id}.tsq`), input.query!);
    args.push('-queryfile', `${id}.tsq`);
  }
  try {
    const out = openssl(args, { cwd: dir }).toString();
    return { ok: /Verification: OK/.test(out), output: out };
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
  }
}

/** `openssl ts -reply -text` of a TimeStampResp: what OpenSSL reads in it. */
export function opensslTsText(response: Buffer): string {
  const { dir } = pki();
  const id = Math.random().toString(36).slice(2);
  writeFileSync(join(dir, `${id}.tsr`), response);
  return openssl(['ts', '-reply', '-in', `${id}.tsr`, '-text'], { cwd: dir }).toString();
}

/** OpenSSL acting as the TSA (`openssl ts -reply`) with the test TSA key: an independent token for our checker. */
export function opensslTsReply(query: Buffer): Buffer {
  const { dir } = pki();
  testTsa();
  const id = Math.random().toString(36).slice(2);
  writeFileSync(join(dir, 'ts.cnf'), `[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
serial = ${dir}/tsa-serial.${id}
crypto_device = builtin
signer_cert = ${dir}/tsa.pem
certs = ${dir}/root.pem
signer_key = ${dir}/tsa.key
signer_digest = sha256
default_policy = ${TEST_TSA_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`);
  writeFileSync(join(dir, `tsa-serial.${id}`), '01\n');
  writeFileSync(join(dir, `${id}.tsq`), query);
  openssl(['ts', '-reply', '-config', 'ts.cnf', '-queryfile', `${id}.tsq`, '-out', `${id}.tsr`], { cwd: dir });
  return readFileSync(join(dir, `${id}.tsr`));
}
