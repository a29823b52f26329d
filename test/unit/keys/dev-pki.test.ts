import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateDevPki, loadPkcs12 } from '../../../src/keys/index.ts';
import { openssl, tempDir } from './helpers.ts';

describe('keys/dev-pki', () => {
  const dir = tempDir('dev-pki');
  after(dir.cleanup);

  it('is created once, then loaded with the same root', async () => {
    const directory = join(dir.path, 'certs', 'dev');
    const first = await loadOrCreateDevPki({ directory });
    expect(first.created).to.equal(true);
    const second = await loadOrCreateDevPki({ directory });
    expect(second.created).to.equal(false);
    expect(second.rootCertificate.raw.equals(first.rootCertificate.raw)).to.equal(true);
    expect(second.issuer.caCertificates.map((c) => c.fingerprint256)).to.deep.equal(first.issuer.caCertificates.map((c) => c.fingerprint256));
    expect(first.rootPem).to.equal(join(directory, 'root-ca.pem'));
  });

  it('writes the expected files, keys 0600, and certificates that match the design', async () => {
    const directory = join(dir.path, 'certs', 'dev');
    expect(readdirSync(directory).sort()).to.deep.equal(
      ['issuing-ca.p12', 'issuing-ca.pem', 'pki.json', 'root-ca.p12', 'root-ca.pem', 'seal.p12', 'seal.pem'],
    );
    for (const file of ['root-ca.p12', 'issuing-ca.p12', 'seal.p12']) expect(statSync(join(directory, file)).mode & 0o777).to.equal(0o600);
    expect(readdirSync(join(dir.path, 'certs'))).to.deep.equal(['dev']); // no temporary directory left behind

    const root = new X509Certificate(readFileSync(join(directory, 'root-ca.pem')));
    expect(root.subject).to.contain('CN=Paraaf Development Root CA');
    expect(root.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(3072);
    const issuing = new X509Certificate(readFileSync(join(directory, 'issuing-ca.pem')));
    expect(issuing.subject).to.contain('CN=Paraaf Demo Issuing CA — Demo-organisatie');
    expect(issuing.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('secp384r1');
    const text = openssl(directory, 'x509', '-in', 'issuing-ca.pem', '-noout', '-text');
    expect(text).to.match(/CA:TRUE, pathlen:0/);

    const seal = loadPkcs12(readFileSync(join(directory, 'seal.p12')), 'paraaf-dev');
    const sealCert = new X509Certificate(seal.certificates[0]);
    expect(sealCert.subject).to.equal('C=BE\nO=Demo-organisatie\nCN=Demo-organisatie — elektronisch zegel');
    expect(seal.certificates).to.have.length(3);
    const years = (Date.parse(sealCert.validTo) - Date.parse(sealCert.validFrom)) / (365.25 * 86_400_000);
    expect(years).to.be.closeTo(3, 0.01);
    expect(openssl(directory, 'verify', '-CAfile', 'root-ca.pem', '-untrusted', 'issuing-ca.pem', 'seal.pem').trim()).to.equal('seal.pem: OK');

    const sealKey = await (await loadOrCreateDevPki({ directory })).issuer.seal();
    expect([sealKey.scheme, sealKey.signatureSize]).to.deep.equal(['rsa-pkcs1', 384]);
  });

  it('lets exactly one of two simultaneous starts create the PKI', async () => {
    const directory = join(dir.path, 'race', 'dev');
    const [a, b] = await Promise.all([loadOrCreateDevPki({ directory }), loadOrCreateDevPki({ directory })]);
    expect([a.created, b.created].sort()).to.deep.equal([false, true]);
    expect(a.rootCertificate.raw.equals(b.rootCertificate.raw)).to.equal(true);
    expect(readdirSync(join(dir.path, 'race'))).to.deep.equal(['dev']);
  });

  it('refuses a wrong password and a PKI made for another organisation', async () => {
    const directory = join(dir.path, 'certs', 'dev');
    let error: unknown;
    await loadOrCreateDevPki({ directory, password: 'fout' }).catch((e) => (error = e));
    expect(error).to.have.property('code', 'key_password_invalid');
    await loadOrCreateDevPki({ directory, organisationName: 'Gemeente Malle' }).catch((e) => (error = e));
    expect(error).to.have.property('code', 'dev_pki_invalid');
  });
});
