/**
 * Batch signing (issue 4): at /s/<token>/batch a signer sees every envelope that waits for them
 * in the organisation, deselects some and signs the rest in one action; the summary says what
 * was signed and what was not, and why. Another person's link sees and signs none of it.
 */
import { expect } from 'chai';
import request from 'supertest';
import { verifyPdf } from '../../../src/pades/index.ts';
import { BASE_URL, startE2E, type E2E } from '../e2e/harness.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const UA = 'Mozilla/5.0 (batch test) Firefox/140';
const AN = 'an.batch@zonnebeke.be';
const BART = 'bart.batch@zonnebeke.be';
const formCsrf = (page: string, action: string): string => {
  const at = page.indexOf(`/${action}"`);
  expect(at, `a form posting to /${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(at))![1]!;
};
const binary = (req: request.Test) =>
  req.buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });

describe('signer pages: batch signing at /s/<token>/batch', function () {
  this.timeout(120_000);
  let e2e: E2E;
  const ids: string[] = [];
  const titles = ['Raad 12 mei: besluit 1', 'Raad 12 mei: besluit 2', 'Raad 12 mei: besluit 3', 'Raad 12 mei: besluit 4'];
  let anToken: string;
  let bartToken: string;
  let bartEnvelope: string;

  const batchPage = (token: string) => request(e2e.app.url).get(`/s/${token}/batch`).set('User-Agent', UA);
  const postBatch = async (token: string, envelopes: string[], extra: Record<string, string> = { consent: 'ja' }) => {
    // Reading before signing (issue 12): without JavaScript, the signer downloads each document first.
    await downloadDocuments(e2e.app.url, `/s/${token}/batch`, { 'User-Agent': UA });
    const csrf = formCsrf((await batchPage(token)).text, 'batch/sign');
    const body = [`_csrf=${encodeURIComponent(csrf)}`, ...envelopes.map((id) => `envelope=${id}`), ...Object.entries(extra).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)].join('&');
    return request(e2e.app.url).post(`/s/${token}/batch/sign`).set('User-Agent', UA).type('form').send(body);
  };

  before(async () => {
    e2e = await startE2E();
    for (const title of titles) {
      const res = await e2e.createEnvelope({ title, send: true, recipients: [{ name: 'An Peeters', email: AN, role: 'signer', function: 'Voorzitter' }] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      ids.push(res.body.id);
    }
    const bart = await e2e.createEnvelope({ title: 'Iets voor Bart', send: true, recipients: [{ name: 'Bart Claes', email: BART, role: 'signer' }] });
    bartEnvelope = bart.body.id;
    await e2e.deliver();
    anToken = (await e2e.theMail(ids[2]!, AN, 'signRequest')).token!;
    bartToken = (await e2e.theMail(bartEnvelope, BART, 'signRequest')).token!;
  });
  after(async () => {
    await e2e?.close();
  });

  it('offers the batch page in the mail once more than one envelope waits', async () => {
    const first = await e2e.theMail(ids[0]!, AN, 'signRequest');
    expect(first.text).to.not.include('/batch');
    const third = await e2e.theMail(ids[2]!, AN, 'signRequest');
    expect(third.text).to.include('Er wachten nog 2 andere documenten van Gemeente Zonnebeke op u.');
    expect(third.html).to.include(`href="${BASE_URL}/s/${third.token}/batch"`);
    expect((await e2e.theMail(bartEnvelope, BART, 'signRequest')).text).to.not.include('/batch');
  });

  it('lists every waiting envelope, all ticked, with their documents; the link page points to it', async () => {
    const res = await batchPage(anToken);
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    for (const [i, id] of ids.entries()) {
      expect(res.text).to.include(`<input type="checkbox" id="envelope-${id}" name="envelope" value="${id}" checked`);
      expect(res.text).to.include(titles[i]!);
    }
    expect(res.text).to.include('>Ondertekenen</button>').and.include('id="consent"');
    expect(res.text).to.not.match(/<script(?! type="module" src="\/assets\/signer\.js"><\/script>)|style=/).and.not.include('Iets voor Bart');
    const envelope = await e2e.getEnvelope(ids[0]!);
    const download = await binary(request(e2e.app.url).get(`/s/${anToken}/batch/envelopes/${ids[0]}/documents/${envelope.documents[0]!.id}`));
    expect(download.status).to.equal(200);
    expect(download.headers['content-type']).to.match(/^application\/pdf/);
    expect((download.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
    expect((await e2e.openLink(anToken)).text).to.include(`href="/s/${anToken}/batch"`);
  });

  it("does not let another person's link see, download or sign them", async () => {
    const bartPage = await batchPage(bartToken);
    expect(bartPage.status).to.equal(200);
    for (const title of titles) expect(bartPage.text).to.not.include(title);
    const envelope = await e2e.getEnvelope(ids[0]!);
    const download = await request(e2e.app.url).get(`/s/${bartToken}/batch/envelopes/${ids[0]}/documents/${envelope.documents[0]!.id}`);
    expect(download.status).to.equal(404);
    const sign = await postBatch(bartToken, [ids[0]!]);
    expect(sign.status).to.equal(404);
    expect((await e2e.getEnvelope(ids[0]!)).status).to.not.equal('completed');
  });

  it('needs a selection and the consent, with announced errors', async () => {
    const none = await postBatch(anToken, []);
    expect(none.status).to.equal(400);
    expect(none.text).to.include('role="alert"').and.include('Kies minstens één document.');
    const noConsent = await postBatch(anToken, [ids[0]!], {});
    expect(noConsent.status).to.equal(400);
    expect(noConsent.text).to.include('aria-invalid="true"').and.include('Vink het vakje aan.');
  });

  it('signs the selected ones, leaves the deselected one alone and reports one cancelled meanwhile', async () => {
    await batchPage(anToken);
    const cancel = await request(e2e.app.url).post(`/api/v1/envelopes/${ids[3]}/cancel`).set(e2e.auth()).send({ reason: 'Verkeerde versie' });
    expect(cancel.status, JSON.stringify(cancel.body)).to.equal(200);

    const res = await postBatch(anToken, [ids[0]!, ids[1]!, ids[3]!]);
    expect(res.status, res.text.slice(0, 500)).to.equal(200);
    expect(res.text).to.include('Ondertekend (2)').and.include('Niet ondertekend (1)');
    expect(res.text).to.include(`data-envelope-id="${ids[0]}" data-outcome="signed"`).and.include(`data-envelope-id="${ids[1]}" data-outcome="signed"`);
    expect(res.text).to.include(`data-envelope-id="${ids[3]}" data-outcome="failed" data-reason="envelope_cancelled"`);
    expect(res.text).to.include('De organisatie heeft dit ingetrokken.');

    for (const id of [ids[0]!, ids[1]!]) {
      const envelope = await e2e.getEnvelope(id);
      expect(envelope.status).to.equal('completed');
      const pdf = await e2e.downloadCurrent(id, envelope.documents[0]!.id);
      const report = await verifyPdf(pdf, { trustAnchors: [e2e.app.deps.trustAnchors[0]!] });
      expect(report.verdict, JSON.stringify(report.signatures.map((s) => s.problems))).to.equal('valid');
      const events = await e2e.audit(id);
      const signed = events.find((e) => e.action === 'recipient.signed')!;
      expect(signed.userAgent).to.equal(UA);
      expect(events.find((e) => e.action === 'batch.signed')!.details).to.include({ batchSize: 2 });
      // The signed documents stay downloadable from the summary.
      const download = await request(e2e.app.url).get(`/s/${anToken}/batch/envelopes/${id}/documents/${envelope.documents[0]!.id}`);
      expect(download.status).to.equal(200);
    }
    const untouched = await e2e.getEnvelope(ids[2]!);
    expect(untouched.status).to.be.oneOf(['sent', 'in_progress']);
    expect(untouched.recipients[0]!.status).to.be.oneOf(['sent', 'opened']);
    expect((await e2e.audit(ids[2]!)).some((e) => e.action === 'recipient.signed')).to.equal(false);
    expect((await e2e.getEnvelope(ids[3]!)).status).to.equal('cancelled');

    const after = await batchPage(anToken);
    expect(after.text).to.include(titles[2]!).and.not.include(titles[0]!).and.not.include(titles[3]!);
  });

  it('asks one code for the whole batch when any envelope requires one', async () => {
    const res = await e2e.createEnvelope({ title: 'Met code in de reeks', requireCode: true, send: true, recipients: [{ name: 'An Peeters', email: AN, role: 'signer' }] });
    const coded = res.body.id as string;
    await e2e.deliver();
    const page = await batchPage(anToken);
    expect(page.text).to.include('>Stuur mij een code</button>').and.include('id="code-input"');
    const without = await postBatch(anToken, [ids[2]!, coded]);
    expect(without.status).to.equal(400);
    expect(without.text).to.include('Typ de code uit de e-mail.');

    const ask = await request(e2e.app.url).post(`/s/${anToken}/batch/code`).set('User-Agent', UA).type('form').send({ _csrf: formCsrf(page.text, 'batch/code') });
    expect(ask.status).to.equal(303);
    await e2e.deliver();
    const mail = (await e2e.mails({ to: AN })).at(-1)!;
    expect(mail.subject).to.match(/^Uw code om te ondertekenen/);
    expect(mail.text).to.include('2 documenten');
    const code = /Uw code:\s*(?:> )?(\d{6})/.exec(mail.text)![1]!;
    const done = await postBatch(anToken, [ids[2]!, coded], { consent: 'ja', code });
    expect(done.status, done.text.slice(0, 300)).to.equal(200);
    expect(done.text).to.include('Ondertekend (2)');
    const events = await e2e.audit(coded);
    expect(events.find((e) => e.action === 'code.sent')!.details).to.include({ purpose: 'batch' });
    expect(events.some((e) => e.action === 'code.verified')).to.equal(true);
  });
});
