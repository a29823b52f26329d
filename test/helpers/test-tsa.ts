/**
 * A TSA certificate for tests, made with the openssl CLI under the test root of openssl-pki.ts:
 * RSA-2048, critical extended key usage id-kp-timeStamping only (RFC 3161 §2.3). Also a certificate
 * with the same key usage but not critical, and one without it, for the negative cases.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKey } from '../../src/keys/types.ts';
import { createBuiltInTsa, type BuiltInTsa } from '../../src/pades/tsa.ts';
import { localKey, openssl, pki, type Issued } from './openssl-pki.ts';
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';

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
