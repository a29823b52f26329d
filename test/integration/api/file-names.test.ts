/**
 * UTF-8 file names end to end (issue 10): "Besluit – één café.pdf" uploaded through the API and the
 * staff app is stored, listed, titled and shown as it was named, downloads carry it in RFC 6266
 * `filename*=UTF-8''…` with a plain-ASCII `filename`, and the evidence bundle's ZIP entry has it in
 * UTF-8 with the language-encoding flag. Before: multer read the name as Latin-1 ("Ã©Ã©n").
 * SQLite by default, PostgreSQL with TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, createUser, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from './helpers.ts';

const NAME = 'Besluit – één café.pdf';
const DISPOSITION = `attachment; filename="Besluit - een cafe.pdf"; filename*=UTF-8''Besluit%20%E2%80%93%20%C3%A9%C3%A9n%20caf%C3%A9.pdf`;
const PASSWORD = 'correct horse battery staple 42';

/** Entry names and their general-purpose flags, from the ZIP central directory (APPNOTE 4.3.12). */
function zipEntries(zip: Buffer): Array<{ name: string; utf8Flag: boolean }> {
  const entries: Array<{ name: string; utf8Flag: boolean }> = [];
  for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 46)) {
    const flags = zip.readUInt16LE(at + 8);
    const length = zip.readUInt16LE(at + 28);
    entries.push({ name: zip.subarray(at + 46, at + 46 + length).toString('utf8'), utf8Flag: (flags & 0x0800) !== 0 });
  }
  return entries;
}

const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('UTF-8 file names end to end', function () {
  this.timeout(120_000);
  let app: TestApp;
  let org: Organisation;
  let signer: Person;
  let key: string;

  before(async () => {
    app = await bootstrap({ pki: await devPki(), env: { SIGNER_SECRET: 's'.repeat(40) } });
    org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    signer = (await upsertPerson(app.deps.db, org.id, { name: 'An Peeters', email: 'an@zonnebeke.be', function: 'Algemeen directeur' })).person;
    await createUser(app.deps.db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'staff', name: 'Sara Secretariaat', password: PASSWORD });
  });
  after(async () => {
    await app?.close();
  });

  it('API: stores and answers the name as sent, downloads with filename* and an ASCII fallback, and names the bundle entry in UTF-8', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const envelope = { title: 'Besluit café', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }] };
    const created = await request(app.url)
      .post('/api/v1/envelopes')
      .set(auth)
      .field('envelope', JSON.stringify(envelope))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: NAME, contentType: 'application/pdf' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.documents[0].name).to.equal(NAME);
    const id = created.body.id as string;
    const documentId = created.body.documents[0].id as string;
    const row = await app.deps.db('documents').where({ id: documentId }).first();
    expect(row.name).to.equal(NAME);
    expect((await request(app.url).get(`/api/v1/envelopes/${id}`).set(auth).expect(200)).body.documents[0].name).to.equal(NAME);

    const download = await request(app.url).get(`/api/v1/envelopes/${id}/documents/${documentId}`).set(auth).expect(200);
    expect(download.headers['content-disposition']).to.equal(DISPOSITION);
    expect(download.headers['content-type']).to.match(/^application\/pdf/);
    const original = await request(app.url).get(`/api/v1/envelopes/${id}/documents/${documentId}/original`).set(auth).expect(200);
    expect(original.headers['content-disposition']).to.equal(
      `attachment; filename="Besluit - een cafe (original).pdf"; filename*=UTF-8''Besluit%20%E2%80%93%20%C3%A9%C3%A9n%20caf%C3%A9%20%28original%29.pdf`,
    );

    await request(app.url).post(`/api/v1/envelopes/${id}/cancel`).set(auth).send({ reason: 'Verkeerde versie' }).expect(200);
    const bundle = await request(app.url).get(`/api/v1/envelopes/${id}/bundle`).set(auth).buffer(true).parse(binary).expect(200);
    const entry = zipEntries(bundle.body as Buffer).find((e) => e.name.startsWith('documents/'));
    expect(entry).to.deep.equal({ name: `documents/${NAME}`, utf8Flag: true });
  });

  it('API: a name sent as RFC 5987 filename* and a decomposed (macOS) name are stored as the same NFC name', async () => {
    const boundary = 'paraaf-boundary';
    const envelope = JSON.stringify({ title: 'NFD', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }] });
    const part = (disposition: string, type: string, body: Buffer | string) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\nContent-Type: ${type}\r\n\r\n`), Buffer.from(body), Buffer.from('\r\n')]);
    for (const disposition of [`name="documents"; filename*=UTF-8''${encodeURIComponent(NAME)}`, `name="documents"; filename="${NAME.normalize('NFD')}"`]) {
      const body = Buffer.concat([part('name="envelope"', 'application/json', envelope), part(disposition, 'application/pdf', fixture('reportlab-decision.pdf')), Buffer.from(`--${boundary}--\r\n`)]);
      const res = await request(app.url).post('/api/v1/envelopes').set({ Authorization: `Bearer ${key}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` }).send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.documents[0].name, disposition).to.equal(NAME);
    }
  });

  it('staff app: the upload titles the envelope, the page shows the name, and the download carries it', async () => {
    const agent = request.agent(app.url);
    const login = await agent.get('/app/login').expect(200);
    await agent
      .post('/app/login')
      .type('form')
      .send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!, email: 'secretariaat@zonnebeke.be', password: PASSWORD })
      .expect(303);
    const page = await agent.get('/app/send').expect(200);
    const csrf = /<form id="send-form"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const deadline = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const sent = await agent
      .post('/app/send')
      .set('Accept', 'application/json')
      .field('_csrf', csrf)
      .field('mode', 'perDocument')
      .field('route', '')
      .field('deadline', deadline)
      .field('person-0', signer.id)
      .field('role-0', 'signer')
      .field('order-0', '1')
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: NAME, contentType: 'application/pdf' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const envelope = await app.deps.db('envelopes').where({ organisation_id: org.id, title: 'Besluit – één café' }).first();
    expect(envelope, 'titled after the file name').to.exist;
    const document = await app.deps.db('documents').where({ envelope_id: envelope.id }).first();
    expect(document.name).to.equal(NAME);

    const detail = await agent.get(`/app/envelopes/${envelope.id}`).expect(200);
    expect(detail.text).to.include('Besluit – één café').and.not.include('Ã');
    const download = await agent.get(`/app/envelopes/${envelope.id}/documents/${document.id}`).expect(200);
    expect(download.headers['content-disposition']).to.equal(DISPOSITION);
  });
});
