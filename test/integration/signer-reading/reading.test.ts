/**
 * Reading before signing (issue 12): a signer may sign a document only once they have opened it —
 * the viewer showed its last page (POST …/documents/<id>/read) or they downloaded it. Refused
 * otherwise with 409 `document_not_read` and a page that says what to do; recorded as the audit
 * event `document.opened`, once per recipient and document. The batch page shows what is read and
 * refuses what is not.
 */
import { expect } from 'chai';
import request from 'supertest';
import { startE2E, type E2E } from '../e2e/harness.ts';

const UA = 'Mozilla/5.0 (reading test) Firefox/140';
const AN = 'an.lezen@zonnebeke.be';
const BART = 'bart.lezen@zonnebeke.be';
const formCsrf = (page: string, action: string): string => {
  const at = page.indexOf(`/${action}"`);
  expect(at, `a form posting to /${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(at))![1]!;
};

describe('reading before signing (issue 12)', function () {
  this.timeout(120_000);
  let e2e: E2E;

  const page = (path: string) => request(e2e.app.url).get(path).set('User-Agent', UA);
  const post = (path: string, form: Record<string, string> | string) => request(e2e.app.url).post(path).set('User-Agent', UA).type('form').send(form);
  const opened = async (envelopeId: string) => (await e2e.audit(envelopeId)).filter((event) => event.action === 'document.opened');
  const sendTo = async (email: string, name: string, title: string) => {
    const res = await e2e.createEnvelope({ title, send: true, recipients: [{ name, email, role: 'signer', function: 'Voorzitter' }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    await e2e.deliver();
    const envelope = await e2e.getEnvelope(res.body.id);
    return { envelope, token: (await e2e.theMail(envelope.id, email, 'signRequest')).token! };
  };

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('refuses to sign an unopened document with 409 document_not_read and a page that says what to do, in nl, en and fr', async () => {
    const { envelope, token } = await sendTo(AN, 'An Peeters', 'Besluit: ongelezen');
    const link = await page(`/s/${token}`);
    expect(link.status).to.equal(200);
    expect(link.text).to.include('id="read-explain"').and.include('Open eerst elk document en blader het door tot de laatste pagina.');
    expect(link.text).to.include(`id="read-${envelope.documents[0]!.id}" data-read="false"`).and.include('nog niet gelezen');
    const refused = await post(`/s/${token}/sign`, { consent: 'ja', _csrf: formCsrf(link.text, 'sign') });
    expect(refused.status).to.equal(409);
    expect(refused.headers['content-type']).to.match(/^text\/html/);
    expect(refused.text).to.include('Open eerst elk document en blader het door tot de laatste pagina.').and.include(`href="/s/${token}"`);
    const english = await request(e2e.app.url).post(`/s/${token}/sign?lang=en`).type('form').send({ consent: 'ja', _csrf: formCsrf(link.text, 'sign') });
    expect(english.status).to.equal(409);
    expect(english.text).to.include('First open every document and page through it to the last page.');
    const french = await request(e2e.app.url).post(`/s/${token}/sign?lang=fr`).type('form').send({ consent: 'ja', _csrf: formCsrf(link.text, 'sign') });
    expect(french.text).to.include('Ouvrez d’abord chaque document et parcourez-le jusqu’à la dernière page.');
    const after = await e2e.getEnvelope(envelope.id);
    expect(after.recipients[0]!.status).to.not.equal('signed');
    expect(after.documents[0]!.currentRevision.kind).to.not.equal('signature');
    expect(await opened(envelope.id)).to.have.length(0);
  });

  it('signs once the viewer reported the last page; the event is recorded once, with how it was read', async () => {
    const { envelope, token } = await sendTo(AN, 'An Peeters', 'Besluit: bekeken');
    const documentId = envelope.documents[0]!.id;
    const link = await page(`/s/${token}`);
    const readUrl = `/s/${token}/documents/${documentId}/read`;
    expect(link.text).to.include(`data-read-url="${readUrl}"`).and.include(`data-pdf-url="/s/${token}/documents/${documentId}?view=1"`);
    // The viewer's own fetch of the PDF is not a download: nothing recorded.
    expect((await page(`/s/${token}/documents/${documentId}?view=1`)).status).to.equal(200);
    expect(await opened(envelope.id)).to.have.length(0);
    // The read report needs the form's token.
    expect((await post(readUrl, { _csrf: 'wrong' })).status).to.equal(403);
    const first = await post(readUrl, { _csrf: formCsrf(link.text, 'sign') }).set('Accept', 'application/json');
    expect(first.status).to.equal(200);
    expect(first.body).to.deep.equal({ read: true, recorded: true });
    const again = await post(readUrl, { _csrf: formCsrf(link.text, 'sign') });
    expect(again.body).to.deep.equal({ read: true, recorded: false });
    const events = await opened(envelope.id);
    expect(events).to.have.length(1);
    expect(events[0]!.details).to.deep.equal({ recipientId: envelope.recipients[0]!.id, documentId, how: 'viewed' });
    expect(events[0]!.actor.kind).to.equal('recipient');
    expect(events[0]!.userAgent).to.equal(UA);
    expect((await page(`/s/${token}`)).text).to.include(`id="read-${documentId}" data-read="true"`);

    const signed = await post(`/s/${token}/sign`, { consent: 'ja', _csrf: formCsrf(link.text, 'sign') });
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    expect((await e2e.getEnvelope(envelope.id)).status).to.equal('completed');
    // After signing, downloading records nothing more.
    expect((await post(readUrl, { _csrf: formCsrf(link.text, 'sign') })).status).to.not.equal(200);
    expect(await opened(envelope.id)).to.have.length(1);
  });

  it('counts a download as reading (the path without JavaScript), once however often', async () => {
    const { envelope, token } = await sendTo(AN, 'An Peeters', 'Besluit: gedownload');
    const documentId = envelope.documents[0]!.id;
    for (let i = 0; i < 2; i++) expect((await page(`/s/${token}/documents/${documentId}`)).status).to.equal(200);
    const events = await opened(envelope.id);
    expect(events.map((e) => e.details.how)).to.deep.equal(['downloaded']);
    const link = await page(`/s/${token}`);
    const signed = await post(`/s/${token}/sign`, { consent: 'ja', _csrf: formCsrf(link.text, 'sign') });
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
  });

  it('shows on the batch page which documents are read, and signs only those read', async () => {
    const one = await sendTo(BART, 'Bart Claes', 'Zitting: punt 1');
    const two = await sendTo(BART, 'Bart Claes', 'Zitting: punt 2');
    const batchPath = `/s/${two.token}/batch`;
    let batch = await page(batchPath);
    expect(batch.status).to.equal(200);
    expect(batch.text).to.include('id="read-explain"');
    for (const { envelope } of [one, two]) expect(batch.text).to.include(`id="read-${envelope.id}-${envelope.documents[0]!.id}" data-read="false"`);
    // Punt 1 viewed to its last page in the batch page's viewer.
    const csrf = formCsrf(batch.text, 'batch/sign');
    const readOne = await post(`${batchPath}/envelopes/${one.envelope.id}/documents/${one.envelope.documents[0]!.id}/read`, { _csrf: csrf });
    expect(readOne.status, readOne.text.slice(0, 300)).to.equal(200);
    batch = await page(batchPath);
    expect(batch.text).to.include(`id="read-${one.envelope.id}-${one.envelope.documents[0]!.id}" data-read="true"`);
    expect(batch.text).to.include(`id="read-${two.envelope.id}-${two.envelope.documents[0]!.id}" data-read="false"`);

    const summary = await post(`${batchPath}/sign`, `_csrf=${encodeURIComponent(csrf)}&envelope=${one.envelope.id}&envelope=${two.envelope.id}&consent=ja`);
    expect(summary.status, summary.text.slice(0, 500)).to.equal(200);
    expect(summary.text).to.include(`data-envelope-id="${one.envelope.id}" data-outcome="signed"`);
    expect(summary.text).to.include(`data-envelope-id="${two.envelope.id}" data-outcome="failed" data-reason="document_not_read"`);
    expect(summary.text).to.include('U hebt nog niet elk document van dit dossier geopend.');
    expect((await opened(one.envelope.id)).map((e) => e.details.how)).to.deep.equal(['viewed']);

    // Punt 2 downloaded from the batch page: then it signs too.
    expect((await page(`${batchPath}/envelopes/${two.envelope.id}/documents/${two.envelope.documents[0]!.id}`)).status).to.equal(200);
    expect((await opened(two.envelope.id)).map((e) => e.details.how)).to.deep.equal(['downloaded']);
    const rest = await post(`${batchPath}/sign`, `_csrf=${encodeURIComponent(csrf)}&envelope=${two.envelope.id}&consent=ja`);
    expect(rest.text).to.include(`data-envelope-id="${two.envelope.id}" data-outcome="signed"`);
  });
});
