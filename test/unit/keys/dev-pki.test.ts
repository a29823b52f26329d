import { expect } from 'chai';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertPkiAllowed, DEV_PKI_PASSWORD, loadOrCreateDevPki, writePkcs12 } from '../../../src/keys/index.ts';
import { openssl, tempDir, writePem } from './helpers.ts';

const BASE_URL = 'https://paraaf.test';

describe('keys/dev-pki v2', () => {
  const dir = tempDir('dev-pki');
  after(dir.cleanup);
  const directory = join(dir.path, 'certs', 'dev');

  it('is created once, then loaded with the same root, TSA and organisation CA', async () => {
    const first = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL });
    expect(first.created).to.equal(true);
    const second = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL });
    expect(second.created).to.equal(false);
    expect(second.rootCertificate.raw.equals(first.rootCertificate.raw)).to.equal(true);
    expect(second.tsaKey.certificates[0].equals(first.tsaKey.certificates[0])).to.equal(true);
    expect(second.issuer.caCertificates.map((c) => c.fingerprint256)).to.deep.equal(first.issuer.caCertificates.map((c) => c.fingerprint256));
    expect(first.rootPem).to.equal(join(directory, 'root-ca.pem'));
  });

  it('writes root, TSA and the organisation files with keys 0600, and no temporary files', async () => {
    expect(readdirSync(directory).sort()).to.deep.equal(['orgs', 'pki.json', 'root-ca.p12', 'root-ca.pem', 'tsa.p12', 'tsa.pem']);
    expect(readdirSync(join(directory, 'orgs'))).to.deep.equal(['demo']);
    expect(readdirSync(join(directory, 'orgs', 'demo')).sort()).to.deep.equal(['issuing-ca.p12', 'issuing-ca.pem', 'org.json']);
    for (const file of ['root-ca.p12', 'tsa.p12', 'orgs/demo/issuing-ca.p12']) expect(statSync(join(directory, file)).mode & 0o777).to.equal(0o600);
    expect(readdirSync(join(dir.path, 'certs'))).to.deep.equal(['dev']);
    const root = new X509Certificate(readFileSync(join(directory, 'root-ca.pem')));
    expect(root.subject).to.contain('CN=Paraaf Development Root CA');
    expect(root.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(3072);
    expect(years(root)).to.be.closeTo(30, 0.01);
  });

  it('makes a TSA certificate with only the timeStamping EKU, critical (RFC 3161 §2.3)', () => {
    const text = openssl(directory, 'x509', '-in', 'tsa.pem', '-noout', '-text');
    expect(text).to.match(/X509v3 Extended Key Usage: critical\s+Time Stamping\s/);
    expect(text).to.match(/CA Issuers - URI:https:\/\/paraaf.test\/pki\/root\/ca.crt/);
    expect(text).to.match(/URI:https:\/\/paraaf.test\/pki\/root\/crl/);
    expect(openssl(directory, 'verify', '-CAfile', 'root-ca.pem', '-purpose', 'timestampsign', 'tsa.pem').trim()).to.equal('tsa.pem: OK');
    expect(years(new X509Certificate(readFileSync(join(directory, 'tsa.pem'))))).to.be.closeTo(12, 0.01);
  });

  it('creates each organisation its own CA on first use, named after it, with its seal on first seal', async () => {
    const pki = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL });
    const zemst = await pki.provider.forOrganisation({ id: 'o1', slug: 'zemst', name: 'Gemeente Zemst' });
    const malle = await pki.provider.forOrganisation({ id: 'o2', slug: 'malle', name: 'Gemeente Malle' });
    expect(zemst.caCertificates[0].subject).to.equal('C=BE\nO=Gemeente Zemst\nCN=Gemeente Zemst — uitgevende CA');
    expect(malle.caCertificates[0].fingerprint256).to.not.equal(zemst.caCertificates[0].fingerprint256);
    expect(zemst.caCertificates[1].raw.equals(pki.rootCertificate.raw)).to.equal(true);
    const caText = openssl(join(directory, 'orgs', 'zemst'), 'x509', '-in', 'issuing-ca.pem', '-noout', '-text');
    expect(caText).to.match(/CA:TRUE, pathlen:0/).and.match(/URI:https:\/\/paraaf.test\/pki\/root\/crl/);
    expect(readdirSync(join(directory, 'orgs', 'zemst'))).to.not.include('seal.p12');

    const seal = await zemst.seal();
    const sealCert = new X509Certificate(seal.certificates[0]);
    expect(sealCert.subject).to.equal('C=BE\nO=Gemeente Zemst\nCN=Gemeente Zemst — elektronisch zegel');
    expect([seal.scheme, seal.signatureSize, seal.certificates.length]).to.deep.equal(['rsa-pkcs1', 384, 3]);
    expect(years(sealCert)).to.be.closeTo(10, 0.01);
    expect(statSync(join(directory, 'orgs', 'zemst', 'seal.p12')).mode & 0o777).to.equal(0o600);
    expect(openssl(join(directory, 'orgs', 'zemst'), 'verify', '-CAfile', pki.rootPem, '-untrusted', 'issuing-ca.pem', 'seal.pem').trim()).to.equal('seal.pem: OK');

    const leaf = new X509Certificate((await zemst.issueOneShot({ name: 'An Peeters' })).certificates[0]);
    expect(leaf.subject).to.equal('C=BE\nO=Gemeente Zemst\nCN=An Peeters');
    expect(leaf.checkIssued(zemst.caCertificates[0])).to.equal(true);
    expect(leaf.checkIssued(malle.caCertificates[0])).to.equal(false);
    writePem(join(dir.path, 'leaf.pem'), leaf.raw);
    const leafText = openssl(dir.path, 'x509', '-in', 'leaf.pem', '-noout', '-text');
    expect(leafText).to.match(/CA Issuers - URI:https:\/\/paraaf.test\/pki\/zemst\/ca.crt/).and.match(/URI:https:\/\/paraaf.test\/pki\/zemst\/crl/);
    expect(leafText).to.not.match(/OCSP - URI/);
    expect(years(leaf)).to.be.closeTo(10, 0.01);
  });

  it('gives the publication routes each CA key, and none for unknown names', async () => {
    const pki = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL });
    const zemst = await pki.provider.authority('zemst');
    expect(new X509Certificate(zemst!.certificates[0]).subject).to.contain('Gemeente Zemst');
    expect((await pki.provider.authority('root'))!.certificates[0].equals(pki.rootCertificate.raw)).to.equal(true);
    expect(await pki.provider.authority('nobody')).to.equal(null);
    expect(await pki.provider.authority('../etc')).to.equal(null);
    const byCert = await pki.provider.authorityFor(new X509Certificate(zemst!.certificates[0]));
    expect(byCert!.certificates[0].equals(zemst!.certificates[0])).to.equal(true);
    expect(await pki.provider.authorityFor(new X509Certificate(readFileSync(join(directory, 'tsa.pem'))))).to.equal(null);
    let error: unknown;
    await pki.provider.forOrganisation({ id: 'x', slug: 'root', name: 'Root' }).catch((e) => (error = e));
    expect(error).to.have.property('code', 'organisation_ca_unavailable');
  });

  it('lets exactly one of two simultaneous starts create the PKI and an organisation CA', async () => {
    const race = join(dir.path, 'race', 'dev');
    const [a, b] = await Promise.all([loadOrCreateDevPki({ directory: race }), loadOrCreateDevPki({ directory: race })]);
    expect([a.created, b.created].sort()).to.deep.equal([false, true]);
    expect(a.rootCertificate.raw.equals(b.rootCertificate.raw)).to.equal(true);
    expect(a.tsaKey.certificates[0].equals(b.tsaKey.certificates[0])).to.equal(true);
    expect(a.issuer.caCertificates[0].raw.equals(b.issuer.caCertificates[0].raw)).to.equal(true);
    expect(readdirSync(join(dir.path, 'race'))).to.deep.equal(['dev']);
    expect(readdirSync(join(race, 'orgs'))).to.deep.equal(['demo']);
  });

  it('keeps a v1 directory: same root and demo CA, adds the TSA and organisation CAs', async () => {
    const v1 = join(dir.path, 'v1');
    writeV1(v1);
    const rootBefore = readFileSync(join(v1, 'root-ca.pem'));
    const pki = await loadOrCreateDevPki({ directory: v1 });
    expect(pki.created).to.equal(false);
    expect(pki.rootCertificate.raw.equals(new X509Certificate(rootBefore).raw)).to.equal(true);
    expect(pki.issuer.caCertificates[0].subject).to.contain('Paraaf Demo Issuing CA');
    expect(readdirSync(v1)).to.include('tsa.p12');
    const org = await pki.provider.forOrganisation({ id: 'o', slug: 'zemst', name: 'Gemeente Zemst' });
    expect(org.caCertificates[1].raw.equals(pki.rootCertificate.raw)).to.equal(true);
  });

  it('is refused in production, as is the development password; allowed elsewhere', () => {
    const refusal = (o: Parameters<typeof assertPkiAllowed>[0]) => {
      try {
        assertPkiAllowed(o);
        return null;
      } catch (error) {
        return error as { code: string; message: string };
      }
    };
    expect(refusal({ nodeEnv: 'production', password: DEV_PKI_PASSWORD, development: false })?.message).to.contain('PKI_PASSWORD');
    expect(refusal({ nodeEnv: 'production', password: 's3cret', development: true })?.code).to.equal('pki_refused');
    expect(refusal({ nodeEnv: 'production', password: 's3cret', development: false })).to.equal(null);
    expect(refusal({ nodeEnv: 'development', password: DEV_PKI_PASSWORD, development: true })).to.equal(null);
  });

  it('refuses a wrong password', async () => {
    let error: unknown;
    await loadOrCreateDevPki({ directory, password: 'fout' }).catch((e) => (error = e));
    expect(error).to.have.property('code', 'key_password_invalid');
  });
});

