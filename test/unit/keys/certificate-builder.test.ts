import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { OID } from '../../../src/asn1/der.ts';
import { buildCertificate, subjectPublicKeyInfo } from '../../../src/keys/certificate-builder.ts';
import { createKeySigner, createSigningKey } from '../../../src/keys/signing-key.ts';
import { openssl, tempDir, writePem } from './helpers.ts';

describe('keys/certificate-builder', () => {
  const dir = tempDir('builder');
  after(dir.cleanup);
  const now = new Date();
  const inAYear = new Date(now.getTime() + 365 * 86_400_000);

  async function chain(issuingType: 'rsa' | 'ec') {
    const rootKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const root = await buildCertificate(
      {
        subject: [{ type: 'countryName', value: 'BE' }, { type: 'commonName', value: 'Test Root' }],
        subjectPublicKey: rootKeys.publicKey,
        notBefore: now,
        notAfter: inAYear,
        ca: {},
        keyUsage: ['keyCertSign', 'cRLSign'],
      },
      { key: createKeySigner(rootKeys.privateKey) },
    );
    const issuingKeys =
      issuingType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const issuing = await buildCertificate(
      {
        subject: [{ type: 'organizationName', value: 'Gemeente Zoersel' }, { type: 'commonName', value: 'Issuing — é' }],
        subjectPublicKey: issuingKeys.publicKey,
        notBefore: now,
        notAfter: inAYear,
        ca: { pathLength: 0 },
        keyUsage: ['keyCertSign', 'cRLSign'],
      },
      { key: createSigningKey(rootKeys.privateKey, [root]), certificate: root },
    );
    const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = await buildCertificate(
      {
        subject: [{ type: 'countryName', value: 'BE' }, { type: 'commonName', value: 'An Janssens' }, { type: 'emailAddress', value: 'an@example.be' }],
        subjectPublicKey: leafKeys.publicKey,
        notBefore: now,
        notAfter: inAYear,
        keyUsage: ['digitalSignature', 'nonRepudiation'],
        extendedKeyUsage: [OID.emailProtection, OID.documentSigning],
        emails: ['an@example.be'],
        policies: ['1.3.6.1.4.1.99999.1'],
      },
      { key: createSigningKey(issuingKeys.privateKey, [issuing, root]), certificate: issuing },
    );
    return { root, issuing, leaf };
  }

  for (const issuingType of ['rsa', 'ec'] as const) {
    it(`builds a chain openssl verifies (${issuingType} issuing CA)`, async () => {
      const { root, issuing, leaf } = await chain(issuingType);
      writePem(join(dir.path, 'root.pem'), root);
      writePem(join(dir.path, 'issuing.pem'), issuing);
      writePem(join(dir.path, 'leaf.pem'), leaf);
      const out = openssl(dir.path, 'verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', 'leaf.pem');
      expect(out.trim()).to.equal('leaf.pem: OK');
      const text = openssl(dir.path, 'x509', '-in', 'leaf.pem', '-noout', '-text');
      expect(text).to.match(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
      expect(text).to.contain('email:an@example.be');
      expect(text).to.contain('Policy: 1.3.6.1.4.1.99999.1');
      const caText = openssl(dir.path, 'x509', '-in', 'issuing.pem', '-noout', '-text');
      expect(caText).to.match(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(caText).to.match(/Signature Algorithm: sha256WithRSAEncryption/);
    });
  }

  it('writes names in order with the right string types and a positive 16-byte serial', async () => {
    const { issuing, leaf } = await chain('ec');
    const cert = new X509Certificate(leaf);
    expect(cert.subject).to.equal('C=BE\nCN=An Janssens\nemailAddress=an@example.be');
    expect(cert.issuer).to.equal(new X509Certificate(issuing).subject);
    expect(cert.serialNumber).to.have.length(32);
    expect(parseInt(cert.serialNumber[0], 16)).to.be.below(8);
    // countryName as PrintableString (0x13), the CN as UTF8String (0x0c), emailAddress as IA5String (0x16).
    expect(leaf.includes(Buffer.from('0603550406130242', 'hex'))).to.equal(true);
    expect(leaf.includes(Buffer.concat([Buffer.from('0603550403' + '0c0b', 'hex'), Buffer.from('An Janssens')]))).to.equal(true);
    expect(leaf.includes(Buffer.from('06092a864886f70d010901160d', 'hex'))).to.equal(true);
  });

  it('signs certificates with an RSA-PSS key in the form openssl writes (RFC 4055 §3.1)', async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pssRoot = await buildCertificate(
      {
        subject: [{ type: 'commonName', value: 'PSS Root' }],
        subjectPublicKey: keys.publicKey,
        notBefore: now,
        notAfter: inAYear,
        ca: {},
        keyUsage: ['keyCertSign'],
      },
      { key: createKeySigner(keys.privateKey, { scheme: 'rsa-pss' }) },
    );
    writePem(join(dir.path, 'pss.pem'), pssRoot);
    expect(openssl(dir.path, 'verify', '-CAfile', 'pss.pem', 'pss.pem').trim()).to.equal('pss.pem: OK');
    const text = openssl(dir.path, 'x509', '-in', 'pss.pem', '-noout', '-text');
    expect(text).to.match(/Signature Algorithm: rsassaPss\s+Hash Algorithm: sha256\s+Mask Algorithm: mgf1 with sha256\s+Salt Length: 0x20/);
  });

  it('encodes a public key’s SubjectPublicKeyInfo byte for byte as OpenSSL does, on every curve and key type', () => {
    const keys = [
      // 200 keys a curve: about one in 128 has a coordinate with a leading zero byte, which must stay.
      ...(['P-256', 'P-384', 'P-521'] as const).flatMap((namedCurve) => Array.from({ length: 200 }, () => generateKeyPairSync('ec', { namedCurve }).publicKey)),
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
    ];
    for (const key of keys) expect(subjectPublicKeyInfo(key).toString('hex')).to.equal(key.export({ type: 'spki', format: 'der' }).toString('hex'));
  });
});
