/**
 * One CA per organisation, its publication and revocation (issue 9), over real HTTP, checked by openssl and pdfsig:
 * two organisations' chains differ and neither trusts the other's leaf; a signed envelope is B-T and pdfsig says
 * "trusted" now and a year on (faketime); `openssl ocsp` asks our responder (good, then revoked after revocation);
 * the CRL verifies; the built-in TSA answers `openssl ts`; a TSA that is down leaves nothing signed.
 */
import { execFile } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { toPem, type DevPki } from '../../../src/keys/index.ts';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { revokeOneShotCertificate } from '../../../src/workflow/revoke-certificate.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { extractSignatures, pdfsig } from '../../helpers/validators.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const run = promisify(execFile);
const BASE_URL = 'https://paraaf.test';
const TIMESTAMP_TOKEN_OID = Buffer.from('060b2a864886f70d010910020e', 'hex'); // id-aa-signatureTimeStampToken

describe('PKI: one CA per organisation, CRL, OCSP, TSA and revocation over HTTP', function () {
  this.timeout(180_000);
  let pki: DevPki;
  let app: TestApp;
  let dir: string;
  let zonnebeke: Organisation;
  let ieper: Organisation;
  let signed: Buffer;
  let signedEnvelopeId: string;

  before(async () => {
    pki = await devPki();
    app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'p'.repeat(40) } });
    dir = mkdtempSync(join(tmpdir(), 'paraaf-pki-it-'));
    zonnebeke = await createOrganisation(app.deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    ieper = await createOrganisation(app.deps.db, { slug: `ieper-${randomUUID().slice(0, 8)}`, name: 'Stad Ieper' });
    writeFileSync(join(dir, 'root.pem'), pki.rootCertificate.toString());
  });
  after(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives each organisation its own issuing CA, named after it; neither trusts the other\'s leaf', async () => {
    const a = await pki.provider.forOrganisation(zonnebeke);
    const b = await pki.provider.forOrganisation(ieper);
    expect(a.caCertificates[0].subject).to.equal('C=BE\nO=Gemeente Zonnebeke\nCN=Gemeente Zonnebeke — uitgevende CA');
    expect(b.caCertificates[0].subject).to.equal('C=BE\nO=Stad Ieper\nCN=Stad Ieper — uitgevende CA');
    const leaf = new X509Certificate((await a.issueOneShot({ name: 'An Peeters', title: 'Algemeen directeur' })).certificates[0]);
    expect(leaf.subject).to.contain('O=Gemeente Zonnebeke').and.contain('CN=An Peeters');
    writeFileSync(join(dir, 'leaf-a.pem'), leaf.toString());
    writeFileSync(join(dir, 'ca-a.pem'), a.caCertificates[0].toString());
    writeFileSync(join(dir, 'ca-b.pem'), b.caCertificates[0].toString());
    const ok = await openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'ca-a.pem', 'leaf-a.pem']);
    expect(ok.stdout.trim()).to.equal('leaf-a.pem: OK');
    const other = await openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'ca-b.pem', 'leaf-a.pem']);
    expect(other.code).to.not.equal(0);
    const onlyB = await openssl(['verify', '-partial_chain', '-CAfile', 'ca-b.pem', 'leaf-a.pem']);
    expect(onlyB.code).to.not.equal(0);
  });

  it('signs an envelope with the organisation\'s CA at B-T; pdfsig says trusted now and 400 days on', async () => {
    const envelopeId = await sendEnvelope(app, zonnebeke);
    signedEnvelopeId = envelopeId;
    const page = await sign(app, zonnebeke, envelopeId);
    expect(page.status, page.text.slice(0, 300)).to.equal(303);
    const envelope = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set(await apiAuth(app, zonnebeke)).expect(200)).body;
    expect(envelope.status).to.equal('completed');
    signed = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${envelope.documents[0].id}`).set(await apiAuth(app, zonnebeke)).buffer(true).parse(binary)).body;
    const file = join(dir, 'signed.pdf');
    writeFileSync(file, signed);

    const cms = extractSignatures(signed)[0].contents;
    expect(cms.includes(TIMESTAMP_TOKEN_OID), 'a signature timestamp token in the SignerInfo').to.equal(true);
    writeFileSync(join(dir, 'cms.der'), cms);
    const certs = (await openssl(['pkcs7', '-inform', 'DER', '-in', 'cms.der', '-print_certs'])).stdout;
    const subjects = pemBlocks(certs).map((pem) => new X509Certificate(pem).subject);
    expect(subjects).to.include('C=BE\nO=Gemeente Zonnebeke\nCN=Gemeente Zonnebeke — uitgevende CA');
    expect(subjects).to.include('C=BE\nO=Gemeente Zonnebeke\ntitle=Algemeen directeur\nCN=An Peeters\nemailAddress=an@example.be');

    const now = await pdfsig(file, [pki.rootCertificate.toString()]);
    const first = now.signatures[0];
    expect([first.signerCommonName, first.rawStatus, first.rawCertStatus]).to.deep.equal(['An Peeters', 'Signature is Valid.', 'Certificate is Trusted.']);
    const later = await fakePdfsig('+400 days', file);
    expect(later).to.contain('Signer Certificate Common Name: An Peeters').and.contain('Certificate Validation: Certificate is Trusted.');
    expect(later).to.not.match(/Certificate has Expired/);
  });

  it('publishes CA certificates and CRLs that openssl verifies, and 404 for a CA nobody has', async () => {
    const ca = await request(app.url).get(`/pki/${zonnebeke.slug}/ca.crt`).buffer(true).parse(binary).expect(200);
    expect(ca.headers['content-type']).to.match(/^application\/pkix-cert/);
    const a = await pki.provider.forOrganisation(zonnebeke);
    expect(Buffer.compare(ca.body, a.caCertificates[0].raw)).to.equal(0);
    const root = await request(app.url).get('/pki/root/ca.crt').buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(root.body, pki.rootCertificate.raw)).to.equal(0);

    for (const [name, issuerPem] of [[zonnebeke.slug, 'ca-a.pem'], ['root', 'root.pem']] as const) {
      const crl = await request(app.url).get(`/pki/${name}/crl`).buffer(true).parse(binary).expect(200);
      expect(crl.headers['content-type']).to.match(/^application\/pkix-crl/);
      writeFileSync(join(dir, `${name}.crl`), crl.body);
      const checked = await openssl(['crl', '-inform', 'DER', '-in', `${name}.crl`, '-CAfile', issuerPem, '-noout', '-text']);
      expect(checked.stderr + checked.stdout).to.contain('verify OK');
    }
    await request(app.url).get('/pki/nobody-here/crl').expect(404);
    await request(app.url).get('/pki/nobody-here/ca.crt').expect(404);
  });

  it('answers openssl ocsp: good, then revoked from the certificate\'s start after revocation; the CRL lists it', async () => {
    writeFileSync(join(dir, 'cms.der'), extractSignatures(signed)[0].contents);
    const certs = (await openssl(['pkcs7', '-inform', 'DER', '-in', 'cms.der', '-print_certs'])).stdout;
    const leafPem = pemBlocks(certs).find((pem) => new X509Certificate(pem).subject.includes('CN=An Peeters'))!;
    const leaf = new X509Certificate(leafPem);
    writeFileSync(join(dir, 'signer.pem'), leafPem);
    const ask = () => openssl(['ocsp', '-issuer', 'ca-a.pem', '-cert', 'signer.pem', '-url', `${app.url}/pki/${zonnebeke.slug}/ocsp`, '-CAfile', 'root.pem', '-verify_other', 'ca-a.pem']);
    const good = await ask();
    expect(good.stdout, good.stderr).to.contain('signer.pem: good');
    expect(good.stderr).to.contain('Response verify OK');

    const result = await revokeOneShotCertificate(app.deps.workflow, { organisation: zonnebeke, serial: leaf.serialNumber, reason: 'keyCompromise', note: 'fraud report' });
    expect(result.created).to.equal(true);
    expect(result.revocation.revokedAt).to.equal(new Date(leaf.validFrom).toISOString());
    expect((await revokeOneShotCertificate(app.deps.workflow, { organisation: zonnebeke, serial: leaf.serialNumber })).created).to.equal(false);
    // The envelope's own trail says so, once, in the same transaction as the revocation.
    const audit = (await request(app.url).get(`/api/v1/envelopes/${signedEnvelopeId}/audit`).set(await apiAuth(app, zonnebeke)).expect(200)).body;
    const events = (audit.events ?? audit) as { action: string; details: Record<string, unknown> }[];
    const revokedEvents = events.filter((e) => e.action === 'certificate.revoked');
    expect(revokedEvents).to.have.length(1);
    expect(revokedEvents[0].details).to.include({ serialNumber: leaf.serialNumber.toLowerCase(), reason: 'keyCompromise', note: 'fraud report', revokedAt: new Date(leaf.validFrom).toISOString() });

    const revoked = await ask();
    expect(revoked.stdout).to.contain('signer.pem: revoked').and.contain('Reason: keyCompromise');
    expect(revoked.stderr).to.contain('Response verify OK');

    const crl = await request(app.url).get(`/pki/${zonnebeke.slug}/crl`).buffer(true).parse(binary).expect(200);
    writeFileSync(join(dir, 'after.crl'), crl.body);
    const text = (await openssl(['crl', '-inform', 'DER', '-in', 'after.crl', '-CAfile', 'ca-a.pem', '-noout', '-text'])).stdout;
    expect(text).to.contain(`Serial Number: ${leaf.serialNumber}`).and.contain('Key Compromise');
  });

  it('answers OCSP by GET with the URL-encoded base64 request, as NSS asks', async () => {
    await openssl(['ocsp', '-issuer', 'ca-a.pem', '-cert', 'leaf-a.pem', '-no_nonce', '-reqout', 'req.der']);
    const { readFileSync } = await import('node:fs');
    const encoded = encodeURIComponent(readFileSync(join(dir, 'req.der')).toString('base64'));
    const res = await request(app.url).get(`/pki/${zonnebeke.slug}/ocsp/${encoded}`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).to.match(/^application\/ocsp-response/);
    writeFileSync(join(dir, 'resp.der'), res.body);
    const out = await openssl(['ocsp', '-respin', 'resp.der', '-issuer', 'ca-a.pem', '-cert', 'leaf-a.pem', '-CAfile', 'root.pem', '-verify_other', 'ca-a.pem']);
    expect(out.stdout).to.contain('leaf-a.pem: good');
    const bad = await request(app.url).post(`/pki/${zonnebeke.slug}/ocsp`).set('Content-Type', 'application/ocsp-request').send(Buffer.from('not der')).buffer(true).parse(binary);
    expect(bad.status).to.equal(400);
    expect(bad.body.equals(Buffer.from('30030a0101', 'hex')), 'OCSPResponse malformedRequest').to.equal(true);
  });

  it('runs the built-in TSA at POST /pki/tsa, verified by openssl ts', async () => {
    writeFileSync(join(dir, 'data.txt'), 'raadsbesluit');
    await openssl(['ts', '-query', '-data', 'data.txt', '-sha256', '-cert', '-out', 'q.tsq']);
    const { readFileSync } = await import('node:fs');
    const res = await request(app.url).post('/pki/tsa').set('Content-Type', 'application/timestamp-query').send(readFileSync(join(dir, 'q.tsq'))).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).to.match(/^application\/timestamp-reply/);
    writeFileSync(join(dir, 'r.tsr'), res.body);
    writeFileSync(join(dir, 'tsa.pem'), toPem(pki.tsaKey.certificates[0]));
    const verified = await openssl(['ts', '-verify', '-in', 'r.tsr', '-queryfile', 'q.tsq', '-CAfile', 'root.pem', '-untrusted', 'tsa.pem']);
    expect(verified.stdout.trim()).to.equal('Verification: OK');
  });

  it('signs nothing when the TSA is down: 503 page, envelope unchanged, signing.failed in the trail, metric counted', async () => {
    await expectNothingSigned('http://127.0.0.1:9/tsa');
  });

  it('signs nothing when the TSA accepts the connection but never answers (timeout)', async () => {
    // A TSA that hangs: the connection is accepted, no byte ever comes back.
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await expectNothingSigned(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/tsa`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  async function expectNothingSigned(tsaUrl: string): Promise<void> {
    const down = await bootstrap({
      pki,
      trustAnchors: [pki.rootCertificate],
      env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'q'.repeat(40), TSA_URL: tsaUrl, TSA_TIMEOUT_MS: '1500' },
    });
    try {
      const org = await createOrganisation(down.deps.db, { slug: `malle-${randomUUID().slice(0, 8)}`, name: 'Gemeente Malle' });
      const envelopeId = await sendEnvelope(down, org);
      const page = await sign(down, org, envelopeId);
      expect(page.status).to.equal(503);
      expect(page.headers['retry-after']).to.equal('120');
      expect(page.text).to.contain('Ondertekenen lukt even niet').and.contain('Probeer het over enkele minuten opnieuw');
      // The page names the organisation, as every page of the link does.
      expect(page.text).to.contain('Gemeente Malle');

      const auth = await apiAuth(down, org);
      const envelope = (await request(down.url).get(`/api/v1/envelopes/${envelopeId}`).set(auth).expect(200)).body;
      expect(envelope.status).to.be.oneOf(['sent', 'in_progress']);
      expect(envelope.recipients[0].status).to.not.equal('signed');
      const revisions = await down.deps.db('revisions').where({ document_id: envelope.documents[0].id });
      expect(revisions.map((r: { kind: string }) => r.kind)).to.not.include('signature');
      const events = (await request(down.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(auth).expect(200)).body.events as { action: string; details: Record<string, unknown> }[];
      const failed = events.filter((e) => e.action === 'signing.failed');
      expect(failed).to.have.length(1);
      expect(failed[0].details.code).to.equal('timestamp_unavailable');
      expect(events.map((e) => e.action)).to.not.include('recipient.signed');
      const metrics = await request(down.url).get('/metrics').expect(200);
      expect(metrics.text).to.match(/^paraaf_timestamp_failures_total 1$/m);
    } finally {
      await down.close();
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  async function openssl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('openssl', args, { cwd: dir, encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** pdfsig under faketime with its own NSS database trusting only the root. */
  async function fakePdfsig(offset: string, file: string): Promise<string> {
    const nss = join(dir, 'nss');
    rmSync(nss, { recursive: true, force: true });
    await run('mkdir', ['-p', nss]);
    await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
    await run('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'root', '-t', 'CT,C,C', '-a', '-i', join(dir, 'root.pem')]);
    const { stdout } = await run('faketime', [offset, 'pdfsig', '-nssdir', `sql:${nss}`, file], { encoding: 'utf8' });
    return stdout;
  }
});

const keys = new Map<string, string>();
async function apiAuth(app: TestApp, org: Organisation): Promise<Record<string, string>> {
  let key = keys.get(org.id);
  if (!key) {
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    keys.set(org.id, key);
  }
  return { Authorization: `Bearer ${key}` };
}

async function sendEnvelope(app: TestApp, org: Organisation): Promise<string> {
  const envelope = { title: 'Besluit gemeenteraad', recipients: [{ name: 'An Peeters', email: 'an@example.be', role: 'signer', order: 1, function: 'Algemeen directeur' }], send: true };
  const res = await request(app.url).post('/api/v1/envelopes').set(await apiAuth(app, org))
    .field('envelope', JSON.stringify(envelope))
    .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id as string;
}

/** Opens the mailed link and posts the sign form, as a browser would. */
async function sign(app: TestApp, org: Organisation, envelopeId: string): Promise<request.Response> {
  const mails = (await listOutbox(app.deps.db, org.id, { kind: 'mail' })).map((row) => row.payload as MailMessage).filter((m) => m.headers?.['X-Paraaf-Envelope'] === envelopeId);
  const token = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/.exec(mails.at(-1)!.text)![1];
  const page = await request(app.url).get(`/s/${token}`).expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text.slice(page.text.indexOf('/sign"')))![1];
  // Reading before signing (issue 12): the signer downloads each document first.
  await downloadDocuments(app.url, `/s/${token}`);
  return request(app.url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrf });
}

const binary = (res: request.Response, cb: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const pemBlocks = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
