/**
 * E2E: what an integrating system relies on — a retried create is replayed, not duplicated
 * (one envelope, one set of mails); another organisation sees nothing; webhooks arrive signed
 * and are retried after a failure.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { verifyWebhookSignature } from '../../../src/notify/index.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { EXPIRES_AT, expectDutchMail, startE2E, type E2E } from './harness.ts';

const AN = { name: 'An Peeters', email: 'an@zonnebeke.test' };
const BART = { name: 'Bart Claes', email: 'bart@zonnebeke.test' };

interface Hook {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A receiver that fails the first attempt of every delivery (by Paraaf-Delivery) with 500, then accepts. */
async function startFlakyReceiver() {
  const received: Hook[] = [];
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const delivery = String(req.headers['paraaf-delivery']);
      const status = seen.has(delivery) ? 200 : 500;
      seen.add(delivery);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'tijdelijk niet beschikbaar');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/paraaf-events`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('e2e: API contract', function () {
  this.timeout(60_000);
  let e2e: E2E;
  let otherKey: string;

  before(async () => {
    e2e = await startE2E();
    const other = await createOrganisation(e2e.app.deps.db, { slug: `elders-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    otherKey = (await createApiKey(e2e.app.deps.db, other.id, { name: 'elders' })).plaintext;
  });
  after(async () => {
    await e2e?.close();
  });

  it('a retried create with the same Idempotency-Key is replayed: one envelope, one set of mails', async () => {
    const title = `Besluit idempotent ${randomUUID().slice(0, 8)}`;
    const body = {
      title,
      expiresAt: EXPIRES_AT,
      recipients: [
        { ...AN, role: 'signer', order: 1, function: 'Algemeen directeur' },
        { ...BART, role: 'signer', order: 1, function: 'Voorzitter' },
      ],
      send: true,
    };
    const idempotencyKey = `zaak-${randomUUID()}`;
    const first = await e2e.createEnvelope(body, { idempotencyKey });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.headers['idempotent-replayed']).to.equal(undefined);
    // The zaaksysteem lost the answer and retries, before and after the outbox ran.
    const retry = await e2e.createEnvelope(body, { idempotencyKey });
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    expect(retry.headers['idempotent-replayed']).to.equal('true');
    expect(retry.body.id).to.equal(first.body.id);
    await e2e.deliver();
    const late = await e2e.createEnvelope(body, { idempotencyKey });
    expect(late.headers['idempotent-replayed']).to.equal('true');
    expect(late.body.id).to.equal(first.body.id);
    expect(await e2e.deliver()).to.deep.equal({ delivered: 0, failed: 0 });

    const list = await request(e2e.app.url).get('/api/v1/envelopes').query({ limit: '100' }).set(e2e.auth());
    expect(list.status).to.equal(200);
    expect(list.body.items.filter((e: { title: string }) => e.title === title).map((e: { id: string }) => e.id)).to.deep.equal([first.body.id]);
    const mails = await e2e.mails({ envelopeId: first.body.id });
    expect(mails.map((m) => m.to).sort()).to.deep.equal([AN.email, BART.email]);
    expect((await e2e.mails()).filter((m) => m.subject.includes(title)), 'no mails for a second envelope').to.have.length(2);
    for (const mail of mails) expectDutchMail(mail, 'signRequest', { title });
  });

  it("hides an organisation's envelope, documents, audit and webhooks from another organisation (404)", async () => {
    const created = await e2e.createEnvelope({ title: 'Vertrouwelijk personeelsbesluit', expiresAt: EXPIRES_AT, recipients: [{ ...AN, role: 'signer' }], send: true });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    const documentId = created.body.documents[0].id as string;
    const webhook = await request(e2e.app.url).post('/api/v1/webhooks').set(e2e.auth()).send({ url: 'https://zaak.zonnebeke.test/hooks', events: ['envelope.completed'] });
    expect(webhook.status).to.equal(201);
    const webhookId = webhook.body.id as string;

    const asOther = { Authorization: `Bearer ${otherKey}` };
    const gets: Array<[string, string]> = [
      [`/api/v1/envelopes/${id}`, 'envelope_not_found'],
      [`/api/v1/envelopes/${id}/documents/${documentId}`, 'envelope_not_found'],
      [`/api/v1/envelopes/${id}/documents/${documentId}/original`, 'envelope_not_found'],
      [`/api/v1/envelopes/${id}/audit`, 'envelope_not_found'],
      [`/api/v1/webhooks/${webhookId}`, 'webhook_not_found'],
      [`/api/v1/webhooks/${webhookId}/deliveries`, 'webhook_not_found'],
    ];
    for (const [path, code] of gets) {
      const res = await request(e2e.app.url).get(path).set(asOther);
      expect(res.status, `GET ${path}`).to.equal(404);
      expect(res.body.code, `GET ${path}`).to.equal(code);
      expect(JSON.stringify(res.body), `GET ${path} leaks nothing`).to.not.include('Vertrouwelijk');
    }
    for (const [path, body] of [
      [`/api/v1/envelopes/${id}/cancel`, { reason: 'weg ermee' }],
      [`/api/v1/envelopes/${id}/remind`, {}],
      [`/api/v1/envelopes/${id}/send`, {}],
    ] as const) {
      const res = await request(e2e.app.url).post(path).set(asOther).send(body);
      expect(res.status, `POST ${path}`).to.equal(404);
      expect(res.body.code).to.equal('envelope_not_found');
    }
    const deleted = await request(e2e.app.url).delete(`/api/v1/webhooks/${webhookId}`).set(asOther);
    expect(deleted.status).to.equal(404);
    expect((await request(e2e.app.url).get('/api/v1/envelopes').set(asOther)).body.items).to.deep.equal([]);
    expect((await request(e2e.app.url).get('/api/v1/webhooks').set(asOther)).body.items).to.deep.equal([]);

    // Untouched for its owner.
    expect((await e2e.getEnvelope(id)).status).to.equal('sent');
    expect((await request(e2e.app.url).get(`/api/v1/webhooks/${webhookId}`).set(e2e.auth())).status).to.equal(200);
    expect((await request(e2e.app.url).delete(`/api/v1/webhooks/${webhookId}`).set(e2e.auth())).status).to.equal(204);
  });

  it('delivers recipient.signed and envelope.completed signed with the secret, retrying after a 500', async () => {
    const receiver = await startFlakyReceiver();
    try {
      const created = await request(e2e.app.url).post('/api/v1/webhooks').set(e2e.auth()).send({ url: receiver.url, events: ['recipient.signed', 'envelope.completed'] });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { id: webhookId, secret } = created.body as { id: string; secret: string };

      const res = await e2e.createEnvelope({ title: 'Besluit met webhook', expiresAt: EXPIRES_AT, recipients: [{ ...AN, role: 'signer', function: 'Algemeen directeur' }], send: true });
      expect(res.status).to.equal(201);
      const envelopeId = res.body.id as string;
      await e2e.deliver();
      expect(receiver.received, 'envelope.sent is not subscribed').to.deep.equal([]);
      const signed = await e2e.sign((await e2e.theMail(envelopeId, AN.email, 'signRequest')).token!);
      expect(signed.status).to.equal(303);

      // First attempt: both fail with 500 and wait for their retry; the completed mail goes out regardless.
      const first = await e2e.deliver();
      expect(first.failed).to.equal(2);
      expect(receiver.received.map((r) => r.status)).to.deep.equal([500, 500]);
      let deliveries = (await request(e2e.app.url).get(`/api/v1/webhooks/${webhookId}/deliveries`).set(e2e.auth())).body.items as Array<Record<string, unknown>>;
      expect(deliveries.map((d) => d.event).sort()).to.deep.equal(['envelope.completed', 'recipient.signed']);
      for (const d of deliveries) {
        expect(d).to.include({ status: 'pending', attempts: 1, sentAt: null });
        expect(d.lastError).to.match(/^HTTP 500/);
        expect(Date.parse(d.nextAttemptAt as string)).to.be.greaterThan(Date.now());
      }

      // The backoff has passed.
      await e2e.app.deps.db('outbox').whereIn('id', deliveries.map((d) => d.id as string)).update({ next_attempt_at: new Date(Date.now() - 1000).toISOString() });
      expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
      expect(receiver.received.map((r) => r.status)).to.deep.equal([500, 500, 200, 200]);
      expect(await e2e.deliver(), 'nothing more').to.deep.equal({ delivered: 0, failed: 0 });

      deliveries = (await request(e2e.app.url).get(`/api/v1/webhooks/${webhookId}/deliveries`).set(e2e.auth())).body.items;
      for (const d of deliveries) {
        expect(d).to.include({ status: 'sent', attempts: 2, lastError: null, nextAttemptAt: null });
        expect(d.sentAt).to.be.a('string');
      }

      for (const hook of receiver.received) {
        expect(verifyWebhookSignature(secret, hook.headers['paraaf-signature'] as string, hook.body), 'Paraaf-Signature').to.equal(true);
        expect(verifyWebhookSignature(secret, hook.headers['paraaf-signature'] as string, hook.body.replace('Besluit', 'Besluut'))).to.equal(false);
        expect(deliveries.map((d) => d.id)).to.include(hook.headers['paraaf-delivery']);
      }
      const byEvent = (event: string) => receiver.received.filter((r) => r.headers['paraaf-event'] === event);
      for (const event of ['recipient.signed', 'envelope.completed']) {
        const attempts = byEvent(event);
        expect(attempts.map((a) => a.status), event).to.deep.equal([500, 200]);
        expect(attempts[0]!.headers['paraaf-delivery'], `${event}: the retry is the same delivery`).to.equal(attempts[1]!.headers['paraaf-delivery']);
        expect(attempts[0]!.body, `${event}: the same body`).to.equal(attempts[1]!.body);
        const payload = JSON.parse(attempts[1]!.body);
        expect(payload.type).to.equal(event);
        expect(payload.organisationId).to.equal(e2e.organisation.id);
        expect(payload.data.envelope.id).to.equal(envelopeId);
      }
      const signedEvent = JSON.parse(byEvent('recipient.signed')[1]!.body);
      expect(signedEvent.data.recipient).to.include({ email: AN.email, status: 'signed' });
      expect(JSON.parse(byEvent('envelope.completed')[1]!.body).data.envelope.status).to.equal('completed');
    } finally {
      await receiver.close();
    }
  });
});
