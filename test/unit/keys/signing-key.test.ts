import { expect } from 'chai';
import { constants, generateKeyPairSync, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { buildCertificate } from '../../../src/keys/certificate-builder.ts';
import { createKeySigner, createSigningKey, type SigningKeyOptions } from '../../../src/keys/signing-key.ts';

async function selfSigned(privateKey: KeyObject, publicKey: KeyObject): Promise<Buffer> {
  const now = new Date();
  return buildCertificate(
    {
      subject: [{ type: 'commonName', value: 'signing key test' }],
      subjectPublicKey: publicKey,
      notBefore: now,
      notAfter: new Date(now.getTime() + 3_600_000),
      keyUsage: ['digitalSignature'],
    },
    { key: createKeySigner(privateKey) },
  );
}

describe('keys/signing-key', () => {
  const data = Buffer.from('the DER of the CMS signed attributes');

  async function check(privateKey: KeyObject, publicKey: KeyObject, options?: SigningKeyOptions) {
    const key = createSigningKey(privateKey, [await selfSigned(privateKey, publicKey)], options);
    const signature = await key.sign(data);
    const certKey = new X509Certificate(key.certificates[0]).publicKey;
    return { key, signature, certKey };
  }

  it('signs with RSA PKCS#1 v1.5 and SHA-256 by default', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { key, signature, certKey } = await check(privateKey, publicKey);
    expect([key.scheme, key.hash, key.signatureSize]).to.deep.equal(['rsa-pkcs1', 'sha256', 256]);
    expect(verify('sha256', data, certKey, signature)).to.equal(true);
  });

  it('signs with RSA-PSS, salt length = digest length, when asked', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const { key, signature, certKey } = await check(privateKey, publicKey, { scheme: 'rsa-pss', hash: 'sha384' });
    expect([key.scheme, key.hash, key.signatureSize]).to.deep.equal(['rsa-pss', 'sha384', 384]);
    const pss = { key: certKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 };
    expect(verify('sha384', data, pss, signature)).to.equal(true);
    expect(verify('sha384', data, certKey, signature)).to.equal(false); // not PKCS#1 v1.5
  });

  it('infers RSA-PSS from an rsa-pss key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const key = createSigningKey(privateKey, [await selfSigned(privateKey, publicKey)]);
    expect(key.scheme).to.equal('rsa-pss');
    const signature = await key.sign(data);
    const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify('sha256', data, pss, signature)).to.equal(true);
  });

  it('signs with ECDSA P-384 and SHA-384, DER-encoded, within signatureSize', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const { key, signature, certKey } = await check(privateKey, publicKey);
    expect([key.scheme, key.hash, key.signatureSize]).to.deep.equal(['ecdsa', 'sha384', 104]);
    expect(signature[0]).to.equal(0x30);
    expect(signature.length).to.be.at.most(104);
    expect(verify('sha384', data, { key: certKey, dsaEncoding: 'der' }, signature)).to.equal(true);
  });

  it('knows the maximum DER ECDSA sizes of P-256 and P-521', async () => {
    for (const [curve, size, hash] of [['P-256', 72, 'sha256'], ['P-521', 139, 'sha512']] as const) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const { key, signature, certKey } = await check(privateKey, publicKey);
      expect([key.signatureSize, key.hash]).to.deep.equal([size, hash]);
      expect(verify(hash, data, certKey, signature)).to.equal(true);
    }
  });

  it('refuses a certificate that belongs to another key, and impossible schemes', async () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificate = await selfSigned(a.privateKey, a.publicKey);
    expect(() => createSigningKey(b.privateKey, [certificate])).to.throw().with.property('code', 'key_certificate_mismatch');
    expect(() => createSigningKey(a.privateKey, [certificate], { scheme: 'rsa-pss' })).to.throw().with.property('code', 'key_unsupported');
    expect(() => createSigningKey(a.privateKey, [])).to.throw().with.property('code', 'key_file_invalid');
  });
});