describe('keys/dev-pki TSA key rollover', () => {
  const dir = tempDir('dev-pki-tsa');
  after(dir.cleanup);
  const directory = join(dir.path, 'dev');
  const YEAR_MS = 365.25 * 86_400_000;
  const t0 = Date.now();
  let offset = 0;
  const now = (): Date => new Date(t0 + offset);

  it('issues a new TSA key under the root when less than a year is left, once, and a restart loads it', async () => {
    const pki = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL, now });
    const first = pki.tsaKey;
    offset = 10.9 * YEAR_MS;
    expect(await pki.currentTsaKey(), 'more than a year left: no rollover').to.equal(first);
    expect(readdirSync(directory).filter((f) => f.startsWith('tsa'))).to.deep.equal(['tsa.p12', 'tsa.pem']);

    offset = 11.1 * YEAR_MS;
    const [a, b] = await Promise.all([pki.currentTsaKey(), pki.currentTsaKey()]);
    expect(a, 'one rollover for simultaneous callers').to.equal(b);
    const next = new X509Certificate(a.certificates[0]);
    expect(next.subject).to.equal('C=BE\nO=Paraaf\nCN=Paraaf Development TSA 2');
    expect(Date.parse(next.validFrom)).to.be.closeTo(now().getTime(), 120_000);
    expect(years(next)).to.be.closeTo(12, 0.01);
    expect(a.certificates[1].equals(pki.rootCertificate.raw)).to.equal(true);
    expect(readdirSync(directory).filter((f) => f.startsWith('tsa')).sort()).to.deep.equal(['tsa-2.p12', 'tsa.p12', 'tsa.pem']);
    expect(statSync(join(directory, 'tsa-2.p12')).mode & 0o777).to.equal(0o600);
    expect(new X509Certificate(readFileSync(join(directory, 'tsa.pem'))).raw.equals(next.raw), 'tsa.pem is the current certificate').to.equal(true);
    const text = openssl(directory, 'x509', '-in', 'tsa.pem', '-noout', '-text');
    expect(text).to.match(/X509v3 Extended Key Usage: critical\s+Time Stamping\s/);
    const at = String(Math.floor(now().getTime() / 1000));
    expect(openssl(directory, 'verify', '-attime', at, '-CAfile', 'root-ca.pem', '-purpose', 'timestampsign', 'tsa.pem').trim()).to.equal('tsa.pem: OK');
    expect(await pki.currentTsaKey(), 'the new key serves from now on').to.equal(a);

    const restarted = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL, now });
    expect(restarted.tsaKey.certificates[0].equals(next.raw)).to.equal(true);
    expect(first.certificates[0].equals(next.raw)).to.equal(false);
  });

  it('stops rolling over when a new certificate would not outlive the current one (the root ends first)', async () => {
    const pki = await loadOrCreateDevPki({ directory, baseUrl: BASE_URL, now });
    offset = 22.5 * YEAR_MS; // generation 2 (to t0 + 23.1 y) has less than a year left
    const third = new X509Certificate((await pki.currentTsaKey()).certificates[0]);
    expect(third.subject).to.contain('CN=Paraaf Development TSA 3');
    expect(third.validTo, 'capped at the root').to.equal(pki.rootCertificate.validTo);
    offset = 29.5 * YEAR_MS;
    expect((await pki.currentTsaKey()).certificates[0].equals(third.raw)).to.equal(true);
    expect(readdirSync(directory).filter((f) => f.endsWith('.p12') && f.startsWith('tsa'))).to.have.length(3);
  });
});

