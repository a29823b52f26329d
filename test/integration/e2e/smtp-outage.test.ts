/**
 * E2E: the SMTP server is down when an envelope is sent. The sign request stays in the outbox
 * with its error, and once the server is back (same port) and the retry is due it is delivered
 * exactly once — and the link in it works.
 */
import { expect } from 'chai';
import request from 'supertest';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import { EXPIRES_AT, expectDutchMail, startE2E, type E2E } from './harness.ts';

const AN = { name: 'An Peeters', email: 'an@zonnebeke.test' };

describe('e2e: SMTP outage', function () {
  this.timeout(60_000);
  let e2e: E2E;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('keeps the mail while SMTP is down and delivers it exactly once when it is back', async () => {
    const title = 'Besluit tijdens een storing';
    await e2e.smtp.close();

    const res = await e2e.createEnvelope({ title, expiresAt: EXPIRES_AT, recipients: [{ ...AN, role: 'signer', function: 'Algemeen directeur' }], send: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;

    expect(await e2e.app.handle.jobs.outbox.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    const [pending, ...rest] = await listOutbox(e2e.app.deps.db, e2e.organisation.id, { kind: 'mail' });
    expect(rest).to.deep.equal([]);
    expect(pending).to.include({ status: 'pending', attempts: 1 });
    expect(pending!.lastError).to.match(/ECONNREFUSED/);
    expect(pending!.payload).to.deep.include({ to: { name: AN.name, email: AN.email } });
    const row = await e2e.app.deps.db('outbox').where({ id: pending!.id }).first('next_attempt_at');
    expect(new Date(row.next_attempt_at).getTime(), 'retried later, with backoff').to.be.greaterThan(Date.now() + 20_000);
    expect(e2e.smtp.received).to.deep.equal([]);
    // Nothing was lost or misreported to the caller: the envelope is sent, the recipient waits for the mail.
    expect((await e2e.getEnvelope(envelopeId)).status).to.equal('sent');

    await e2e.smtp.listen(); // the same port
    expect(await e2e.app.handle.jobs.outbox.runOnce(), 'not before the backoff has passed').to.deep.equal({ delivered: 0, failed: 0 });
    expect(e2e.smtp.received).to.deep.equal([]);

    await e2e.app.deps.db('outbox').where({ id: pending!.id }).update({ next_attempt_at: new Date(Date.now() - 1000).toISOString() });
    expect(await e2e.deliver()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(await e2e.deliver()).to.deep.equal({ delivered: 0, failed: 0 });

    const mails = await e2e.mails({ envelopeId });
    expect(mails, 'delivered exactly once').to.have.length(1);
    expectDutchMail(mails[0]!, 'signRequest', { title });
    const [sent] = await listOutbox(e2e.app.deps.db, e2e.organisation.id, { kind: 'mail' });
    expect(sent).to.include({ id: pending!.id, status: 'sent', attempts: 2, lastError: null });

    const signed = await e2e.sign(mails[0]!.token!);
    expect(signed.status).to.equal(303);
    expect((await e2e.getEnvelope(envelopeId)).status).to.equal('completed');
  });

  it('does not deliver a reminder before the request it replaces, even when the request is still waiting for its retry (issue 10)', async () => {
    const title = 'Herinnering tijdens een storing';
    const to = 'bert@zonnebeke.test';
    await e2e.deliver(); // what the test before left queued
    await e2e.smtp.close();
    const res = await e2e.createEnvelope({ title, expiresAt: EXPIRES_AT, recipients: [{ name: 'Bert Claes', email: to, role: 'signer', function: 'Schepen' }], send: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    expect(await e2e.app.handle.jobs.outbox.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });

    // Staff remind while the request waits for its retry: the reminder's new link revokes the request's.
    const reminded = await request(e2e.app.url).post(`/api/v1/envelopes/${envelopeId}/remind`).set(e2e.auth());
    expect(reminded.status, JSON.stringify(reminded.body)).to.equal(200);
    await e2e.smtp.listen();

    // The reminder is due, the request not yet: the reminder still waits for it.
    expect(await e2e.deliver()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(await e2e.mails({ envelopeId })).to.deep.equal([]);
    const rows = await listOutbox(e2e.app.deps.db, e2e.organisation.id, { kind: 'mail' });
    const mine = rows.filter((row) => (row.payload as { to: { email: string } }).to.email === to);
    expect(mine.map((row) => [row.status, row.attempts])).to.deep.equal([['pending', 1], ['pending', 0]]);

    await e2e.app.deps.db('outbox').where({ id: mine[0]!.id }).update({ next_attempt_at: new Date(Date.now() - 1000).toISOString() });
    expect(await e2e.deliver()).to.deep.equal({ delivered: 2, failed: 0 });
    const mails = await e2e.mails({ envelopeId });
    expect(mails.map((m) => m.subject), 'the request first, then the reminder').to.deep.equal([`Te ondertekenen: ${title}`, `Herinnering: ‘${title}’ wacht op uw handtekening`]);
    // The link that works is the reminder's (the last mail).
    expect((await e2e.sign(mails[1]!.token!)).status).to.equal(303);
  });
});
