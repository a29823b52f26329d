/**
 * The organisation's logo on every signer page (issue 12): the batch page and a link that no longer works show it in
 * the header like the link page does, so a signer recognises who is asking even when there is nothing left to sign;
 * its mails carry it too.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { MailMessage } from '../../../src/notify/index.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';

const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]{20,})/;
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('the organisation logo on the batch page and on a link that no longer works', function () {
  this.timeout(120_000);
  let app: TestApp;
  let auth: { Authorization: string };
  let organisationId: string;
  let logoSha256: string;

  const send = async (): Promise<{ id: string; token: string }> => {
    const res = await request(app.url)
      .post('/api/v1/envelopes')
      .set(auth)
      .field('envelope', JSON.stringify({ title: 'Besluit met logo', recipients: [{ name: 'Lien Logo', email: 'lien@ieper.be', role: 'signer', order: 1 }], send: true }))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const mails = (await listOutbox(app.deps.db, organisationId, { kind: 'mail' })).map((row) => row.payload as MailMessage).filter((m) => m.headers?.['X-Paraaf-Envelope'] === res.body.id);
    return { id: res.body.id, token: LINK.exec(mails.at(-1)!.text)![1]! };
  };

  before(async () => {
    app = await bootstrap({ pki: await devPki(), env: { BASE_URL: 'https://paraaf.test' } });
    const organisation = await createOrganisation(app.deps.db, { slug: `ieper-${randomUUID().slice(0, 8)}`, name: 'Stad Ieper' });
    organisationId = organisation.id;
    auth = { Authorization: `Bearer ${(await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext}` };
    const sha256 = (await app.deps.blobs.put(PNG)).sha256;
    logoSha256 = sha256;
    await app.deps.db('organisations').where({ id: organisation.id }).update({ settings: JSON.stringify({ logo: { sha256, contentType: 'image/png', size: PNG.length } }) });
  });
  after(async () => {
    await app?.close();
  });

  it('shows it on the batch page', async () => {
    const { token } = await send();
    const page = await request(app.url).get(`/s/${token}/batch`);
    expect(page.status, page.text.slice(0, 300)).to.equal(200);
    expect(page.text).to.include(`<img src="/s/${token}/logo" alt="Stad Ieper" class="logo">`);
  });

  it('shows it on the page of a link whose envelope was cancelled, and the logo still loads there', async () => {
    const { id, token } = await send();
    expect((await request(app.url).post(`/api/v1/envelopes/${id}/cancel`).set(auth).send({ reason: 'Verkeerde versie' })).status).to.equal(200);
    const page = await request(app.url).get(`/s/${token}`);
    expect(page.status).to.equal(410);
    expect(page.text).to.include(`<img src="/s/${token}/logo" alt="Stad Ieper" class="logo">`);
    expect((await request(app.url).get(`/s/${token}/logo`)).status).to.equal(200);
  });

  it('puts it at the top of the request mail, as an inline image the worker attaches', async () => {
    const { id } = await send();
    const mail = (await listOutbox(app.deps.db, organisationId, { kind: 'mail' })).map((row) => row.payload as MailMessage).find((m) => m.headers?.['X-Paraaf-Envelope'] === id)!;
    expect(mail.html).to.include('<img src="cid:logo@paraaf" alt="Stad Ieper"');
    expect(mail.inlineLogo).to.deep.equal({ sha256: logoSha256, contentType: 'image/png' });
  });

  it('shows none for a link nobody knows', async () => {
    const page = await request(app.url).get(`/s/unknown${'L'.repeat(40)}`);
    expect(page.status).to.equal(404);
    expect(page.text).to.not.include('<img');
  });
});