function years(cert: X509Certificate): number {
  return (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86_400_000);
}

/** A v1 layout as the previous release wrote it (root, one demo issuing CA and a seal at the top), made with openssl. */
function writeV1(directory: string): void {
  mkdirSync(directory, { recursive: true });
  openssl(directory, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root-ca.pem',
    '-subj', '/C=BE/O=Paraaf/CN=Paraaf Development Root CA', '-days', '7300', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl(directory, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'issuing.key', '-out', 'issuing.csr', '-subj', '/C=BE/O=Demo-organisatie/CN=Paraaf Demo Issuing CA — Demo-organisatie');
  writeFileSync(join(directory, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(directory, 'x509', '-req', '-in', 'issuing.csr', '-CA', 'root-ca.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '3650', '-extfile', 'ca.ext', '-out', 'issuing-ca.pem');
  openssl(directory, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'seal.key', '-out', 'seal.csr', '-subj', '/C=BE/O=Demo-organisatie/CN=Demo-organisatie — elektronisch zegel');
  openssl(directory, 'x509', '-req', '-in', 'seal.csr', '-CA', 'issuing-ca.pem', '-CAkey', 'issuing.key', '-CAcreateserial', '-days', '1095', '-out', 'seal.pem');
  const p12 = (name: string, key: string, certs: string[]) => {
    const pems = certs.map((c) => readFileSync(join(directory, c), 'utf8'));
    const ders = pems.map((pem) => new X509Certificate(pem).raw);
    const privateKey = readFileSync(join(directory, key), 'utf8');
    writeFileSync(join(directory, name), writePkcs12(createPrivateKey(privateKey), ders, 'paraaf-dev', { friendlyName: name }));
  };
  p12('root-ca.p12', 'root.key', ['root-ca.pem']);
  p12('issuing-ca.p12', 'issuing.key', ['issuing-ca.pem', 'root-ca.pem']);
  p12('seal.p12', 'seal.key', ['seal.pem', 'issuing-ca.pem', 'root-ca.pem']);
  writeFileSync(join(directory, 'pki.json'), JSON.stringify({ version: 1, organisationName: 'Demo-organisatie', createdAt: new Date().toISOString() }));
}
