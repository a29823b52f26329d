import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { verifyWebhookSignature } from '../../../src/notify/index.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code });
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1:0 answering the given statuses in turn (the last one repeats). */
async function startReceiver(statuses: number[]) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)];
      res.end(res.statusCode === 200 ? 'ok' : 'receiver is down');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('/api/v1/webhooks', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  let otherKey: string;
  const auth = (k = key) => ({ Authorization: `Bearer ${k}` });

  const createEnvelopeAndSend = () =>
    request(app.url)
      .post('/api/v1/envelopes')
      .set(auth())
      .field('envelope', JSON.stringify({ title: 'Besluit', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer' }], send: true }))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });

  before(async () => {
    const pki = await devPki();
    app = await bootstrap({ pki, env: { BASE_URL: 'https://paraaf.test' } });
    const org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    const other = await createOrganisation(app.deps.db, { slug: `andere-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    otherKey = (await createApiKey(app.deps.db, other.id, { name: 'elders' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  it('needs an API key', async () => {
    expectProblem(await request(app.url).get('/api/v1/webhooks'), 401, 'unauthorized');
  });

  it('creates, lists, gets and deletes a webhook; the secret is shown once', async () => {
    const created = await request(app.url)
      .post('/api/v1/webhooks')
      .set(auth())
      .send({ url: 'https://zaak.example.org/paraaf', events: ['envelope.completed', 'envelope.sent', 'envelope.sent'], description: 'Zaaksysteem' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ url: 'https://zaak.example.org/paraaf', description: 'Zaaksysteem' });
    expect(created.body.events).to.deep.equal(['envelope.completed', 'envelope.sent']);
    expect(created.body.secret).to.match(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.body.createdAt).to.match(/^\d{4}-\d\d-\d\dT/);
    const id = created.body.id as string;

    const got = await request(app.url).get(`/api/v1/webhooks/${id}`).set(auth());
    expect(got.status).to.equal(200);
    expect(got.body).to.deep.equal({ id, url: 'https://zaak.example.org/paraaf', events: ['envelope.completed', 'envelope.sent'], description: 'Zaaksysteem', createdAt: created.body.createdAt });
    const list = await request(app.url).get('/api/v1/webhooks').set(auth());
    expect(list.status).to.equal(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).to.include(id);
    expect(JSON.stringify(list.body)).to.not.include('whsec_');

    const stored = await app.deps.db('webhooks').where({ id }).first('secret');
    expect(stored.secret).to.equal(created.body.secret);

    expect((await request(app.url).delete(`/api/v1/webhooks/${id}`).set(auth())).status).to.equal(204);
    expectProblem(await request(app.url).get(`/api/v1/webhooks/${id}`).set(auth()), 404, 'webhook_not_found');
    expectProblem(await request(app.url).delete(`/api/v1/webhooks/${id}`).set(auth()), 404, 'webhook_not_found');
    const after = await request(app.url).get('/api/v1/webhooks').set(auth());
    expect(after.body.items.map((w: { id: string }) => w.id)).to.not.include(id);
  });

  it("answers 404 webhook_not_found for another organisation's webhook", async () => {
    const created = await request(app.url).post('/api/v1/webhooks').set(auth()).send({ url: 'https://a.example.org/h', events: ['envelope.sent'] });
    const id = created.body.id as string;
    expectProblem(await request(app.url).get(`/api/v1/webhooks/${id}`).set(auth(otherKey)), 404, 'webhook_not_found');
    expectProblem(await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).set(auth(otherKey)), 404, 'webhook_not_found');
    expectProblem(await request(app.url).delete(`/api/v1/webhooks/${id}`).set(auth(otherKey)), 404, 'webhook_not_found');
    const others = await request(app.url).get('/api/v1/webhooks').set(auth(otherKey));
    expect(others.body.items).to.deep.equal([]);
    expect((await request(app.url).get(`/api/v1/webhooks/${id}`).set(auth())).status).to.equal(200);
    expectProblem(await request(app.url).get('/api/v1/webhooks/not-a-uuid').set(auth()), 404, 'webhook_not_found');
  });

  it('rejects invalid input with 400 naming the field', async () => {
    const post = (body: unknown) => request(app.url).post('/api/v1/webhooks').set(auth()).send(body as object);
    const cases: Array<[unknown, RegExp]> = [
      [{ url: 'http://zaak.example.org/h', events: ['envelope.sent'] }, /url: must use https/],
      [{ url: 'not a url', events: ['envelope.sent'] }, /url: must be an absolute URL/],
      [{ url: 'https://u:p@zaak.example.org/h', events: ['envelope.sent'] }, /url: must not contain credentials/],
      [{ url: 'https://zaak.example.org/h', events: [] }, /events:/],
      [{ url: 'https://zaak.example.org/h', events: ['envelope.shredded'] }, /events\[0\]:/],
      [{ url: 'https://zaak.example.org/h' }, /events:/],
      [{ events: ['envelope.sent'] }, /url:/],
      [{ url: 'https://zaak.example.org/h', events: ['envelope.sent'], colour: 'red' }, /colour/],
    ];
    for (const [body, detail] of cases) {
      const res = await post(body);
      expectProblem(res, 400, 'invalid_request');
      expect(res.body.detail).to.match(detail);
    }
    // http to this machine is allowed outside production (NODE_ENV=test here).
    expect((await post({ url: 'http://localhost:9/h', events: ['envelope.sent'] })).status).to.equal(201);
    expectProblem(await request(app.url).get('/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries').set(auth()), 404, 'webhook_not_found');
  });

  it('delivers envelope.sent signed with the secret and lists the delivery', async () => {
    const receiver = await startReceiver([200]);
    try {
      const created = await request(app.url).post('/api/v1/webhooks').set(auth()).send({ url: receiver.url, events: ['envelope.sent'] });
      expect(created.status).to.equal(201);
      const { id, secret } = created.body as { id: string; secret: string };

      const envelope = await createEnvelopeAndSend();
      expect(envelope.status, JSON.stringify(envelope.body)).to.equal(201);
      await app.handle.jobs.outbox.runOnce();

      const mine = receiver.received.filter((r) => r.headers['paraaf-event'] === 'envelope.sent');
      expect(mine).to.have.length(1);
      const [delivery] = mine;
      expect(verifyWebhookSignature(secret, delivery.headers['paraaf-signature'] as string, delivery.body)).to.equal(true);
      expect(verifyWebhookSignature('whsec_wrong', delivery.headers['paraaf-signature'] as string, delivery.body)).to.equal(false);
      const event = JSON.parse(delivery.body);
      expect(event).to.include({ type: 'envelope.sent' });
      expect(event.data.envelope).to.include({ id: envelope.body.id, status: 'sent' });

      const deliveries = await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).set(auth());
      expect(deliveries.status).to.equal(200);
      expect(deliveries.body.nextCursor).to.equal(null);
      expect(deliveries.body.items).to.have.length(1);
      expect(deliveries.body.items[0]).to.include({ id: delivery.headers['paraaf-delivery'], event: 'envelope.sent', status: 'sent', attempts: 1, lastError: null, nextAttemptAt: null, responseStatus: 200 });
      expect(deliveries.body.items[0].durationMs).to.be.a('number').within(0, 60_000);
      expect(deliveries.body.items[0].sentAt).to.be.a('string');

      // Deleted: the next event's delivery is not queued for it.
      expect((await request(app.url).delete(`/api/v1/webhooks/${id}`).set(auth())).status).to.equal(204);
      expect((await createEnvelopeAndSend()).status).to.equal(201);
      await app.handle.jobs.outbox.runOnce();
      expect(receiver.received.filter((r) => r.headers['paraaf-event'] === 'envelope.sent')).to.have.length(1);
    } finally {
      await receiver.close();
    }
  });

  it('shows a failed attempt and its retry in the deliveries, newest first, paginated', async () => {
    const receiver = await startReceiver([500, 200]);
    try {
      const created = await request(app.url).post('/api/v1/webhooks').set(auth()).send({ url: receiver.url, events: ['envelope.sent'] });
      const id = created.body.id as string;
      expect((await createEnvelopeAndSend()).status).to.equal(201);

      await app.handle.jobs.outbox.runOnce();
      let page = await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).set(auth());
      expect(page.body.items).to.have.length(1);
      const failed = page.body.items[0];
      expect(failed).to.include({ status: 'pending', attempts: 1, sentAt: null });
      // The status and timing, never the body (issue 10: an internal server's reply came back here).
      expect(failed).to.include({ lastError: 'HTTP 500', responseStatus: 500 });
      expect(failed.durationMs).to.be.a('number').within(0, 60_000);
      expect(JSON.stringify(page.body)).to.not.include('receiver is down');
      const [stored] = await app.deps.db('outbox').where({ id: failed.id });
      expect(JSON.stringify(stored)).to.not.include('receiver is down');
      expect(Date.parse(failed.nextAttemptAt)).to.be.greaterThan(Date.now());

      // The backoff has passed.
      await app.deps.db('outbox').where({ id: failed.id }).update({ next_attempt_at: new Date(Date.now() - 1000).toISOString() });
      await app.handle.jobs.outbox.runOnce();
      page = await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).set(auth());
      expect(page.body.items[0]).to.include({ id: failed.id, status: 'sent', attempts: 2, lastError: null, nextAttemptAt: null, responseStatus: 200 });
      expect(receiver.received).to.have.length(2);
      expect(receiver.received[0].headers['paraaf-delivery']).to.equal(receiver.received[1].headers['paraaf-delivery']);

      // A second event, then one item per page.
      expect((await createEnvelopeAndSend()).status).to.equal(201);
      const first = await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).query({ limit: '1' }).set(auth());
      expect(first.body.items).to.have.length(1);
      expect(first.body.items[0]).to.include({ status: 'pending', attempts: 0 });
      expect(first.body.nextCursor).to.be.a('string');
      const second = await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).query({ limit: '1', cursor: first.body.nextCursor }).set(auth());
      expect(second.body.items.map((d: { id: string }) => d.id)).to.deep.equal([failed.id]);
      expect(second.body.nextCursor).to.equal(null);
      expectProblem(await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).query({ limit: '500' }).set(auth()), 400, 'invalid_request');
      expectProblem(await request(app.url).get(`/api/v1/webhooks/${id}/deliveries`).query({ cursor: 'nope' }).set(auth()), 400, 'invalid_request');
    } finally {
      await receiver.close();
    }
  });
});

describe('/api/v1/webhooks never reach inside (issue 10)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  const auth = () => ({ Authorization: `Bearer ${key}` });
  // Host names that resolve to internal addresses, without real DNS.
  const NAMES: Record<string, string> = {
    'intranet.hooks.test': '10.0.0.1',
    'metadata.hooks.test': '169.254.169.254',
    'loopback.hooks.test': '::1',
  };

  before(async () => {
    const pki = await devPki();
    app = await bootstrap({
      pki,
      // No test seam here: every internal address is refused, 127.0.0.1 included.
      env: { BASE_URL: 'https://paraaf.test', WEBHOOK_ALLOW_PRIVATE: '' },
      webhookResolver: async (hostname) => {
        const address = NAMES[hostname];
        if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return [{ address, family: address.includes(':') ? 6 : 4 }];
      },
    });
    const org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  it('answers 422 webhook_address_refused for a URL naming an internal address, and stores nothing', async () => {
    const urls = [
      'https://10.0.0.1/hooks',
      'https://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:5432/',
      'https://[::1]/hooks',
      'https://[::ffff:10.0.0.1]/hooks',
      'https://[fd00::1]/hooks',
      'https://100.64.0.1/hooks',
      'https://0.0.0.0/hooks',
    ];
    for (const url of urls) {
      const res = await request(app.url).post('/api/v1/webhooks').set(auth()).send({ url, events: ['envelope.sent'] });
      expectProblem(res, 422, 'webhook_address_refused');
      expect(res.body.detail ?? res.body.title, url).to.match(/webhooks are delivered to public addresses only/);
    }
    expect((await request(app.url).get('/api/v1/webhooks').set(auth())).body.items).to.deep.equal([]);
  });

  it('refuses at delivery a host name resolving to an internal address: dead at once, with the reason, no status', async () => {
    const ids: Record<string, string> = {};
    for (const hostname of Object.keys(NAMES)) {
      const created = await request(app.url).post('/api/v1/webhooks').set(auth()).send({ url: `https://${hostname}/hooks`, events: ['envelope.sent'] });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      ids[hostname] = created.body.id as string;
    }
    const envelope = await request(app.url)
      .post('/api/v1/envelopes')
      .set(auth())
      .field('envelope', JSON.stringify({ title: 'Besluit', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer' }], send: true }))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(envelope.status, JSON.stringify(envelope.body)).to.equal(201);
    await app.handle.jobs.outbox.runOnce();

    for (const [hostname, address] of Object.entries(NAMES)) {
      const page = await request(app.url).get(`/api/v1/webhooks/${ids[hostname]}/deliveries`).set(auth());
      expect(page.status).to.equal(200);
      expect(page.body.items, hostname).to.have.length(1);
      const [delivery] = page.body.items;
      // Permanent: no retry storm against an address that will not become public.
      expect(delivery, hostname).to.include({ status: 'dead', attempts: 1, nextAttemptAt: null, responseStatus: null, durationMs: null });
      expect(delivery.lastError, hostname).to.match(new RegExp(`^refused: ${address.replace(/[.:]/g, '\\$&')} is a [a-z-]+ address \\(${hostname.replace(/\./g, '\\.')} resolves to it\\)`));
    }
    expect(await app.handle.jobs.outbox.runOnce(), 'nothing is retried').to.deep.equal({ delivered: 0, failed: 0 });
  });
});
