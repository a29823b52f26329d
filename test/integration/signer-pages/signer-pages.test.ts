/**
 * The signer's link pages driven over HTTP like a browser without JavaScript: envelopes are
 * created and sent through the API, the links are read from the outbox, forms are posted
 * form-urlencoded with the CSRF token scraped from the page.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { verifyPdf } from '../../../src/pades/index.ts';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const BASE_URL = 'https://paraaf.test';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/;

const twoSigners = {
  title: 'Besluit gemeenteraad <12 mei>',
  message: 'Graag tekenen vóór de zitting.',
  recipients: [
    { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
    { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2, function: 'Voorzitter gemeenteraad' },
  ],
  send: true,
};

function expectPage(res: request.Response, status: number): void {
  expect(res.status, res.text.slice(0, 500)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['referrer-policy']).to.equal('no-referrer');
  expect(res.headers['x-robots-tag']).to.match(/noindex/);
}

const csrfOf = (page: string, action: 'sign' | 'decline') => {
  const form = page.slice(page.indexOf(`/${action}"`));
  return /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
};

describe('signer pages /s/<token>', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  let organisation: Organisation;
  let rootPem: string;

  const api = () => ({ Authorization: `Bearer ${key}` });
  const sendEnvelope = async (envelope: Record<string, unknown> = twoSigners): Promise<string> => {
    const res = await request(app.url).post('/api/v1/envelopes').set(api()).field('envelope', JSON.stringify(envelope)).attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const getEnvelope = async (id: string) => (await request(app.url).get(`/api/v1/envelopes/${id}`).set(api()).expect(200)).body;
  const mailsTo = async (email: string, envelopeId: string): Promise<MailMessage[]> =>
    (await listOutbox(app.deps.db, organisation.id, { kind: 'mail' }))
      .map((row) => row.payload as MailMessage)
      .filter((m) => m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId);
  const linkFor = async (email: string, envelopeId: string): Promise<string> => {
    const tokens = (await mailsTo(email, envelopeId)).map((m) => LINK.exec(m.text)?.[1]).filter((t): t is string => !!t);
    expect(tokens, `a link mailed to ${email}`).to.not.be.empty;
    return tokens.at(-1)!;
  };
  const post = (token: string, action: 'sign' | 'decline', form: Record<string, string>, cookie?: string) => {
    const req = request(app.url).post(`/s/${token}/${action}`).type('form').send(form);
    return cookie ? req.set('Cookie', cookie) : req;
  };
  /** Opens the page, downloads each document (reading before signing, issue 12), ticks the box, posts; returns the answer and the form's CSRF token. */
  const signAs = async (token: string) => {
    const page = await request(app.url).get(`/s/${token}`);
    await downloadDocuments(app.url, `/s/${token}`);
    const csrf = csrfOf(page.text, 'sign');
    return { res: await post(token, 'sign', { consent: 'ja', _csrf: csrf }), csrf };
  };
  const receiptCookie = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('paraaf_receipt='))!.split(';')[0]!;

  before(async () => {
    const pki = await devPki();
    rootPem = pki.rootCertificate.toString();
    app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'x'.repeat(40) } });
    organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  });
  after(async () => {
    await app?.close();
  });

  describe('a two-signer envelope, signed through the pages', () => {
    let envelopeId: string;
    let token1: string;

    before(async () => {
      envelopeId = await sendEnvelope();
      token1 = await linkFor('an@zonnebeke.be', envelopeId);
    });

    it('shows the envelope in Dutch with both forms, and records the opening', async () => {
      const res = await request(app.url).get(`/s/${token1}`).set('User-Agent', 'Firefox/140 test');
      expectPage(res, 200);
      expect(res.headers['content-security-policy']).to.include("script-src 'self'");
      const page = res.text;
      expect(page).to.include('<html lang="nl">');
      expect(page).to.include('Besluit gemeenteraad &lt;12 mei&gt;').and.not.include('<12 mei>');
      expect(page).to.include('Gemeente Zonnebeke').and.include('Graag tekenen vóór de zitting.');
      expect(page).to.include('Ik heb de documenten gelezen en onderteken ze elektronisch').and.include('>Ondertekenen</button>').and.include('>Weigeren</button>');
      expect(page).to.match(/<input type="checkbox" id="consent" name="consent" value="ja" required>/);
      expect(page).to.match(/<textarea id="reason" name="reason"[^>]* required/);
      expect(page).to.include('class="skip-link" href="#main"').and.include('href="/assets/signer.css"');
      expect(page).to.include('Bart Claes').and.include('nog niet aan de beurt');
      expect(page).to.not.match(/<script(?! type="module" src="\/assets\/signer\.js"><\/script>)|style=/);
      const envelope = await getEnvelope(envelopeId);
      expect(envelope.recipients[0].status).to.equal('opened');
      const audit = (await request(app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(api())).body.events;
      expect(audit.find((e: { action: string }) => e.action === 'link.opened').userAgent).to.be.a('string');

      const css = await request(app.url).get('/assets/signer.css').expect(200);
      expect(css.headers['content-type']).to.match(/^text\/css/);
    });

    it('switches to French with ?lang=fr and remembers it in a cookie', async () => {
      const res = await request(app.url).get(`/s/${token1}?lang=fr`);
      expectPage(res, 200);
      expect(res.text).to.include('<html lang="fr">').and.include('J’ai lu les documents et je les signe électroniquement');
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('paraaf_lang=fr'));
      expect(cookie).to.match(/Path=\/s; .*HttpOnly; SameSite=Lax; Secure/);
      const again = await request(app.url).get(`/s/${token1}`).set('Cookie', 'paraaf_lang=fr');
      expect(again.text).to.include('<html lang="fr">').and.include('>Signer</button>');
      const english = await request(app.url).get(`/s/${token1}?lang=en`);
      expect(english.text).to.include('<html lang="en">').and.include('>Sign</button>');
    });

    it('offers the current PDF as a download', async () => {
      const envelope = await getEnvelope(envelopeId);
      const res = await request(app.url).get(`/s/${token1}/documents/${envelope.documents[0].id}`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/pdf');
      expect(res.headers['content-disposition']).to.match(/^attachment; filename="?besluit\.pdf"?$/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect((res.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
      expectPage(await request(app.url).get(`/s/${token1}/documents/${randomUUID()}`), 404);
    });

    it('refuses to sign without consent (400, announced) and with a wrong CSRF token (403)', async () => {
      const page = (await request(app.url).get(`/s/${token1}`)).text;
      const noConsent = await post(token1, 'sign', { _csrf: csrfOf(page, 'sign') });
      expectPage(noConsent, 400);
      expect(noConsent.text).to.match(/role="alert"[^>]*>Vink het vakje aan/);
      expect(noConsent.text).to.include('aria-invalid="true" aria-describedby="consent-error"');
      const wrong = await post(token1, 'sign', { consent: 'ja', _csrf: csrfOf(page, 'decline') });
      expectPage(wrong, 403);
      expect(wrong.text).to.include('Het formulier is verlopen');
      expectPage(await post(token1, 'sign', { consent: 'ja' }), 403);
      const envelope = await getEnvelope(envelopeId);
      expect(envelope.recipients[0].status).to.equal('opened');
      expect(envelope.documents[0].currentRevision.kind).to.equal('prepared');
    });

    it('signs with consent: 303 to the result page, signer 2 gets a mail; signing twice shows the result', async () => {
      const { res, csrf } = await signAs(token1);
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`/s/${token1}/done`);
      const receipt = receiptCookie(res);
      const done = await request(app.url).get(`/s/${token1}/done`).set('Cookie', receipt);
      expectPage(done, 200);
      expect(done.text).to.include('U hebt ondertekend').and.include('Nog niet iedereen heeft ondertekend');
      const envelope = await getEnvelope(envelopeId);
      expect(envelope.recipients.map((r: { status: string }) => r.status)).to.deep.equal(['signed', 'sent']);
      expect(await mailsTo('bart@zonnebeke.be', envelopeId)).to.have.length(1);

      // The link page now shows the result, without forms; posting the old form again changes nothing.
      const page = await request(app.url).get(`/s/${token1}`);
      expectPage(page, 200);
      expect(page.text).to.include('U hebt ondertekend').and.not.include('<form');
      const again = await post(token1, 'sign', { consent: 'ja', _csrf: csrf });
      expect(again.status).to.equal(303);
      const after = await getEnvelope(envelopeId);
      expect(after.documents[0].currentRevision.seq).to.equal(envelope.documents[0].currentRevision.seq);
    });

    it('completes when signer 2 signs: the final PDF holds two valid signatures (verifyPdf, pdfsig)', async () => {
      const token2 = await linkFor('bart@zonnebeke.be', envelopeId);
      const { res, csrf } = await signAs(token2);
      expect(res.status).to.equal(303);
      const done = await request(app.url).get(`/s/${token2}/done`).set('Cookie', receiptCookie(res));
      expectPage(done, 200);
      expect(done.text).to.include('Iedereen heeft ondertekend');
      const envelope = await getEnvelope(envelopeId);
      expect(envelope.status).to.equal('completed');

      const download = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${envelope.documents[0].id}`).set(api()).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      const pdf = download.body as Buffer;
      const report = await verifyPdf(pdf, { trustAnchors: [app.deps.trustAnchors[0]!] });
      expect(report.verdict, JSON.stringify(report.signatures.map((s) => s.problems))).to.equal('valid');
      // Two signatures and the archive timestamp of the completion (PAdES B-LTA).
      expect(report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161')).to.have.length(2);
      expect(report.signatures.filter((s) => s.subFilter === 'ETSI.RFC3161')).to.have.length(1);
      const file = path.join(app.dataDir, 'final.pdf');
      await fs.writeFile(file, pdf);
      const checked = await pdfsig(file, [rootPem]);
      const signed = checked.signatures.filter((s) => s.signatureValid);
      expect(signed, checked.stdout).to.have.length(2);
      for (const s of signed) expect(s.certificateTrusted, checked.stdout).to.equal(true);

      // After completion the link itself answers 410 and says why; the receipt still serves the downloads.
      const gone = await request(app.url).get(`/s/${token2}`);
      expectPage(gone, 410);
      expect(gone.text).to.include('De ondertekening is klaar').and.include('Gemeente Zonnebeke');
      const viaReceipt = await request(app.url).get(`/s/${token2}/documents/${envelope.documents[0].id}`).set('Cookie', receiptCookie(res));
      expect(viaReceipt.status).to.equal(200);
      // Signing twice is harmless: the result again.
      const twice = await post(token2, 'sign', { consent: 'ja', _csrf: csrf });
      expect(twice.status).to.equal(303);
      expectPage(await request(app.url).get(`/s/${token2}/done`).set('Cookie', receiptCookie(twice)), 200);
    });
  });

  describe('declining', () => {
    it('declines with a reason, confirmed in a second step: 303 to the declined page, the envelope is declined, the old link answers 410', async () => {
      const envelopeId = await sendEnvelope();
      const token = await linkFor('an@zonnebeke.be', envelopeId);
      const page = (await request(app.url).get(`/s/${token}`)).text;
      const empty = await post(token, 'decline', { reason: '   ', _csrf: csrfOf(page, 'decline') });
      expectPage(empty, 400);
      expect(empty.text).to.match(/role="alert"[^>]*>Schrijf de reden/).and.include('aria-invalid="true"');

      // First step: a confirmation page that repeats the reason; nothing is declined yet.
      const confirm = await post(token, 'decline', { reason: 'Het bedrag klopt niet.', _csrf: csrfOf(page, 'decline') });
      expectPage(confirm, 200);
      expect(confirm.text).to.include('Wilt u echt weigeren?').and.include('Het bedrag klopt niet.').and.include('>Ja, weigeren</button>');
      expect((await getEnvelope(envelopeId)).status).to.not.equal('declined');
      const confirmCsrf = /name="_csrf" value="([^"]+)"/.exec(confirm.text.slice(confirm.text.indexOf('/decline/confirm"')))![1]!;
      // The first form's token does not confirm, and the confirmation needs its reason.
      const confirmUrl = `/s/${token}/decline/confirm`;
      expectPage(await request(app.url).post(confirmUrl).type('form').send({ reason: 'Het bedrag klopt niet.', _csrf: csrfOf(page, 'decline') }), 403);
      expectPage(await request(app.url).post(confirmUrl).type('form').send({ reason: ' ', _csrf: confirmCsrf }), 400);
      expect((await getEnvelope(envelopeId)).status).to.not.equal('declined');

      const res = await request(app.url).post(confirmUrl).type('form').send({ reason: 'Het bedrag klopt niet.', _csrf: confirmCsrf });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`/s/${token}/declined`);
      const declined = await request(app.url).get(`/s/${token}/declined`).set('Cookie', receiptCookie(res));
      expectPage(declined, 200);
      expect(declined.text).to.include('U hebt geweigerd').and.include('Het bedrag klopt niet.');
      const envelope = await getEnvelope(envelopeId);
      expect(envelope.status).to.equal('declined');
      expect(envelope.recipients[0].declineReason).to.equal('Het bedrag klopt niet.');

      const gone = await request(app.url).get(`/s/${token}?lang=en`);
      expectPage(gone, 410);
      expect(gone.text).to.include('<html lang="en">').and.include('Someone declined to sign').and.include('contact Gemeente Zonnebeke');
      expectPage(await post(token, 'sign', { consent: 'ja', _csrf: csrfOf(page, 'sign') }), 410);
    });
  });

  describe('the organisation logo in the header', () => {
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    let withLogo: Organisation;
    let logoKey: string;
    let sha256: string;

    before(async () => {
      withLogo = await createOrganisation(app.deps.db, { slug: `logo-${randomUUID().slice(0, 8)}`, name: 'Stad <Ieper> & Co' });
      logoKey = (await createApiKey(app.deps.db, withLogo.id, { name: 'zaaksysteem' })).plaintext;
      sha256 = (await app.deps.blobs.put(png)).sha256;
      await app.deps.db('organisations').where({ id: withLogo.id }).update({ settings: JSON.stringify({ logo: { sha256, contentType: 'image/png', size: png.length } }) });
    });

    const sendAs = async (apiKey: string): Promise<string> => {
      const res = await request(app.url)
        .post('/api/v1/envelopes')
        .set({ Authorization: `Bearer ${apiKey}` })
        .field('envelope', JSON.stringify({ title: 'Besluit met logo', recipients: [{ name: 'Lien Logo', email: 'lien@ieper.be', role: 'signer', order: 1 }], send: true }))
        .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const rows = (await listOutbox(app.deps.db, withLogo.id, { kind: 'mail' }))
        .map((row) => row.payload as MailMessage)
        .filter((m) => m.headers?.['X-Paraaf-Envelope'] === res.body.id);
      return LINK.exec(rows.at(-1)!.text)![1]!;
    };

    it('shows the logo from /s/<token>/logo with the organisation name as alt text, and serves it cacheably and CSP-safe', async () => {
      const token = await sendAs(logoKey);
      const page = await request(app.url).get(`/s/${token}`);
      expectPage(page, 200);
      expect(page.text).to.include(`<img src="/s/${token}/logo" alt="Stad &lt;Ieper&gt; &amp; Co" class="logo">`);
      expect(page.headers['content-security-policy']).to.match(/img-src 'self'/);
      expect(page.text).to.not.include(withLogo.id).and.not.include(sha256);

      const logo = await request(app.url).get(`/s/${token}/logo`).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(logo.status).to.equal(200);
      expect(logo.headers['content-type']).to.match(/^image\/png/);
      expect(Buffer.compare(logo.body as Buffer, png)).to.equal(0);
      expect(logo.headers['cache-control']).to.equal('private, max-age=3600');
      expect(logo.headers['x-content-type-options']).to.equal('nosniff');
      expect(logo.headers['content-security-policy']).to.include('sandbox');
      expect(logo.headers.etag).to.equal(`"${sha256}"`);
      const again = await request(app.url).get(`/s/${token}/logo`).set('If-None-Match', `"${sha256}"`);
      expect(again.status).to.equal(304);
    });

    it('has no logo for an organisation without one, and none for unknown links: another organisation’s logo is never served', async () => {
      const envelopeId = await sendEnvelope();
      const token = await linkFor('an@zonnebeke.be', envelopeId);
      const page = await request(app.url).get(`/s/${token}`);
      expectPage(page, 200);
      expect(page.text).to.not.include('/logo"').and.not.include('<img');
      expect((await request(app.url).get(`/s/${token}/logo`)).status).to.equal(404);
      expect((await request(app.url).get(`/s/unknown${'L'.repeat(40)}/logo`)).status).to.equal(404);
      expect((await request(app.url).get('/s/short/logo')).status).to.equal(404);
    });
  });

  describe('links that do not work', () => {
    it('answers 404 for an unknown or malformed token', async () => {
      const token = `unknown${'A'.repeat(40)}`;
      const res = await request(app.url).get(`/s/${token}`);
      expectPage(res, 404);
      expect(res.text).to.include('Deze link bestaat niet');
      expectPage(await request(app.url).get('/s/short'), 404);
    });

    it('answers 410 for the link of a cancelled envelope, naming the organisation', async () => {
      const envelopeId = await sendEnvelope();
      const token = await linkFor('an@zonnebeke.be', envelopeId);
      await request(app.url).post(`/api/v1/envelopes/${envelopeId}/cancel`).set(api()).send({ reason: 'Agendapunt verdaagd' }).expect(200);
      const res = await request(app.url).get(`/s/${token}`);
      expectPage(res, 410);
      expect(res.text).to.include('De ondertekening is ingetrokken').and.include('contact op met Gemeente Zonnebeke');
    });
  });

  describe('rate limit', () => {
    let limited: TestApp;
    before(async () => {
      limited = await bootstrap({ env: { BASE_URL, SIGNER_RATE_LIMIT: '3' } });
    });
    after(async () => {
      await limited?.close();
    });

    it('answers 429 with Retry-After once an IP has used its link lookups', async () => {
      const token = `guess${'B'.repeat(40)}`;
      for (let i = 0; i < 3; i++) expectPage(await request(limited.url).get(`/s/${token}${i}`), 404);
      const res = await request(limited.url).get(`/s/${token}`);
      expectPage(res, 429);
      expect(Number(res.headers['retry-after'])).to.be.within(1, 60);
      expect(res.text).to.include('Even geduld');
    });

    it('limits the sign request too, which takes its token while it reads its link: over the limit, nothing is signed', async () => {
      const pki = await devPki();
      const signing = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '6', SIGNER_SECRET: 'y'.repeat(40) } });
      try {
        const org = await createOrganisation(signing.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Heuvelland' });
        const apiKey = (await createApiKey(signing.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
        const created = await request(signing.url)
          .post('/api/v1/envelopes')
          .set({ Authorization: `Bearer ${apiKey}` })
          .field('envelope', JSON.stringify(twoSigners))
          .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' })
          .expect(201);
        const mail = (await listOutbox(signing.deps.db, org.id, { kind: 'mail' })).map((row) => row.payload as MailMessage).find((m) => m.to.email === 'an@zonnebeke.be')!;
        const token = LINK.exec(mail.text)![1]!;
        const page = await request(signing.url).get(`/s/${token}`);
        await downloadDocuments(signing.url, `/s/${token}`);
        // Spend what is left of the budget on lookups, then post the sign form.
        let lookups = 0;
        while ((await request(signing.url).get(`/s/guess${'C'.repeat(40)}${lookups}`)).status !== 429) lookups += 1;
        const res = await request(signing.url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrfOf(page.text, 'sign') });
        expectPage(res, 429);
        expect(Number(res.headers['retry-after'])).to.be.within(1, 60);
        const envelope = (await request(signing.url).get(`/api/v1/envelopes/${created.body.id}`).set({ Authorization: `Bearer ${apiKey}` }).expect(200)).body;
        expect(envelope.recipients.map((r: { status: string }) => r.status)).to.not.include('signed');
        expect(envelope.status).to.not.equal('completed');
      } finally {
        await signing.close();
      }
    });
  });
});
