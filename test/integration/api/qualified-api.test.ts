/**
 * Qualified signatures over HTTP (issue 13), on a real server with TRUST_LIST_FILES: the API takes the
 * signature level per envelope and per signer and shows it; a qualified signer's one-shot post is refused
 * (409, nothing signed); the eID flow through the signer pages' JSON endpoints (certificate, then the card's
 * signature values) signs, and the PDF passes pdfsig, qpdf and openssl cms with our root and the eID root.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { expectAllValid } from '../engine/check.ts';
import { openEidBench, type EidBench } from '../workflow/qualified-bench.ts';
import { devPki, fixture } from './helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const BASE_URL = 'https://paraaf.test';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/;

describe('API and signer pages: qualified signatures (issue 13)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let eid: EidBench;
  let key: string;
  let organisation: Organisation;
  let rootPem: string;
  const api = () => ({ Authorization: `Bearer ${key}` });

  before(async () => {
    const pki = await devPki();
    rootPem = pki.rootCertificate.toString();
    eid = await openEidBench();
    const list = join(tmpdir(), `paraaf-tl-${randomUUID()}.xml`);
    writeFileSync(list, eid.trustListXml);
    app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'q'.repeat(40), TRUST_LIST_FILES: list } });
    organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  });
  after(async () => {
    await app?.close();
    await eid?.close();
  });

  const create = (envelope: Record<string, unknown>) =>
    request(app.url).post('/api/v1/envelopes').set(api()).field('envelope', JSON.stringify(envelope)).attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
  const linkFor = async (email: string, envelopeId: string): Promise<string> => {
    const mails = (await listOutbox(app.deps.db, organisation.id, { kind: 'mail' })).map((row) => row.payload as MailMessage);
    const tokens = mails.filter((m) => m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId).map((m) => LINK.exec(m.text)?.[1]).filter((t): t is string => !!t);
    expect(tokens, `a link mailed to ${email}`).to.not.be.empty;
    return tokens.at(-1)!;
  };

  it('takes signatureLevel per envelope and per signer, shows it, and refuses it for an approver', async () => {
    const res = await create({
      title: 'Besluit 2026/090',
      signatureLevel: 'qualified',
      recipients: [
        { name: 'Jan Peeters', email: 'jan@zonnebeke.be', role: 'signer', order: 1 },
        { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2, signatureLevel: 'advanced' },
        { name: 'Secretariaat', email: 'secretariaat@zonnebeke.be', role: 'approver', order: 3 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.recipients.map((r: { signatureLevel: string }) => r.signatureLevel)).to.deep.equal(['qualified', 'advanced', 'advanced']);
    const again = await request(app.url).get(`/api/v1/envelopes/${res.body.id}`).set(api()).expect(200);
    expect(again.body.recipients[0].signatureLevel).to.equal('qualified');

    const approver = await create({ title: 'x', recipients: [{ name: 'A', email: 'a@zonnebeke.be', role: 'approver', signatureLevel: 'qualified' }, { name: 'B', email: 'b@zonnebeke.be', role: 'signer' }] });
    expect([approver.status, approver.body.code]).to.deep.equal([400, 'invalid_request']);
    expect(approver.body.detail).to.include('only a signer has a signature level');
    const unknown = await create({ title: 'x', signatureLevel: 'simple', recipients: [{ name: 'B', email: 'b@zonnebeke.be', role: 'signer' }] });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.detail).to.include('signatureLevel');
  });

  it('refuses one-shot signing of a qualified step (409), then signs with the eID card through the JSON endpoints', async () => {
    const created = await create({
      title: 'Gemeenteraad — besluit 2026/091',
      send: true,
      recipients: [
        { name: 'Jan Peeters', email: 'jan.peeters@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur', signatureLevel: 'qualified' },
        { name: 'Bart Claes', email: 'bart.claes@zonnebeke.be', role: 'signer', order: 2, function: 'Voorzitter' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const envelopeId = created.body.id as string;
    const token = await linkFor('jan.peeters@zonnebeke.be', envelopeId);

    const page = await request(app.url).get(`/s/${token}`).expect(200);
    const csrf = /data-csrf="([^"]+)"/.exec(page.text)?.[1];
    expect(csrf, 'the qualified page carries its CSRF token for the script').to.be.a('string');
    const oneShot = await request(app.url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrf });
    expect(oneShot.status, oneShot.text.slice(0, 300)).to.equal(409);
    expect((await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set(api()).expect(200)).body.recipients[0].status).to.not.equal('signed');

    // Reading before signing (issue 12): the card is refused before anything is prepared until the documents are read.
    const certificate = { certificate: eid.card.signatureCertDer.toString('base64'), supportedSignatureAlgorithms: [{ cryptoAlgorithm: 'ECC', hashFunction: 'SHA-384', paddingScheme: 'NONE' }] };
    const unread = await request(app.url).post(`/s/${token}/qualified/web-eid/certificate`).set('X-CSRF-Token', csrf!).send(certificate);
    expect(unread.status, JSON.stringify(unread.body)).to.equal(409);
    expect(JSON.stringify(unread.body)).to.include('document_not_read');
    await downloadDocuments(app.url, `/s/${token}`);
    const presented = await request(app.url)
      .post(`/s/${token}/qualified/web-eid/certificate`)
      .set('X-CSRF-Token', csrf!)
      .send({ certificate: eid.card.signatureCertDer.toString('base64'), supportedSignatureAlgorithms: [{ cryptoAlgorithm: 'ECC', hashFunction: 'SHA-384', paddingScheme: 'NONE' }] });
    expect(presented.status, JSON.stringify(presented.body)).to.equal(200);
    expect(presented.body.signerName).to.equal('Jan Peeters');
    expect(presented.body.hashFunction).to.equal('SHA-384');
    const signatures = await Promise.all(
      (presented.body.documents as Array<{ hash: string }>).map(async (d) => (await eid.card.signHash(Buffer.from(d.hash, 'base64'), 'sha384')).toString('base64')),
    );
    const done = await request(app.url).post(`/s/${token}/qualified/web-eid/signatures`).set('X-CSRF-Token', csrf!).send({ sessionId: presented.body.sessionId, signatures });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(done.body.redirect).to.equal(`/s/${token}/done`);

    const chairToken = await linkFor('bart.claes@zonnebeke.be', envelopeId);
    const chairPage = await request(app.url).get(`/s/${chairToken}`).expect(200);
    const chairCsrf = /name="_csrf" value="([^"]+)"/.exec(chairPage.text.slice(chairPage.text.indexOf('/sign"')))![1]!;
    await downloadDocuments(app.url, `/s/${chairToken}`);
    expect((await request(app.url).post(`/s/${chairToken}/sign`).type('form').send({ consent: 'ja', _csrf: chairCsrf })).status).to.equal(303);

    const envelope = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set(api()).expect(200)).body;
    expect(envelope.status).to.equal('completed');
    const pdf = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${envelope.documents[0].id}`).set(api()).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200)).body as Buffer;
    await expectAllValid(pdf, [rootPem, eid.card.rootPem], { count: 2, label: 'qualified over HTTP' });

    const verified = await request(app.url).post('/api/v1/verify').set(api()).attach('file', pdf, { filename: 'besluit.pdf', contentType: 'application/pdf' }).expect(200);
    const kinds = (verified.body.signatures as Array<{ subFilter: string; certificate: { kind: string } }>).filter((s) => s.subFilter !== 'ETSI.RFC3161').map((s) => s.certificate.kind);
    expect(kinds).to.deep.equal(['qualified', 'non_qualified']);
    const audit = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(api()).expect(200)).body.events as Array<{ action: string }>;
    expect(audit.map((e) => e.action)).to.include.members(['signing.certificate_presented', 'signing.prepared']);
  });
});
