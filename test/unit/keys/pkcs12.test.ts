import { expect } from 'chai';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSigningKey, loadPemKey, loadPkcs12, writePkcs12 } from '../../../src/keys/index.ts';
import { openssl, tempDir } from './helpers.ts';

describe('keys/pkcs12', () => {
  const dir = tempDir('pkcs12');
  after(dir.cleanup);
  const run = (...args: string[]) => openssl(dir.path, ...args);

  /** A CA and a leaf signed by it, made by openssl, with the key of the given algorithm. */
  function opensslChain(name: string, keyAlgorithm: string[]): void {
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`, '-subj', `/CN=${name} CA`, '-days', '2');
    run('req', '-new', ...keyAlgorithm, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name} leaf`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-out', `${name}.pem`, '-days', '1');
  }

  function expectLoads(file: string, password: string, name: string, keyType: string): void {
    const { privateKey, certificates } = loadPkcs12(readFileSync(join(dir.path, file)), password);
    expect(privateKey.asymmetricKeyType).to.equal(keyType);
    const subjects = certificates.map((der) => new X509Certificate(der).subject);
    expect(subjects).to.deep.equal([`CN=${name} leaf`, `CN=${name} CA`]); // leaf first, though exported CA first
    const leaf = readFileSync(join(dir.path, `${name}.pem`), 'utf8');
    expect(certificates[0].equals(new X509Certificate(leaf).raw)).to.equal(true);
    expect(() => createSigningKey(privateKey, certificates)).to.not.throw();
  }

  for (const [name, keyAlgorithm, keyType] of [
    ['rsa', ['-newkey', 'rsa:2048'], 'rsa'],
    ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ec'],
  ] as const) {
    it(`loads an OpenSSL 3 default (AES-256/PBKDF2) file with an ${name.toUpperCase()} key`, () => {
      opensslChain(name, [...keyAlgorithm]);
      // -certfile first puts the CA before the leaf in the file; we must reorder.
      run('pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.pem`, '-certfile', `${name}-ca.pem`, '-passout', 'pass:geheim', '-out', `${name}.p12`);
      expectLoads(`${name}.p12`, 'geheim', name, keyType);
    });

    it(`loads a legacy (3DES key, RC2-40 certificates, SHA-1 MAC) file with an ${name.toUpperCase()} key`, () => {
      run('pkcs12', '-export', '-legacy', '-inkey', `${name}.key`, '-in', `${name}.pem`, '-certfile', `${name}-ca.pem`, '-passout', 'pass:geheim', '-out', `${name}-legacy.p12`);
      expectLoads(`${name}-legacy.p12`, 'geheim', name, keyType);
    });
  }

  it('rejects a wrong password with key_password_invalid (400)', () => {
    for (const file of ['rsa.p12', 'ec-legacy.p12']) {
      expect(() => loadPkcs12(readFileSync(join(dir.path, file)), 'fout'))
        .to.throw()
        .that.satisfies((error: { code: string; status: number }) => error.code === 'key_password_invalid' && error.status === 400);
    }
  });

  it('rejects a file that is not PKCS#12 with key_file_invalid', () => {
    expect(() => loadPkcs12(Buffer.from('not a pfx'), 'x')).to.throw().with.property('code', 'key_file_invalid');
    expect(() => loadPkcs12(readFileSync(join(dir.path, 'rsa.pem')), 'x')).to.throw().with.property('code', 'key_file_invalid');
  });

  it('writes files that openssl and loadPkcs12 read, for EC and RSA keys', () => {
    for (const name of ['ec', 'rsa']) {
      const privateKey = loadPemKey(readFileSync(join(dir.path, `${name}.key`), 'utf8'), readFileSync(join(dir.path, `${name}.pem`), 'utf8')).privateKey;
      const chain = [`${name}.pem`, `${name}-ca.pem`].map((f) => new X509Certificate(readFileSync(join(dir.path, f))).raw);
      const p12 = writePkcs12(privateKey, chain, 'wachtwoord', { friendlyName: 'zegel' });
      writeFileSync(join(dir.path, `${name}-ours.p12`), p12);
      const dump = run('pkcs12', '-in', `${name}-ours.p12`, '-passin', 'pass:wachtwoord', '-nodes');
      expect(dump).to.contain('friendlyName: zegel').and.to.contain('PRIVATE KEY').and.to.contain(`subject=CN = ${name} CA`);
      const back = loadPkcs12(p12, 'wachtwoord');
      expect(back.certificates).to.deep.equal(chain);
      expect(createPublicKey(back.privateKey).export({ format: 'jwk' })).to.deep.equal(createPublicKey(privateKey).export({ format: 'jwk' }));
      expect(() => loadPkcs12(p12, 'wachtwoorD')).to.throw().with.property('code', 'key_password_invalid');
    }
  });

  it('loads PEM keys, encrypted or not, with a certificate bundle in any order', () => {
    run('pkey', '-in', 'ec.key', '-aes256', '-passout', 'pass:pem-geheim', '-out', 'ec-enc.key');
    const bundle = ['ec-ca.pem', 'ec.pem'].map((f) => readFileSync(join(dir.path, f), 'utf8'));
    const loaded = loadPemKey(readFileSync(join(dir.path, 'ec-enc.key'), 'utf8'), bundle, 'pem-geheim');
    expect(loaded.certificates.map((der) => new X509Certificate(der).subject)).to.deep.equal(['CN=ec leaf', 'CN=ec CA']);
    // Every wrong password is told as such: about one in 256 decrypts to garbage with valid padding (seen in CI).
    const encrypted = readFileSync(join(dir.path, 'ec-enc.key'), 'utf8');
    const codes = new Set<string>();
    for (let i = 0; i < 400; i++) {
      try {
        loadPemKey(encrypted, bundle, `fout-${i}`);
        codes.add('loaded');
      } catch (error) {
        codes.add((error as { code?: string }).code ?? String(error));
      }
    }
    expect([...codes]).to.deep.equal(['key_password_invalid']);
    expect(() => loadPemKey('garbage', bundle)).to.throw().with.property('code', 'key_file_invalid');
  });

  it('refuses a file whose certificates do not belong to its key', () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const p12 = writePkcs12(stranger, [new X509Certificate(readFileSync(join(dir.path, 'ec.pem'))).raw], 'x');
    expect(() => loadPkcs12(p12, 'x')).to.throw().with.property('code', 'key_certificate_mismatch');
  });
});
