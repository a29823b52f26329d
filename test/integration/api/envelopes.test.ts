import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, revokeApiKey } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from './helpers.ts';

const PDF = 'reportlab-decision.pdf';

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code });
}

const twoSigners = (extra: Record<string, unknown> = {}) => ({
  title: 'Besluit gemeenteraad',
  message: 'Graag tekenen',
  recipients: [
    { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
    { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2, function: 'Burgemeester' },
  ],
  ...extra,
});

describe('/api/v1/envelopes', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  let keyId: string;
  let otherKey: string;

  const auth = (k = key) => ({ Authorization: `Bearer ${k}` });
  const create = (envelope: unknown, options: { file?: Buffer; name?: string; idempotencyKey?: string; raw?: string } = {}) => {
    const req = request(app.url).post('/api/v1/envelopes').set(auth());
    if (options.idempotencyKey) req.set('Idempotency-Key', options.idempotencyKey);
    return req.field('envelope', options.raw ?? JSON.stringify(envelope)).attach('documents', options.file ?? fixture(PDF), { filename: options.name ?? 'besluit.pdf', contentType: 'application/pdf' });
  };

  before(async () => {
    const pki = await devPki();
    app = await bootstrap({ pki, env: { BASE_URL: 'https://paraaf.test' } });
    const org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    const other = await createOrganisation(app.deps.db, { slug: `andere-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    const created = await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' });
    key = created.plaintext;
    keyId = created.apiKey.id;
    otherKey = (await createApiKey(app.deps.db, other.id, { name: 'elders' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  describe('authentication', () => {
    it('answers 401 with WWW-Authenticate without a key', async () => {
      const res = await request(app.url).get('/api/v1/envelopes');
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).to.match(/^Bearer/);
    });
    it('answers 401 for a wrong key and a revoked key', async () => {
      expectProblem(await request(app.url).get('/api/v1/envelopes').set(auth(`pk_${'A'.repeat(43)}`)), 401, 'unauthorized');
      expectProblem(await request(app.url).get('/api/v1/envelopes').set({ Authorization: 'Basic Zm9vOmJhcg==' }), 401, 'unauthorized');
      const org = await createOrganisation(app.deps.db, { slug: `weg-${randomUUID().slice(0, 8)}`, name: 'Weg' });
      const created = await createApiKey(app.deps.db, org.id, { name: 'weg' });
      expect((await request(app.url).get('/api/v1/envelopes').set(auth(created.plaintext))).status).to.equal(200);
      await revokeApiKey(app.deps.db, org.id, created.apiKey.id);
      const res = await request(app.url).get('/api/v1/envelopes').set(auth(created.plaintext));
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).to.include('invalid_token');
    });
    it('leaves POST /verify public', async () => {
      const res = await request(app.url).post('/api/v1/verify').field('note', 'x');
      expectProblem(res, 400, 'file_missing');
    });
  });

  it('keeps the caller\'s order of recipients within one routing order', async () => {
    const recipients = [
      { name: 'Zeno Vermeersch', email: 'zeno@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
      { name: 'Anna Claeys', email: 'anna@zonnebeke.be', role: 'signer', order: 1, function: 'Voorzitter' },
    ];
    const res = await create({ title: 'Volgorde', recipients, send: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.recipients.map((r: { name: string }) => r.name)).to.deep.equal(['Zeno Vermeersch', 'Anna Claeys']);
    // On the signature page the blocks stand side by side: the first (left) one is the first recipient's.
    const [zeno, anna] = res.body.recipients.map((r: { fields: { x: number; y: number }[] }) => r.fields[0]);
    expect(zeno.y).to.equal(anna.y);
    expect(zeno.x).to.be.lessThan(anna.x);
  });

  describe('a two-signer envelope', () => {
    let envelopeId: string;
    let documentId: string;

    it('creates and sends it in one request', async () => {
      const res = await create(twoSigners({ send: true }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ title: 'Besluit gemeenteraad', status: 'sent' });
      expect(res.body.recipients.map((r: { email: string; routingOrder: number }) => [r.email, r.routingOrder])).to.deep.equal([
        ['an@zonnebeke.be', 1],
        ['bart@zonnebeke.be', 2],
      ]);
      expect(res.body.documents).to.have.length(1);
      expect(res.body.documents[0]).to.include({ name: 'besluit.pdf' });
      expect(res.body.documents[0].currentRevision.kind).to.equal('prepared');
      envelopeId = res.body.id;
      documentId = res.body.documents[0].id;
      expect(await fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => [])).to.deep.equal([]);
    });

    it('gets and lists it', async () => {
      const got = await request(app.url).get(`/api/v1/envelopes/${envelopeId}`).set(auth());
      expect(got.status).to.equal(200);
      expect(got.body).to.include({ id: envelopeId, status: 'sent' });
      const list = await request(app.url).get('/api/v1/envelopes').query({ status: 'sent', limit: '10' }).set(auth());
      expect(list.status).to.equal(200);
      expect(list.body.items.map((e: { id: string }) => e.id)).to.include(envelopeId);
      const drafts = await request(app.url).get('/api/v1/envelopes').query({ status: 'draft' }).set(auth());
      expect(drafts.body.items.map((e: { id: string }) => e.id)).to.not.include(envelopeId);
      expectProblem(await request(app.url).get('/api/v1/envelopes').query({ limit: 'lots' }).set(auth()), 400, 'invalid_request');
    });

    it('downloads the current and the original PDF', async () => {
      const current = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}`).set(auth()).buffer(true).parse(binaryParser);
      expect(current.status).to.equal(200);
      expect(current.headers['content-type']).to.match(/^application\/pdf/);
      expect(current.headers['content-disposition']).to.match(/^attachment; filename="?besluit\.pdf"?/);
      expect((current.body as Buffer).subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(Buffer.compare(current.body as Buffer, fixture(PDF))).to.not.equal(0);
      const original = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}/original`).set(auth()).buffer(true).parse(binaryParser);
      expect(original.status).to.equal(200);
      expect(Buffer.compare(original.body as Buffer, fixture(PDF))).to.equal(0);
      expectProblem(await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${randomUUID()}`).set(auth()), 404, 'document_not_found');
    });

    it('records each API download as document.downloaded with the API key as actor', async () => {
      const downloads = async () =>
        ((await request(app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(auth()).expect(200)).body.events as { action: string; actor: { kind: string; id: string }; details: { documentId: string; variant: string } }[]).filter(
          (e) => e.action === 'document.downloaded',
        );
      const before = (await downloads()).length;
      await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}`).set(auth()).expect(200);
      await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}/original`).set(auth()).expect(200);
      const after = (await downloads()).slice(before);
      expect(after.map((e) => [e.actor.kind, e.actor.id, e.details.documentId, e.details.variant])).to.deep.equal([
        ['api_key', keyId, documentId, 'current'],
        ['api_key', keyId, documentId, 'original'],
      ]);
      // A refused download (unknown document, another organisation) records nothing.
      await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${randomUUID()}`).set(auth()).expect(404);
      await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}`).set(auth(otherKey)).expect(404);
      expect(await downloads()).to.have.length(before + 2);
    });

    it('lists created and sent in the audit JSON', async () => {
      const res = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(auth());
      expect(res.status).to.equal(200);
      const actions = res.body.events.map((e: { action: string }) => e.action);
      expect(actions).to.include.members(['envelope.created', 'envelope.sent']);
      expect(actions.indexOf('envelope.created')).to.be.lessThan(actions.indexOf('envelope.sent'));
    });

    it('reminds it', async () => {
      const res = await request(app.url).post(`/api/v1/envelopes/${envelopeId}/remind`).set(auth());
      expect(res.status).to.equal(200);
      expect(res.body.reminded).to.have.length(1);
    });

    it('hides it from another organisation (404 on everything)', async () => {
      const paths = [`/api/v1/envelopes/${envelopeId}`, `/api/v1/envelopes/${envelopeId}/documents/${documentId}`, `/api/v1/envelopes/${envelopeId}/documents/${documentId}/original`, `/api/v1/envelopes/${envelopeId}/audit`];
      for (const p of paths) expectProblem(await request(app.url).get(p).set(auth(otherKey)), 404, 'envelope_not_found');
      expectProblem(await request(app.url).post(`/api/v1/envelopes/${envelopeId}/cancel`).set(auth(otherKey)).send({ reason: 'nope' }), 404, 'envelope_not_found');
      const list = await request(app.url).get('/api/v1/envelopes').set(auth(otherKey));
      expect(list.body.items).to.deep.equal([]);
    });

    it('answers 404 for unknown and malformed ids', async () => {
      expectProblem(await request(app.url).get(`/api/v1/envelopes/${randomUUID()}`).set(auth()), 404, 'envelope_not_found');
      expectProblem(await request(app.url).get('/api/v1/envelopes/not-a-uuid').set(auth()), 404, 'envelope_not_found');
      expectProblem(await request(app.url).post('/api/v1/envelopes/not-a-uuid/send').set(auth()), 404, 'envelope_not_found');
    });
  });

  describe('cancel', () => {
    it('requires a reason, then refuses to send a cancelled envelope (409)', async () => {
      const created = await create(twoSigners());
      expect(created.status).to.equal(201);
      expect(created.body.status).to.equal('draft');
      const id = created.body.id as string;
      expectProblem(await request(app.url).post(`/api/v1/envelopes/${id}/cancel`).set(auth()).send({}), 400, 'invalid_request');
      const cancelled = await request(app.url).post(`/api/v1/envelopes/${id}/cancel`).set(auth()).send({ reason: 'Verkeerde versie' });
      expect(cancelled.status).to.equal(200);
      expect(cancelled.body).to.include({ status: 'cancelled', cancelReason: 'Verkeerde versie' });
      expectProblem(await request(app.url).post(`/api/v1/envelopes/${id}/send`).set(auth()), 409, 'illegal_transition');
    });
  });

  describe('idempotency', () => {
    it('replays a retried POST and creates one envelope only', async () => {
      const title = `Idempotent ${randomUUID()}`;
      const first = await create(twoSigners({ title }), { idempotencyKey: 'create-1' });
      expect(first.status).to.equal(201);
      const second = await create(twoSigners({ title }), { idempotencyKey: 'create-1' });
      expect(second.status).to.equal(201);
      expect(second.headers['idempotent-replayed']).to.equal('true');
      expect(second.body).to.deep.equal(first.body);
      const count = await app.deps.db('envelopes').where({ title }).count({ n: '*' });
      expect(Number(count[0].n)).to.equal(1);
    });

    it('refuses the same key with a different body (422)', async () => {
      expect((await create(twoSigners({ title: 'A' }), { idempotencyKey: 'create-2' })).status).to.equal(201);
      expectProblem(await create(twoSigners({ title: 'B' }), { idempotencyKey: 'create-2' }), 422, 'idempotency_key_reused');
    });

    it('keeps keys per organisation and frees a key whose request failed', async () => {
      expectProblem(await create(twoSigners(), { idempotencyKey: 'create-3', file: Buffer.from('not a pdf') }), 422, 'pdf_invalid');
      expect((await create(twoSigners(), { idempotencyKey: 'create-3' })).status).to.equal(201);
    });
  });

  describe('validation', () => {
    it('answers 400 for malformed JSON in "envelope"', async () => {
      const res = await create(null, { raw: '{"title": ' });
      expectProblem(res, 400, 'invalid_request');
      expect(res.body.detail).to.match(/envelope/);
    });
    it('names the offending field', async () => {
      const res = await create({ title: 'x', recipients: [{ name: 'An', role: 'signer', order: 1 }] });
      expectProblem(res, 400, 'invalid_request');
      expect(res.body.detail).to.include('envelope.recipients[0].email');
      const noRecipients = await create({ title: 'x', recipients: [] });
      expect(noRecipients.body.detail).to.include('envelope.recipients');
      const badField = await create(twoSigners({ fields: [{ document: 3, recipient: 0, page: 1, x: 1, y: 1, width: 10, height: 10 }] }));
      expectProblem(badField, 400, 'invalid_request');
      expect(badField.body.detail).to.include('envelope.fields[0].document');
    });
    it('answers 400 without documents or without "envelope"', async () => {
      expectProblem(await request(app.url).post('/api/v1/envelopes').set(auth()).field('envelope', JSON.stringify(twoSigners())), 400, 'invalid_request');
      expectProblem(await request(app.url).post('/api/v1/envelopes').set(auth()).attach('documents', fixture(PDF), 'a.pdf'), 400, 'invalid_request');
    });
    it('answers 422 pdf_invalid for a document that is not a PDF', async () => {
      expectProblem(await create(twoSigners(), { file: Buffer.from('hello, not a pdf') }), 422, 'pdf_invalid');
      expect(await fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => [])).to.deep.equal([]);
    });
    it('places fields given per recipient', async () => {
      const res = await create(twoSigners({ fields: [{ document: 0, recipient: 1, page: 1, x: 50, y: 50, width: 200, height: 60 }] }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.recipients[1].fields).to.have.length(1);
      expect(res.body.recipients[0].fields).to.have.length(0);
    });
  });
});

describe('/api/v1/envelopes upload limit', function () {
  this.timeout(60_000);
  let app: TestApp;
  let key: string;
  before(async () => {
    app = await bootstrap({ env: { MAX_UPLOAD_MB: '0.001' } });
    const org = await createOrganisation(app.deps.db, { slug: `klein-${randomUUID().slice(0, 8)}`, name: 'Klein' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'k' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });
  it('answers 413 and leaves no temporary files', async () => {
    const res = await request(app.url)
      .post('/api/v1/envelopes')
      .set({ Authorization: `Bearer ${key}` })
      .field('envelope', JSON.stringify(twoSigners()))
      .attach('documents', fixture(PDF), 'big.pdf');
    expectProblem(res, 413, 'payload_too_large');
    expect(await fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => [])).to.deep.equal([]);
  });
});

/** Collects a binary body (supertest buffers only text by default). */
function binaryParser(res: request.Response, done: (error: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
