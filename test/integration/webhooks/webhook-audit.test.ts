/**
 * Issue 10: registering and disabling a webhook are use cases in src/workflow whose change and
 * organisation-chain audit event (`webhook.registered`, `webhook.disabled`) commit together, with
 * the API key as actor and never the secret. Another organisation's webhook is 404 and leaves no
 * event. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { whileAuditRefused } from '../../helpers/refuse-audit.ts';

describe('webhook changes are audited (issue 10)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let orgId: string;
  let otherId: string;
  let key: string;
  let keyId: string;
  let otherKey: string;
  const auth = (k = key) => ({ Authorization: `Bearer ${k}` });
  const chain = (id = orgId) => listAuditChain(app.deps.db, `org:${id}`);
  const webhookEvents = async (id = orgId) => (await chain(id)).filter((e) => e.action.startsWith('webhook.'));
  const register = (k = key) =>
    request(app.url).post('/api/v1/webhooks').set(auth(k)).send({ url: 'https://zaak.example.org/paraaf?x=1', events: ['envelope.completed', 'envelope.sent'] });

  before(async () => {
    app = await bootstrap();
    orgId = (await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' })).id;
    otherId = (await createOrganisation(app.deps.db, { slug: `andere-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' })).id;
    const created = await createApiKey(app.deps.db, orgId, { name: 'zaaksysteem' });
    key = created.plaintext;
    keyId = created.apiKey.id;
    otherKey = (await createApiKey(app.deps.db, otherId, { name: 'elders' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  it('registering appends one webhook.registered with the API key as actor, id, host and events, never the secret', async () => {
    const before = (await chain()).length;
    const created = await register();
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const events = (await chain()).slice(before);
    expect(events.map((e) => e.action)).to.deep.equal(['webhook.registered']);
    const [event] = events;
    expect(event).to.include({ actorKind: 'api_key', actorId: keyId, envelopeId: null });
    expect(event!.details).to.deep.equal({ webhookId: created.body.id, host: 'zaak.example.org', events: ['envelope.completed', 'envelope.sent'] });
    expect(JSON.stringify(event)).not.to.include(created.body.secret);
    expect(JSON.stringify(event)).not.to.include('whsec_');
  });

  it('disabling appends one webhook.disabled; a second delete is 404 with no event', async () => {
    const created = await register();
    const before = (await chain()).length;
    await request(app.url).delete(`/api/v1/webhooks/${created.body.id}`).set(auth()).expect(204);
    const events = (await chain()).slice(before);
    expect(events.map((e) => e.action)).to.deep.equal(['webhook.disabled']);
    expect(events[0]).to.include({ actorKind: 'api_key', actorId: keyId });
    expect(events[0]!.details).to.deep.equal({ webhookId: created.body.id, host: 'zaak.example.org', events: ['envelope.completed', 'envelope.sent'] });
    const again = await request(app.url).delete(`/api/v1/webhooks/${created.body.id}`).set(auth());
    expect(again.status).to.equal(404);
    expect(again.body).to.include({ code: 'webhook_not_found' });
    expect((await chain()).length).to.equal(before + 1);
  });

  it("another organisation's webhook is 404 to delete, get and list deliveries, and leaves no event in either chain", async () => {
    const created = await register();
    const mine = (await chain()).length;
    const theirs = (await chain(otherId)).length;
    for (const res of [
      await request(app.url).delete(`/api/v1/webhooks/${created.body.id}`).set(auth(otherKey)),
      await request(app.url).get(`/api/v1/webhooks/${created.body.id}`).set(auth(otherKey)),
      await request(app.url).get(`/api/v1/webhooks/${created.body.id}/deliveries`).set(auth(otherKey)),
    ]) {
      expect(res.status).to.equal(404);
      expect(res.body).to.include({ code: 'webhook_not_found' });
    }
    expect((await chain()).length).to.equal(mine);
    expect((await chain(otherId)).length).to.equal(theirs);
    await request(app.url).get(`/api/v1/webhooks/${created.body.id}`).set(auth()).expect(200);
  });

  it('when the audit event cannot be written, nothing is registered or disabled', async () => {
    const listed = async () => (await request(app.url).get('/api/v1/webhooks').set(auth()).expect(200)).body.items.length as number;
    const count = await listed();
    const refused = await whileAuditRefused(app.deps.db, 'webhook.registered', () => register());
    expect(refused.status).to.equal(500);
    expect(await listed()).to.equal(count);

    const created = await register();
    const before = (await webhookEvents()).length;
    const stays = await whileAuditRefused(app.deps.db, 'webhook.disabled', () => request(app.url).delete(`/api/v1/webhooks/${created.body.id}`).set(auth()));
    expect(stays.status).to.equal(500);
    await request(app.url).get(`/api/v1/webhooks/${created.body.id}`).set(auth()).expect(200);
    expect((await webhookEvents()).length).to.equal(before);
  });
});
