/**
 * The optional second factor (issue 4): an envelope with `requireCode` asks the signer to have
 * a 6-digit code mailed (through the real SMTP server of the e2e harness) and to type it on the
 * sign form. Wrong codes count, five kill the code, an expired or replaced code is refused.
 */
import { expect } from 'chai';
import request from 'supertest';
import { verifyPdf } from '../../../src/pades/index.ts';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const UA = 'Mozilla/5.0 (otp test) Firefox/140';
const formCsrf = (page: string, action: string): string => {
  const at = page.indexOf(`/${action}"`);
  expect(at, `a form posting to /${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(at))![1]!;
};

describe('signer pages: a code by e-mail before signing', function () {
  this.timeout(120_000);
  let e2e: E2E;
  let n = 0;

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  /** A one-signer envelope that requires a code; answers its id and the signer's token. */
  const envelopeWithCode = async (email: string) => {
    n += 1;
    const title = `Besluit met code ${n}`;
    const res = await e2e.createEnvelope({ title, requireCode: true, send: true, recipients: [{ name: 'An Peeters', email, role: 'signer' }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.requireCode).to.equal(true);
    await e2e.deliver();
    const mail = await e2e.theMail(res.body.id, email, 'signRequest');
    return { id: res.body.id as string, token: mail.token!, title };
  };
  const page = (token: string) => request(e2e.app.url).get(`/s/${token}`).set('User-Agent', UA);
  const askCode = async (token: string) => {
    const res = await request(e2e.app.url).post(`/s/${token}/code`).set('User-Agent', UA).type('form').send({ _csrf: formCsrf((await page(token)).text, 'code') });
    return res;
  };
  /** Asks for a code and reads it from the mail that arrives. */
  const mailedCode = async (envelopeId: string, email: string): Promise<string> => {
    const before = (await e2e.mails({ envelopeId, to: email })).length;
    const res = await askCode((await e2e.mails({ envelopeId, to: email })).find((m) => m.token)!.token!);
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    await e2e.deliver();
    const mails = await e2e.mails({ envelopeId, to: email });
    expect(mails.length).to.equal(before + 1);
    const mail = mails.at(-1)!;
    expect(mail.subject).to.match(/^Uw code om te ondertekenen: /);
    const code = /Uw code:\s*(?:> )?(\d{6})/.exec(mail.text)?.[1];
    expect(code, mail.text).to.be.a('string');
    return code!;
  };
  const sign = async (token: string, code: string | undefined) => {
    // Reading before signing (issue 12): without JavaScript, the signer downloads each document first.
    await downloadDocuments(e2e.app.url, `/s/${token}`, { 'User-Agent': UA });
    const form: Record<string, string> = { consent: 'ja', _csrf: formCsrf((await page(token)).text, 'sign') };
    if (code !== undefined) form.code = code;
    return request(e2e.app.url).post(`/s/${token}/sign`).set('User-Agent', UA).type('form').send(form);
  };
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('mails a code, refuses a missing or wrong one, signs with the right one and records it all', async () => {
    const { id, token } = await envelopeWithCode('an.otp@zonnebeke.be');
    const first = await page(token);
    expect(first.status).to.equal(200);
    expect(first.text).to.include('>Stuur mij een code</button>').and.include('id="code-input"').and.include('autocomplete="one-time-code"');
    expect(first.text).to.not.match(/<script(?! type="module" src="\/assets\/signer\.js"><\/script>)|style=/);

    const missing = await sign(token, undefined);
    expect(missing.status).to.equal(400);
    expect(missing.text).to.include('role="alert"').and.include('Typ de code uit de e-mail.').and.include('aria-describedby="code-error"');
    expect(missing.text).to.include('<title>Fout: ');

    const code = await mailedCode(id, 'an.otp@zonnebeke.be');
    const shown = await page(token);
    expect(shown.text).to.include('We hebben een code gemaild naar an.otp@zonnebeke.be').and.include('>Stuur mij een nieuwe code</button>');
    const stored = await e2e.app.deps.db('signing_codes').select('code_sha256');
    expect(JSON.stringify(stored)).to.not.include(code);

    const bad = await sign(token, wrong(code));
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('Deze code klopt niet. U kunt het nog 4 keer proberen.');

    const good = await sign(token, code);
    expect(good.status, good.text.slice(0, 300)).to.equal(303);
    const envelope = await e2e.getEnvelope(id);
    expect(envelope.status).to.equal('completed');
    const pdf = await e2e.downloadCurrent(id, envelope.documents[0]!.id);
    const report = await verifyPdf(pdf, { trustAnchors: [e2e.app.deps.trustAnchors[0]!] });
    expect(report.verdict).to.equal('valid');

    const events = await e2e.audit(id);
    const sent = events.find((e) => e.action === 'code.sent')!;
    const verified = events.find((e) => e.action === 'code.verified')!;
    expect(sent.details).to.include({ purpose: 'link' });
    expect(sent.userAgent).to.equal(UA);
    expect(sent.ip).to.be.a('string');
    expect(verified.details).to.include({ failedAttempts: 1, codeId: sent.details.codeId });
    expect(verified.userAgent).to.equal(UA);
    expect(events.findIndex((e) => e.action === 'code.verified')).to.be.lessThan(events.findIndex((e) => e.action === 'recipient.signed'));
    expect(events.some((e) => e.action === 'mail.queued' && e.details.mail === 'signingCode')).to.equal(true);
  });

  it('kills a code after five wrong attempts; a new code works', async () => {
    const { id, token } = await envelopeWithCode('an.five@zonnebeke.be');
    const code = await mailedCode(id, 'an.five@zonnebeke.be');
    for (let i = 1; i <= 4; i++) expect((await sign(token, wrong(code))).text).to.include(`nog ${5 - i} keer`);
    const fifth = await sign(token, wrong(code));
    expect(fifth.status).to.equal(400);
    expect(fifth.text).to.include('U typte 5 keer een verkeerde code. Deze code werkt niet meer. Vraag een nieuwe code.');
    const dead = await sign(token, code);
    expect(dead.status).to.equal(400);
    expect(dead.text).to.include('Deze code werkt niet meer');
    expect((await e2e.getEnvelope(id)).status).to.not.equal('completed');

    const fresh = await mailedCode(id, 'an.five@zonnebeke.be');
    expect((await sign(token, fresh)).status).to.equal(303);
    const verified = (await e2e.audit(id)).find((e) => e.action === 'code.verified')!;
    expect(verified.details.failedAttempts).to.equal(0);
  });

  it('refuses an expired code and a replaced one, and limits code requests to 3 per 10 minutes', async () => {
    const { id, token } = await envelopeWithCode('an.expired@zonnebeke.be');
    const old = await mailedCode(id, 'an.expired@zonnebeke.be');
    await e2e.app.deps.db('signing_codes').update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const expired = await sign(token, old);
    expect(expired.status).to.equal(400);
    expect(expired.text).to.include('Deze code is verlopen. Vraag een nieuwe code.');

    const second = await mailedCode(id, 'an.expired@zonnebeke.be');
    const third = await mailedCode(id, 'an.expired@zonnebeke.be');
    if (second !== third) {
      const replaced = await sign(token, second);
      expect(replaced.status).to.equal(400);
      expect(replaced.text).to.include('Deze code klopt niet.');
    }
    const limited = await askCode(token);
    expect(limited.status).to.equal(429);
    expect(limited.text).to.include('U vroeg al 3 codes in 10 minuten.');

    expect((await sign(token, third)).status).to.equal(303);
  });

  it('takes the default from the organisation setting requireCode', async () => {
    await e2e.app.deps.db('organisations').where({ id: e2e.organisation.id }).update({ settings: JSON.stringify({ requireCode: true }) });
    try {
      const res = await e2e.createEnvelope({ title: 'Standaard met code', recipients: [{ name: 'An', email: 'an.org@zonnebeke.be', role: 'signer' }] });
      expect(res.status).to.equal(201);
      expect(res.body.requireCode).to.equal(true);
      const off = await e2e.createEnvelope({ title: 'Uitdrukkelijk zonder', requireCode: false, recipients: [{ name: 'An', email: 'an.org@zonnebeke.be', role: 'signer' }] });
      expect(off.body.requireCode).to.equal(false);
    } finally {
      await e2e.app.deps.db('organisations').where({ id: e2e.organisation.id }).update({ settings: JSON.stringify({}) });
    }
  });
});
