import { expect } from 'chai';
import { verify, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateDevPki, type DevPki } from '../../../src/keys/index.ts';
import { oneShotKeysAhead, prepareOneShotKey } from '../../../src/keys/one-shot.ts';
import { openssl, tempDir, writePem } from './helpers.ts';

describe('keys/one-shot', () => {
  const dir = tempDir('one-shot');
  let pki: DevPki;
  const directory = join(dir.path, 'dev');

  before(async () => {
    pki = await loadOrCreateDevPki({ directory, organisationName: 'Gemeente Zoersel' });
  });
  after(dir.cleanup);

  const identity = { name: 'Liesbeth Van den Broeck', email: 'liesbeth@zoersel.be', title: 'wnd. algemeen directeur' };

  it('puts name, organisation, title and e-mail in the subject and the e-mail in subjectAltName', async () => {
    const key = await pki.issuer.issueOneShot(identity);
    const cert = new X509Certificate(key.certificates[0]);
    expect(cert.subject).to.equal(
      'C=BE\nO=Gemeente Zoersel\ntitle=wnd. algemeen directeur\nCN=Liesbeth Van den Broeck\nemailAddress=liesbeth@zoersel.be',
    );
    expect(cert.subjectAltName).to.equal('email:liesbeth@zoersel.be');
    expect(cert.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.36']); // node reports the EKU here
    expect(cert.ca).to.equal(false);
  });

  it('is valid from a minute before now to ten years after, by the injected clock', async () => {
    const fixedNow = new Date('2026-03-02T09:30:00Z');
    const loaded = await loadOrCreateDevPki({ directory, now: () => fixedNow });
    expect(loaded.created).to.equal(false);
    const cert = new X509Certificate((await loaded.issuer.issueOneShot(identity)).certificates[0]);
    expect(new Date(cert.validFrom).toISOString()).to.equal('2026-03-02T09:29:00.000Z');
    expect(new Date(cert.validTo).toISOString()).to.equal('2036-03-02T09:30:00.000Z');
  });

  it('leaves out title and e-mail when not given', async () => {
    const cert = new X509Certificate((await pki.issuer.issueOneShot({ name: 'Jef' })).certificates[0]);
    expect(cert.subject).to.equal('C=BE\nO=Gemeente Zoersel\nCN=Jef');
    expect(cert.subjectAltName).to.equal(undefined);
  });

  it('uses a fresh P-256 key for each certificate, and its signature verifies with the certificate', async () => {
    const first = await pki.issuer.issueOneShot(identity);
    const second = await pki.issuer.issueOneShot(identity);
    const firstCert = new X509Certificate(first.certificates[0]);
    const secondCert = new X509Certificate(second.certificates[0]);
    expect(firstCert.publicKey.export({ format: 'jwk' })).to.not.deep.equal(secondCert.publicKey.export({ format: 'jwk' }));
    expect(firstCert.serialNumber).to.not.equal(secondCert.serialNumber);
    expect(firstCert.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
    expect([first.scheme, first.hash, first.signatureSize]).to.deep.equal(['ecdsa', 'sha256', 72]);
    const data = Buffer.from('signed attributes');
    const signature = await first.sign(data);
    expect(verify('sha256', data, firstCert.publicKey, signature)).to.equal(true);
    expect(verify('sha256', data, secondCert.publicKey, signature)).to.equal(false);
  });

  it('takes a key pair made ahead (prepareOneShotKey) once only, at most two waiting, and makes its own when none waits', async () => {
    while (oneShotKeysAhead() > 0) await pki.issuer.issueOneShot(identity);
    for (let i = 0; i < 5; i++) prepareOneShotKey();
    expect(oneShotKeysAhead()).to.equal(2);
    const keys = [];
    for (const waiting of [1, 0, 0]) {
      keys.push(await pki.issuer.issueOneShot(identity));
      expect(oneShotKeysAhead()).to.equal(waiting);
    }
    const publicKeys = keys.map((key) => new X509Certificate(key.certificates[0]).publicKey);
    expect(new Set(publicKeys.map((key) => key.export({ type: 'spki', format: 'der' }).toString('hex'))).size).to.equal(3);
    // Each certificate carries the public half of the key that signs with it.
    const data = Buffer.from('signed attributes');
    for (const [i, key] of keys.entries()) expect(verify('sha256', data, publicKeys[i]!, await key.sign(data))).to.equal(true);
  });

  it('returns [leaf, issuing CA, root] and the chain verifies with openssl', async () => {
    const key = await pki.issuer.issueOneShot(identity);
    expect(key.certificates).to.have.length(3);
    const [leaf, issuing, root] = key.certificates.map((der) => new X509Certificate(der));
    expect(leaf.checkIssued(issuing) && issuing.checkIssued(root) && root.checkIssued(root)).to.equal(true);
    expect(root.raw.equals(pki.rootCertificate.raw)).to.equal(true);
    writePem(join(dir.path, 'leaf.pem'), leaf.raw);
    writePem(join(dir.path, 'issuing.pem'), issuing.raw);
    expect(openssl(dir.path, 'verify', '-CAfile', pki.rootPem, '-untrusted', 'issuing.pem', 'leaf.pem').trim()).to.equal('leaf.pem: OK');
    expect(leaf.publicKey.asymmetricKeyType).to.equal('ec');
  });
});
