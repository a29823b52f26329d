/**
 * Issue 10: a signing link opens only what it was sent for. It dies when its envelope ends
 * (completed, declined, cancelled, expired) or its recipient's e-mail is corrected, and then
 * answers the friendly 410 page, for its own page and for the batch alike. The batch page lists
 * only envelopes for which that link is valid: same person (e-mail) in the same organisation,
 * with a live link of their own there. A signer keeps the result page and the downloads of what
 * they just signed (receipt cookies), also for a batch that completed the link's own envelope.
 */
import { expect } from 'chai';
import request from 'supertest';
import { csrfToken } from '../../../src/http/csrf.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { correctRecipientEmail, expireEnvelopes } from '../../../src/workflow/index.ts';
import { expectGonePage, startE2E, type E2E } from '../e2e/harness.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const UA = 'Mozilla/5.0 (links test) Firefox/140';
const SECRET = Buffer.from('e2e-'.padEnd(48, 'x'), 'utf8');
const batchCsrf = (token: string) => csrfToken(SECRET, token, 'batch');
const cookieOf = (res: request.Response, name: string) =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

describe('signer links die with their envelope and reach only what they were sent for (issue 10)', function () {
  this.timeout(120_000);
  let e2e: E2E;
  let n = 0;

  const batchPage = (token: string) => request(e2e.app.url).get(`/s/${token}/batch`).set('User-Agent', UA);
  const readBatch = (token: string) => downloadDocuments(e2e.app.url, `/s/${token}/batch`, { 'User-Agent': UA });
  const batchSign = async (token: string, envelopes: string[]) => {
    await readBatch(token);
    return request(e2e.app.url)
      .post(`/s/${token}/batch/sign`)
      .set('User-Agent', UA)
      .type('form')
      .send([`_csrf=${encodeURIComponent(batchCsrf(token))}`, ...envelopes.map((id) => `envelope=${id}`), 'consent=ja'].join('&'));
  };
  const signOne = async (token: string, fields: Record<string, string>) => {
    await readBatch(token);
    return request(e2e.app.url).post(`/s/${token}/batch/sign-one`).set('User-Agent', UA).type('form').send({ _csrf: batchCsrf(token), consent: 'ja', ...fields });
  };
  /** A sent envelope for these signers (in parallel); returns its id and the first signer's link. */
  const send = async (emails: string[], options: { key?: string } = {}) => {
    const title = `Besluit ${++n}`;
    const res = await e2e.createEnvelope({ title, send: true, recipients: emails.map((email, i) => ({ name: `Persoon ${i + 1}`, email, role: 'signer', order: 1 })) }, options);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    await e2e.deliver();
    const id = res.body.id as string;
    return { id, title, token: (await e2e.theMail(id, emails[0]!, 'signRequest')).token! };
  };
  const signerStatus = async (id: string, email: string) => (await e2e.getEnvelope(id)).recipients.find((r) => r.email === email)!.status;
  /** Every way the link could still be used answers 410 (pages) or link_gone (the script's JSON), and signs nothing. */
  const expectDead = async (token: string, label: string, target: string) => {
    expectGonePage(await e2e.openLink(token, UA), `${label}: the link page`);
    expectGonePage(await batchPage(token), `${label}: the batch page`);
    expectGonePage(await batchSign(token, [target]), `${label}: the batch form`);
    const one = await signOne(token, { envelope: target, total: '1' });
    expect(one.status, `${label}: the batch script`).to.equal(410);
    expect(one.body.error).to.equal('link_gone');
    const envelope = await e2e.getEnvelope(target);
    const download = await request(e2e.app.url).get(`/s/${token}/batch/envelopes/${target}/documents/${envelope.documents[0]!.id}`);
    expect(download.status, `${label}: a batch download`).to.equal(410);
  };

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('an old link of a completed envelope cannot reach, see or sign a new envelope sent later to the same person', async () => {
    const email = 'old.link@zonnebeke.be';
    const old = await send([email]);
    const signed = await e2e.sign(old.token, UA);
    expect(signed.status).to.equal(303);
    const receipt = cookieOf(signed, 'paraaf_receipt')!;
    expect((await e2e.getEnvelope(old.id)).status).to.equal('completed');

    const fresh = await send([email]);
    await expectDead(old.token, 'after completion', fresh.id);
    expect(await signerStatus(fresh.id, email)).to.be.oneOf(['sent', 'opened']);
    expect((await e2e.audit(fresh.id)).some((e) => e.action === 'recipient.signed')).to.equal(false);

    // What existed stays: right after signing, the result page and the signed document through the receipt.
    const done = await request(e2e.app.url).get(`/s/${old.token}/done`).set('Cookie', receipt);
    expect(done.status, done.text.slice(0, 300)).to.equal(200);
    const document = (await e2e.getEnvelope(old.id)).documents[0]!;
    expect((await request(e2e.app.url).get(`/s/${old.token}/documents/${document.id}`).set('Cookie', receipt)).status).to.equal(200);
    // And the new envelope's own link works.
    expect((await e2e.openLink(fresh.token, UA)).status).to.equal(200);
  });

  it('a link dies when its envelope is declined by another signer, cancelled or expired, or its e-mail is corrected', async () => {
    const email = 'dies@zonnebeke.be';
    const other = 'co.signer@zonnebeke.be';
    const target = await send([email]);

    const declined = await send([email, other]);
    const declineRes = await e2e.decline((await e2e.theMail(declined.id, other, 'signRequest')).token!, 'Niet akkoord', UA);
    expect(declineRes.status).to.equal(303);
    await expectDead(declined.token, 'declined', target.id);

    const cancelled = await send([email]);
    const cancel = await request(e2e.app.url).post(`/api/v1/envelopes/${cancelled.id}/cancel`).set(e2e.auth()).send({ reason: 'Verkeerde versie' });
    expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);
    await expectDead(cancelled.token, 'cancelled', target.id);

    // Past its deadline the link is dead at once, before the expiry job has run; and after it.
    const expired = await send([email]);
    await e2e.app.deps.db('envelopes').where({ id: expired.id }).update({ expires_at: new Date(Date.now() - 60_000).toISOString() });
    await expectDead(expired.token, 'past its deadline', target.id);
    const run = await expireEnvelopes(e2e.app.deps.workflow);
    expect(run.expired.map((e) => e.envelopeId)).to.include(expired.id);
    await expectDead(expired.token, 'expired', target.id);

    const corrected = await send([email]);
    const recipient = (await e2e.getEnvelope(corrected.id)).recipients[0]!;
    await correctRecipientEmail(e2e.app.deps.workflow, {
      organisationId: e2e.organisation.id,
      actor: { kind: 'api_key', id: 'test', label: 'test' },
      envelopeId: corrected.id,
      recipientId: recipient.id,
      email: 'dies.nieuw@zonnebeke.be',
    });
    await expectDead(corrected.token, 'e-mail corrected', target.id);

    expect(await signerStatus(target.id, email)).to.be.oneOf(['sent', 'opened']);
    expect((await e2e.openLink(target.token, UA)).status).to.equal(200);
  });

  it('the batch lists only envelopes for which that link is valid: same person, same organisation, a live link of their own', async () => {
    const email = 'lijst@zonnebeke.be';
    const own = await send([email]);
    const waiting = await send([email]);
    const corrected = await send([email]);
    const revoked = await send([email]);
    const otherPerson = await send(['iemand.anders@zonnebeke.be']);
    const ieper = await createOrganisation(e2e.app.deps.db, { slug: `ieper-${Date.now()}`, name: 'Stad Ieper' });
    const ieperKey = (await createApiKey(e2e.app.deps.db, ieper.id, { name: 'ieper' })).plaintext;
    const elsewhere = await send([email], { key: ieperKey });

    const listed = (page: string) => [...page.matchAll(/name="envelope" value="([^"]+)"/g)].map((m) => m[1]);
    const before = await batchPage(own.token);
    expect(before.status).to.equal(200);
    expect(listed(before.text)).to.have.members([own.id, waiting.id, corrected.id, revoked.id]);

    // Corrected to another address: that envelope no longer waits for this person.
    const recipient = (await e2e.getEnvelope(corrected.id)).recipients[0]!;
    await correctRecipientEmail(e2e.app.deps.workflow, {
      organisationId: e2e.organisation.id,
      actor: { kind: 'api_key', id: 'test', label: 'test' },
      envelopeId: corrected.id,
      recipientId: recipient.id,
      email: 'lijst.nieuw@zonnebeke.be',
    });
    // Its own links revoked (as a staff action or a lapse would): not reachable through another link either.
    const revokedRecipient = (await e2e.getEnvelope(revoked.id)).recipients[0]!;
    await e2e.app.deps.db('signing_links').where({ recipient_id: revokedRecipient.id }).update({ revoked_at: new Date().toISOString() });

    const after = await batchPage(own.token);
    expect(after.status).to.equal(200);
    expect(listed(after.text)).to.have.members([own.id, waiting.id]);
    expect(after.text).to.not.include(otherPerson.title).and.not.include(elsewhere.title);

    // Naming them anyway signs nothing.
    const res = await batchSign(own.token, [corrected.id, revoked.id]);
    expect(res.status).to.equal(404);
    const one = await signOne(own.token, { envelope: revoked.id, total: '1' });
    expect(one.status, JSON.stringify(one.body)).to.equal(200);
    expect(one.body).to.include({ signed: false });
    expect(await signerStatus(revoked.id, email)).to.be.oneOf(['sent', 'opened']);
    const document = (await e2e.getEnvelope(revoked.id)).documents[0]!;
    expect((await request(e2e.app.url).get(`/s/${own.token}/batch/envelopes/${revoked.id}/documents/${document.id}`)).status).to.equal(404);
    const elsewhereSign = await signOne(own.token, { envelope: elsewhere.id, total: '1' });
    expect(elsewhereSign.status).to.equal(404);
  });

  it('a batch that completes its own link’s envelope finishes and shows its downloads, but reaches nothing sent after it began', async () => {
    const email = 'reeks@zonnebeke.be';
    const own = await send([email]);
    const second = await send([email]);
    const third = await send([email]);

    // The script, own envelope first: it completes, the link dies, the batch goes on with its ticket.
    const first = await signOne(own.token, { envelope: own.id, total: '3' });
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.signed).to.equal(true);
    expect((await e2e.getEnvelope(own.id)).status).to.equal('completed');
    const receipt = cookieOf(first, 'paraaf_batch_receipt');
    expect(receipt, 'a batch receipt cookie').to.be.a('string');
    expectGonePage(await batchPage(own.token), 'the batch page after its link died');

    const late = await send([email]);
    const next = await signOne(own.token, { envelope: second.id, ticket: first.body.ticket });
    expect(next.status, JSON.stringify(next.body)).to.equal(200);
    expect(next.body.signed).to.equal(true);
    const notPart = await signOne(own.token, { envelope: late.id, ticket: next.body.ticket });
    expect(notPart.status, JSON.stringify(notPart.body)).to.equal(200);
    expect(notPart.body).to.include({ signed: false });
    expect(await signerStatus(late.id, email)).to.be.oneOf(['sent', 'opened']);

    // The summary's downloads: with the receipt for what the batch signed, never without it, never for the late one.
    for (const id of [own.id, second.id]) {
      const document = (await e2e.getEnvelope(id)).documents[0]!;
      const url = `/s/${own.token}/batch/envelopes/${id}/documents/${document.id}`;
      expect((await request(e2e.app.url).get(url).set('Cookie', receipt!)).status, `download ${id}`).to.equal(200);
      expect((await request(e2e.app.url).get(url)).status, `download ${id} without receipt`).to.equal(410);
    }
    const lateDocument = (await e2e.getEnvelope(late.id)).documents[0]!;
    expect((await request(e2e.app.url).get(`/s/${own.token}/batch/envelopes/${late.id}/documents/${lateDocument.id}`).set('Cookie', receipt!)).status).to.equal(404);

    // Without JavaScript: one form signs the rest, own envelope among them, and the summary is shown.
    const formOwn = await send([email]);
    const formOther = await send([email]);
    const summary = await batchSign(formOwn.token, [formOwn.id, formOther.id, third.id]);
    expect(summary.status, summary.text.slice(0, 500)).to.equal(200);
    expect(summary.text).to.include('Ondertekend (3)');
    const formReceipt = cookieOf(summary, 'paraaf_batch_receipt')!;
    const document = (await e2e.getEnvelope(formOther.id)).documents[0]!;
    expect((await request(e2e.app.url).get(`/s/${formOwn.token}/batch/envelopes/${formOther.id}/documents/${document.id}`).set('Cookie', formReceipt)).status).to.equal(200);
    expectGonePage(await batchPage(formOwn.token), 'the form batch page after its link died');
  });
});
