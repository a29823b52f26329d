/**
 * Every signature starts with a fresh P-256 key whose public half goes into its one-shot certificate
 * (subjectPublicKeyInfo). Node 20's JWK export of such a key holds the key's lock while it makes JavaScript strings;
 * a garbage collection there that frees the key generation's job, which takes the same lock, deadlocks the process
 * for good (seen in CI: a test worker hung in ExportJWKEcKey → ~KeyGenJob). It happened about once in a few thousand
 * keys, so the first test checks the encoding never asks for a JWK, and the second makes many keys in a child process,
 * which must finish before its deadline (a deadlock cannot be caught in the process that has it).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { subjectPublicKeyInfo } from '../../../src/keys/certificate-builder.ts';

const KEYS = 20_000;

describe('keys: the SubjectPublicKeyInfo of fresh keys', function () {
  this.timeout(120_000);

  it('is encoded without a JWK export of the key', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // The class that defines the public key's export (an asymmetric key's own, not KeyObject's).
    let owner: object = Object.getPrototypeOf(publicKey) as object;
    while (!Object.hasOwn(owner, 'export')) owner = Object.getPrototypeOf(owner) as object;
    const exported: unknown[] = [];
    const original = (owner as KeyObject).export;
    (owner as KeyObject).export = function (this: KeyObject, options?: unknown) {
      exported.push(options);
      return original.call(this, options as never);
    } as typeof original;
    let encoded: Buffer;
    try {
      encoded = subjectPublicKeyInfo(publicKey);
    } finally {
      (owner as KeyObject).export = original;
    }
    expect(encoded).to.deep.equal(publicKey.export({ type: 'spki', format: 'der' }));
    expect(exported.filter((options) => (options as { format?: string } | undefined)?.format === 'jwk')).to.deep.equal([]);
  });

  it(`is encoded for ${KEYS} fresh P-256 keys in a row, as issueOneShot makes them, without the process hanging`, async () => {
    const builder = JSON.stringify(path.resolve('src/keys/certificate-builder.ts'));
    const script = `import { generateKeyPairSync } from 'node:crypto';
import { subjectPublicKeyInfo } from ${builder};
let bytes = 0;
for (let i = 0; i < ${KEYS}; i++) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  bytes += subjectPublicKeyInfo(publicKey).length + (privateKey.asymmetricKeyType === 'ec' ? 0 : 1);
}
process.stdout.write(String(bytes));`;
    const outcome = await new Promise<{ code: number | string | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 90_000, killSignal: 'SIGKILL' }, (error, stdout) => {
        resolve({ code: error ? ((error as { code?: number | string }).code ?? (error as { signal?: string }).signal ?? 'killed') : 0, stdout });
      });
    });
    expect(outcome.code, 'the child finished (a deadlock is killed at the deadline)').to.equal(0);
    // 91 bytes each: SEQUENCE { AlgorithmIdentifier { ecPublicKey, prime256v1 }, BIT STRING 04 || x || y }.
    expect(Number(outcome.stdout)).to.equal(KEYS * 91);
  });
});
