/**
 * Qualified signatures in a real browser (issue 13): Debian's Chromium against the real app, a
 * test double of the Web eID extension (test/helpers/web-eid-double.ts) whose "card" is a key in
 * a SoftHSM2 token shaped like a Belgian eID (test/helpers/eid-card.ts), and a CSC API v2 test
 * server (test/helpers/csc-server.ts) whose consent page the signer clicks through. The app trusts
 * both issuing CAs through an ETSI TS 119 612 trusted list file (TRUST_LIST_FILES), as a
 * deployment would with the Belgian list.
 *
 * Every state is screenshotted (test-artifacts/screenshots/qualified-*.png) and checked with axe;
 * every PDF is judged by our verifier, pdfsig (trusting our root and the foreign root), qpdf and
 * openssl cms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import request from 'supertest';
import { fixture } from '../integration/api/helpers.ts';
import { expectAllValid } from '../integration/engine/check.ts';
import { BASE_URL, startE2E, type E2E } from '../integration/e2e/harness.ts';
import { startCscServer, type CscTestServer } from '../helpers/csc-server.ts';
import { createEidCard, type EidCard } from '../helpers/eid-card.ts';
import { startForeignCaResponder, type ForeignCaResponder } from '../helpers/foreign-ca-responder.ts';
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.ts';
import { trustListXml } from '../helpers/trust-list-xml.ts';
import { installWebEidDouble, type WebEidDouble, type WebEidDoubleOptions } from '../helpers/web-eid-double.ts';
import { checkState, downloadUnread, focusIndicator, launchBrowser, newPage, SCREENSHOT_DIR } from './helpers.ts';

const CONSENT = 'Ik heb de documenten gelezen en onderteken ze elektronisch';
const EID_BUTTON = 'Ondertekenen met eID';
const PROVIDER = 'Test QTSP';
const DIRECTOR = { name: 'Jan Peeters', function: 'Algemeen directeur' };
const CHAIR = { name: 'Els Vermeulen', function: 'Voorzitter gemeenteraad' };
const PHONE: BrowserContextOptions = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

describe('qualified signatures in a real browser (Chromium, Web eID double, CSC test server)', function () {
  this.timeout(120_000);
  let softHsm: SoftHsm;
  let responder: ForeignCaResponder;
  let qtspResponder: ForeignCaResponder;
  let card: EidCard;
  let csc: CscTestServer;
  let e2e: E2E;
  let browser: Browser;
  let dir: string;
  let n = 0;

  before(async function () {
    this.timeout(240_000);
    softHsm = createSoftHsm();
    // SoftHSM2 sees only the tokens that exist when the process first opens one: the QTSP's first, then the card's.
    const qtspToken = softHsm.initToken('QTSP');
    responder = await startForeignCaResponder();
    card = await createEidCard({ softHsm, variant: 'ecdsa-p384', name: { given: 'Jan', surname: 'Peeters' }, ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl, caIssuersUrl: responder.caIssuersUrl });
    responder.setIssuer(card.citizenCaDer, card.citizenCaKey);
    qtspResponder = await startForeignCaResponder();
    const pointers = { ocspUrl: qtspResponder.ocspUrl, crlUrl: qtspResponder.crlUrl, caIssuersUrl: qtspResponder.caIssuersUrl };
    csc = await startCscServer({ softHsm, token: qtspToken, id: 'testqtsp', name: PROVIDER, signer: { given: 'Jan', surname: 'Peeters' }, ...pointers });
    qtspResponder.setIssuer(csc.ca.der, csc.ca.key);
    dir = mkdtempSync(path.join(tmpdir(), 'paraaf-qualified-'));
    const trustList = path.join(dir, 'tsl.xml');
    writeFileSync(
      trustList,
      trustListXml({
        tsp: 'Test trust service providers',
        services: [
          { name: 'Test Citizen CA', type: 'CA/QC', status: 'granted', certificates: [card.citizenCaDer] },
          // The QTSP's certificates carry no QCStatements: the list says what they are (TS 119 612 §5.5.9.2 Qualifications).
          { name: 'Test QTSP Qualified CA', type: 'CA/QC', status: 'granted', certificates: [csc.ca.der], qualifiers: ['QCStatement', 'QCWithQSCD', 'QCForESig'] },
        ],
      }),
    );
    [e2e, browser] = await Promise.all([startE2E({ env: { TRUST_LIST_FILES: trustList, CSC_PROVIDERS: JSON.stringify([csc.provider]), REVOCATION_TIMEOUT_MS: '5000' } }), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await e2e?.close();
    await csc?.close();
    await card?.close();
    await responder?.close();
    await qtspResponder?.close();
    softHsm?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** An envelope sent over the API; answers its id, title and each signer's link (from the mails as they go out). */
  const envelopeWith = async (recipients: Array<Record<string, unknown>>, title = `Besluit college punt ${++n}`) => {
    const res = await e2e.createEnvelope({ title, send: true, recipients });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    await e2e.deliver();
    return { id: res.body.id as string, title };
  };
  const linkOf = async (envelopeId: string, email: string) => `${e2e.app.url}/s/${(await e2e.theMail(envelopeId, email, 'signRequest')).token}`;
  const statusOf = async (envelopeId: string, email: string) => (await e2e.getEnvelope(envelopeId)).recipients.find((r) => r.email === email)!.status;
  /** Reading before signing (issue 12): the signer downloads every document still unread, then sees the page as the server has it. */
  const open = async (page: Page, url: string, status = 200) => {
    const res = await page.goto(url);
    expect(res?.status(), url).to.equal(status);
    if (status === 200) await downloadUnread(page);
  };
  /** A signer's browser with (or without) the extension; the app's mails and redirects name BASE_URL, which is this app. */
  const signerPage = async (options: WebEidDoubleOptions, context: BrowserContextOptions = {}) => {
    const opened = await newPage(browser, context);
    await opened.context.route(`${BASE_URL}/**`, (route) => route.fulfill({ status: 302, headers: { Location: route.request().url().replace(BASE_URL, e2e.app.url) } }));
    const double = await installWebEidDouble(opened.page, options);
    return { ...opened, double };
  };
  /** Waits for a URL; when it does not come, the failure says where the browser is and what the page says. */
  const arrive = async (page: Page, url: RegExp | ((url: URL) => boolean)) => {
    try {
      await page.waitForURL(url, { timeout: 30_000 });
    } catch (error) {
      const text = await page.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      throw new Error(`${(error as Error).message.split('\n')[0]}\nat ${page.url()}:\n${text}`);
    }
  };
  const qualifiedSigner = (email: string) => ({ name: DIRECTOR.name, email, role: 'signer', order: 1, function: DIRECTOR.function, signatureLevel: 'qualified' });

  /** A one-signer envelope at the qualified level and its signer's browser on the link page, closed after `body`. */
  const onQualifiedPage = async (
    email: string,
    options: WebEidDoubleOptions & { context?: BrowserContextOptions; blockScript?: boolean },
    body: (opened: { page: Page; double: WebEidDouble; envelopeId: string; url: string }) => Promise<void>,
  ) => {
    const envelope = await envelopeWith([qualifiedSigner(email)]);
    const { context, page, double } = await signerPage(options, options.context);
    // As a browser that does not run it (old, blocked, or JavaScript off): the plain forms must do.
    if (options.blockScript) await context.route('**/assets/web-eid.js', (route) => route.abort());
    try {
      const url = await linkOf(envelope.id, email);
      await open(page, url);
      await body({ page, double, envelopeId: envelope.id, url });
    } finally {
      await context.close();
    }
  };

  for (const [label, context] of [['desktop', {}], ['375', PHONE]] as const) {
    it(`mixed envelope at ${label}: the director signs with the eID card, then the chair with a one-shot certificate; the PDF is valid for pdfsig, qpdf and openssl`, async () => {
      const director = `jan.${label}@zonnebeke.be`;
      const chair = `els.${label}@zonnebeke.be`;
      const envelope = await envelopeWith([qualifiedSigner(director), { name: CHAIR.name, email: chair, role: 'signer', order: 2, function: CHAIR.function }]);

      let release!: () => void;
      let pinDialog!: () => void;
      const dialogOpen = new Promise<void>((resolve) => (pinDialog = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { context: ctx, page, double } = await signerPage({ card, beforeSign: async () => (pinDialog(), gate) }, context);
      try {
        await open(page, await linkOf(envelope.id, director));
        await page.getByRole('heading', { level: 2, name: 'Ondertekenen met een gekwalificeerde handtekening' }).waitFor();
        expect(await page.locator('#qualified-explain').textContent()).to.equal(
          `Dit document vraagt een gekwalificeerde handtekening: met uw eID-kaart (kaartlezer en de Web eID-software) of via ${PROVIDER}.`,
        );
        expect(await page.getByRole('button', { name: 'Ondertekenen', exact: true }).count(), 'no one-shot button').to.equal(0);
        await page.getByRole('button', { name: `Ondertekenen via ${PROVIDER}` }).waitFor();
        await page.getByRole('button', { name: EID_BUTTON }).waitFor();
        await checkState(page, `qualified-link-${label}`);

        await page.getByRole('button', { name: EID_BUTTON }).click();
        // Either the card is asked for its PIN, or the page announces why not (then the test says what it said).
        const refused = page.locator('#web-eid-problem p').first().waitFor().then(async () => `the page said: ${await page.locator('#web-eid-problem').textContent()}`);
        const outcome = await Promise.race([dialogOpen.then(() => 'pin'), refused]);
        expect(outcome).to.equal('pin');
        const status = page.getByRole('status').filter({ hasText: 'U ondertekent als' });
        expect(await status.textContent()).to.equal('U ondertekent als Jan Peeters. Pincode ingeven: document 1 van 1');
        await checkState(page, `qualified-pin-${label}`);
        release();
        await page.waitForURL(/\/done$/);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt ondertekend');
        await checkState(page, `qualified-done-${label}`);
        expect(double.signatures, 'one PIN entry for one document').to.equal(1);
        expect(double.requests.map((r) => r.action)).to.deep.equal(['web-eid:get-signing-certificate', 'web-eid:sign']);
        expect(double.requests[1]!.hashFunction).to.equal('SHA-384');
        expect(await statusOf(envelope.id, director)).to.equal('signed');
      } finally {
        release?.();
        await ctx.close();
      }

      await e2e.deliver();
      const second = await newPage(browser, context);
      try {
        await open(second.page, await linkOf(envelope.id, chair));
        await second.page.getByRole('checkbox', { name: CONSENT }).check();
        await second.page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
        await second.page.waitForURL(/\/done$/);
        await checkState(second.page, `qualified-mixed-chair-done-${label}`);
      } finally {
        await second.context.close();
      }

      const after = await e2e.getEnvelope(envelope.id);
      expect(after.status).to.equal('completed');
      const pdf = await e2e.downloadCurrent(envelope.id, after.documents[0]!.id);
      const checked = await expectAllValid(pdf, [e2e.rootPem, card.rootPem], { count: 2, label: `mixed ${label}` });
      expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal(['Jan Peeters (Signature)', CHAIR.name]);
      const actions = (await e2e.audit(envelope.id)).map((e) => e.action);
      expect(actions).to.include.members(['signing.certificate_presented', 'signing.prepared', 'envelope.completed']);
      expect(actions.filter((a) => a === 'recipient.signed')).to.have.length(2);
    });
  }

  it('two documents: one PIN entry each ("document 2 van 2"), and both PDFs carry a valid eID signature', async () => {
    const email = 'jan.twee@zonnebeke.be';
    const res = await request(e2e.app.url)
      .post('/api/v1/envelopes')
      .set(e2e.auth())
      .field('envelope', JSON.stringify({ title: 'Besluit met bijlage', send: true, recipients: [qualifiedSigner(email)] }))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' })
      .attach('documents', fixture('multipage-decision.pdf'), { filename: 'bijlage.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    await e2e.deliver();
    const said: string[] = [];
    const opened: { page?: Page } = {};
    const { context, page, double } = await signerPage({ card, beforeSign: async () => void said.push((await opened.page!.locator('#web-eid-status').textContent()) ?? '') });
    opened.page = page;
    try {
      await open(page, await linkOf(envelopeId, email));
      await page.getByRole('button', { name: EID_BUTTON }).click();
      await arrive(page, /\/done$/);
      expect(said).to.deep.equal(['U ondertekent als Jan Peeters. Pincode ingeven: document 1 van 2', 'U ondertekent als Jan Peeters. Pincode ingeven: document 2 van 2']);
      expect(double.signatures).to.equal(2);
    } finally {
      await context.close();
    }
    const after = await e2e.getEnvelope(envelopeId);
    expect(after.status).to.equal('completed');
    for (const document of after.documents) {
      const pdf = await e2e.downloadCurrent(envelopeId, document.id);
      const checked = await expectAllValid(pdf, [e2e.rootPem, card.rootPem], { count: 1, label: document.name });
      expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal(['Jan Peeters (Signature)']);
    }
  });

  it('signs with the keyboard alone: Tab reaches "Ondertekenen met eID" with a visible focus ring, Enter signs', async () => {
    const email = 'jan.toetsenbord@zonnebeke.be';
    await onQualifiedPage(email, { card }, async ({ page, envelopeId }) => {
      await page.getByRole('button', { name: EID_BUTTON }).waitFor();
      let focused = await focusIndicator(page);
      for (let i = 0; i < 60 && `${focused.tag}:${focused.name}` !== `button:${EID_BUTTON}`; i++) {
        await page.keyboard.press('Tab');
        focused = await focusIndicator(page);
      }
      expect(`${focused.tag}:${focused.name}`, 'the eID button is reached with Tab').to.equal(`button:${EID_BUTTON}`);
      expect(focused.visible, `focus ring: ${focused.outline} / ${focused.boxShadow}`).to.equal(true);
      await checkState(page, 'qualified-keyboard-focus');
      await page.keyboard.press('Enter');
      await arrive(page, /\/done$/);
      expect(await statusOf(envelopeId, email)).to.equal('signed');
    });
  });

  it('without the extension: the page says where to get Web eID and names the other ways; nothing is signed', async () => {
    const email = 'jan.zonder@zonnebeke.be';
    await onQualifiedPage(email, { card: null, context: PHONE }, async ({ page, double, envelopeId }) => {
      await page.getByRole('button', { name: EID_BUTTON }).click();
      const alert = page.getByRole('alert');
      await alert.getByText('Uw browser vindt de Web eID-software niet').waitFor();
      expect(await alert.textContent()).to.include('Installeer Web eID via web-eid.eu').and.include(`Onderteken dan via ${PROVIDER}, of vraag hulp aan het secretariaat van Gemeente Zonnebeke.`);
      expect(await alert.getByRole('link', { name: 'web-eid.eu' }).getAttribute('href')).to.equal('https://web-eid.eu/');
      await checkState(page, 'qualified-no-extension-375');
      expect(double.requests.map((r) => r.action), 'the page asked, nobody answered').to.deep.equal(['web-eid:get-signing-certificate']);
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
      expect((await e2e.audit(envelopeId)).map((e) => e.action)).to.not.include('signing.certificate_presented');
    });
  });

  it('the signer cancels in the PIN dialog: announced, nothing prepared or signed, and the button works again', async () => {
    const email = 'jan.stopt@zonnebeke.be';
    await onQualifiedPage(email, { card, cancel: true }, async ({ page, double, envelopeId }) => {
      await page.getByRole('button', { name: EID_BUTTON }).click();
      await page.getByRole('alert').getByText('U hebt het ondertekenen gestopt. Er werd niets ondertekend.').waitFor();
      await checkState(page, 'qualified-cancelled');
      const button = page.getByRole('button', { name: EID_BUTTON });
      expect(await button.getAttribute('aria-disabled'), 'the button works again').to.equal(null);
      expect(await button.evaluate((el) => el === document.activeElement), 'the focus stayed on the button').to.equal(true);
      expect(double.signatures).to.equal(0);
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
      const actions = (await e2e.audit(envelopeId)).map((e) => e.action);
      expect(actions).to.not.include('signing.prepared');
      expect(actions).to.not.include('recipient.signed');
    });
  });

  it('says what went wrong at the card or the software, each in its own words; nothing is signed', async () => {
    const email = 'jan.pech@zonnebeke.be';
    const double: WebEidDoubleOptions = { card, failure: null };
    const cases = [
      { failure: { on: 'sign', code: 'ERR_WEBEID_NATIVE_FATAL', message: 'PIN blocked' }, text: 'Uw pincode is geblokkeerd. Er werd niets ondertekend.' },
      { failure: { on: 'sign', code: 'ERR_WEBEID_NATIVE_FATAL', message: 'The card was removed from the reader' }, text: 'Uw eID-kaart kon niet gelezen worden.' },
      { failure: { on: 'get-signing-certificate', code: 'ERR_WEBEID_NATIVE_UNAVAILABLE', message: 'native app not found' }, text: 'De Web eID-software is niet volledig geïnstalleerd.' },
      { failure: { on: 'get-signing-certificate', code: 'ERR_WEBEID_VERSION_MISMATCH', message: 'update required' }, text: 'Uw Web eID-software is te oud.' },
      { failure: { on: 'sign', code: 'ERR_WEBEID_USER_TIMEOUT', message: 'no PIN entered' }, text: 'Het duurde te lang. Er werd niets ondertekend.' },
    ] as const;
    await onQualifiedPage(email, double, async ({ page, envelopeId }) => {
      for (const [index, { failure, text }] of cases.entries()) {
        double.failure = failure;
        await page.getByRole('button', { name: EID_BUTTON }).click();
        await page.getByRole('alert').getByText(text).waitFor();
        if (index === 0) await checkState(page, 'qualified-pin-blocked');
      }
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
      expect((await e2e.audit(envelopeId)).map((e) => e.action)).to.not.include('recipient.signed');
    });
  });

  it('a one-shot signature posted for a qualified step is refused with a page that says why (409)', async () => {
    const email = 'jan.oneshot@zonnebeke.be';
    await onQualifiedPage(email, { card: null }, async ({ page, envelopeId }) => {
      // What an old form or a hand-made post would send: the sign form's fields, with consent.
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/sign') && r.request().method() === 'POST'),
        page.locator('#web-eid').evaluate((section) => {
          const form = document.createElement('form');
          form.method = 'post';
          form.action = `${location.pathname}/sign`;
          for (const [name, value] of [['_csrf', (section as HTMLElement).dataset.csrf ?? ''], ['consent', 'ja']]) {
            const input = document.createElement('input');
            input.type = 'hidden';
            input.name = name;
            input.value = value;
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        }),
      ]);
      expect(response.status()).to.equal(409);
      await page.getByRole('heading', { level: 1, name: 'Dit kan nu niet' }).waitFor();
      expect(await page.locator('main').textContent()).to.include('Dit document vraagt een gekwalificeerde handtekening.');
      await checkState(page, 'qualified-one-shot-refused');
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
    });
  });

  it('with a mailed code: one code field serves the card; a wrong code is announced, the right one signs', async () => {
    const email = 'jan.code@zonnebeke.be';
    const res = await e2e.createEnvelope({ title: 'Besluit met code', send: true, requireCode: true, recipients: [qualifiedSigner(email)] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const envelopeId = res.body.id as string;
    await e2e.deliver();
    const { context, page, double } = await signerPage({ card });
    try {
      await open(page, await linkOf(envelopeId, email));
      await page.getByRole('button', { name: 'Stuur mij een code' }).click();
      await page.waitForURL(/#code$/);
      await e2e.deliver();
      const mail = (await e2e.mails({ envelopeId, to: email })).at(-1)!;
      const code = /Uw code:\s*(?:> )?(\d{6})/.exec(mail.text)![1]!;
      const field = page.getByLabel('Code uit de e-mail (6 cijfers)');
      await field.fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
      await page.getByRole('button', { name: EID_BUTTON }).click();
      await page.getByRole('alert').getByText('Deze code klopt niet').waitFor();
      expect(await field.getAttribute('aria-invalid'), 'the field says it is wrong').to.equal('true');
      expect(await field.evaluate((el) => el === document.activeElement), 'and has the focus').to.equal(true);
      await checkState(page, 'qualified-code-wrong');
      expect(double.signatures, 'nothing to sign before the code is right').to.equal(0);
      await field.fill(code);
      await page.getByRole('button', { name: EID_BUTTON }).click();
      await arrive(page, /\/done$/);
      expect(double.signatures).to.equal(1);
      expect(await statusOf(envelopeId, email)).to.equal('signed');
    } finally {
      await context.close();
    }
  });

  it('in a batch, a qualified envelope has no checkbox but says where to sign it; the others sign together', async () => {
    const email = 'jan.batch@zonnebeke.be';
    const qualified = await envelopeWith([qualifiedSigner(email)], 'Raad: punt 1 – gekwalificeerd');
    const plain = await envelopeWith([{ name: DIRECTOR.name, email, role: 'signer', function: DIRECTOR.function }], 'Raad: punt 2 – gewoon');
    const { context, page } = await signerPage({ card: null });
    try {
      await open(page, await linkOf(qualified.id, email));
      await page.getByRole('link', { name: 'Alles samen bekijken en ondertekenen' }).click();
      await page.waitForURL(/\/batch$/);
      // The batch's documents read too (issue 12).
      await open(page, page.url());
      expect(await page.getByRole('checkbox', { name: qualified.title }).count(), 'no checkbox for the qualified one').to.equal(0);
      expect(await page.getByRole('checkbox', { name: plain.title }).isChecked()).to.equal(true);
      const item = page.locator(`[data-envelope-id="${qualified.id}"]`);
      expect(await item.textContent()).to.include('Dit document vraagt een gekwalificeerde handtekening (eID-kaart of handtekening op afstand). U ondertekent het apart.');
      expect(await item.getByRole('link', { name: 'Apart ondertekenen' }).getAttribute('href')).to.match(/^\/s\/[^/]+$/);
      await checkState(page, 'qualified-batch');
      // A hand-made post of the qualified one to the script's route: refused, in words.
      const csrf = await page.locator('#batch-form input[name="_csrf"]').inputValue();
      const refused = await page.request.post(`${page.url()}/sign-one`, { form: { _csrf: csrf, consent: 'ja', envelope: qualified.id, total: '1', lang: 'nl' } });
      expect(refused.status()).to.equal(200);
      expect(await refused.json()).to.deep.include({
        signed: false,
        reason: 'qualified_signature_required',
        reasonText: 'Dit document vraagt een gekwalificeerde handtekening (eID-kaart of handtekening op afstand). Onderteken het apart via de link in de e-mail.',
      });
      await page.getByRole('checkbox', { name: 'Ik heb de gekozen documenten gelezen en onderteken ze elektronisch' }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.getByRole('heading', { level: 2, name: 'Ondertekend (1)' }).waitFor();
      expect(await statusOf(plain.id, email)).to.equal('signed');
      expect(await statusOf(qualified.id, email)).to.not.equal('signed');
    } finally {
      await context.close();
    }
  });

  it('speaks French and English on the qualified form too', async () => {
    const email = 'jan.talen@zonnebeke.be';
    await onQualifiedPage(email, { card: null }, async ({ page, url }) => {
      for (const [language, button, provider] of [['fr', 'Signer avec l’eID', `Signer via ${PROVIDER}`], ['en', 'Sign with eID', `Sign through ${PROVIDER}`]] as const) {
        await open(page, `${url}?lang=${language}`);
        await page.getByRole('button', { name: button }).waitFor();
        await page.getByRole('button', { name: provider }).waitFor();
        await checkState(page, `qualified-link-${language}`);
      }
    });
  });

  it('refuses what the routes cannot take with problem+json in the page\'s words, and the provider\'s "no" with a page', async () => {
    const email = 'jan.weigert@zonnebeke.be';
    await onQualifiedPage(email, { card: null }, async ({ page, envelopeId, url }) => {
      const csrf = (await page.locator('#web-eid').getAttribute('data-csrf'))!;
      const post = async (route: string, data: Record<string, unknown>, headers: Record<string, string> = { 'X-CSRF-Token': csrf }) => {
        const res = await page.request.post(`${url}/qualified/web-eid/${route}`, { data: { ...data, lang: 'nl' }, headers });
        expect(res.headers()['content-type']).to.match(/^application\/problem\+json/);
        return { status: res.status(), body: (await res.json()) as { code: string; text: string } };
      };
      const certificate = card.signatureCertDer.toString('base64');
      expect(await post('certificate', { certificate }, {})).to.deep.include({ status: 403 });
      expect((await post('certificate', { certificate }, {})).body).to.include({ code: 'csrf_invalid', text: 'Uw keuze is niet bewaard. Open de link opnieuw en probeer het nog eens.' });
      expect((await post('certificate', { certificate: 'geen base64!' })).body.code).to.equal('certificate_missing');
      // A CA certificate is no signing certificate: refused before anything is prepared.
      const ca = await post('certificate', { certificate: card.citizenCaDer.toString('base64') });
      expect(ca.status).to.equal(422);
      expect(ca.body).to.include({
        code: 'certificate_unsuitable',
        text: 'Het certificaat op uw kaart kan niet gebruikt worden: het is verlopen, ingetrokken of niet bedoeld om te ondertekenen. Er werd niets ondertekend.',
      });
      const unknown = await post('signatures', { sessionId: '00000000-0000-4000-8000-000000000000', signatures: [Buffer.alloc(96).toString('base64')] });
      expect(unknown).to.deep.include({ status: 404 });
      expect(unknown.body.text).to.equal('Het ondertekenen duurde te lang. Er werd niets ondertekend. Probeer het opnieuw.');
      expect((await e2e.audit(envelopeId)).map((e) => e.action)).to.not.include('signing.prepared');

      await open(page, `${e2e.app.url}/s/csc/callback?error=access_denied&state=x`, 400);
      expect(await page.locator('main').textContent()).to.include('U hebt geen toestemming gegeven. Er werd niets ondertekend.');
      await checkState(page, 'qualified-csc-denied');
      await open(page, `${e2e.app.url}/s/csc/callback?code=abc&state=${'x'.repeat(40)}`, 404);
      expect(await page.locator('main').textContent()).to.include('Het ondertekenen duurde te lang of deze link werd al gebruikt.');
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
    });
  });

  it('signs through the remote service: "Toestaan" at the provider twice (who, then what), back on the result page; the PDF is valid', async () => {
    const email = 'jan.afstand@zonnebeke.be';
    await onQualifiedPage(email, { card: null }, async ({ page, double, envelopeId }) => {
      await page.getByRole('button', { name: `Ondertekenen via ${PROVIDER}` }).click();
      await arrive(page, (url) => url.href.startsWith(csc.url));
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'qualified-csc-provider-service.png'), fullPage: true });
      await page.getByRole('button', { name: 'Toestaan' }).click();
      // Back with a service authorisation: the app picked the credential, prepared, and asks to authorise the hash.
      await arrive(page, (url) => url.href.startsWith(csc.url) && url.searchParams.get('scope') === 'credential');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'qualified-csc-provider-credential.png'), fullPage: true });
      await page.getByRole('button', { name: 'Toestaan' }).click();
      await arrive(page, /\/done$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt ondertekend');
      await checkState(page, 'qualified-csc-done');
      expect(double.requests, 'the card was not used').to.deep.equal([]);
      expect(csc.signatureCount).to.equal(1);

      const after = await e2e.getEnvelope(envelopeId);
      expect(after.status).to.equal('completed');
      const pdf = await e2e.downloadCurrent(envelopeId, after.documents[0]!.id);
      await expectAllValid(pdf, [e2e.rootPem, csc.root.pem], { count: 1, label: 'remote QES' });
    });
  });

  it('says no at the provider: back on a page that says nothing was signed, with the organisation and the way back to the documents', async () => {
    const email = 'jan.nee@zonnebeke.be';
    await onQualifiedPage(email, { card: null, context: PHONE }, async ({ page, envelopeId, url }) => {
      await page.getByRole('button', { name: `Ondertekenen via ${PROVIDER}` }).click();
      await arrive(page, (at) => at.href.startsWith(csc.url));
      await page.getByRole('button', { name: 'Weigeren' }).click();
      await page.getByRole('heading', { level: 1, name: 'Ondertekenen op afstand lukte niet' }).waitFor();
      expect(await page.locator('main').textContent()).to.include('U hebt geen toestemming gegeven. Er werd niets ondertekend.');
      expect(await page.locator('header').textContent()).to.include('Gemeente Zonnebeke');
      await checkState(page, 'qualified-csc-refused-at-provider-375');
      await page.getByRole('link', { name: 'Terug naar de documenten' }).click();
      await arrive(page, (at) => at.href === url);
      await page.getByRole('button', { name: EID_BUTTON }).waitFor();
      expect(await statusOf(envelopeId, email)).to.not.equal('signed');
      // Staff see why: the signer declined at the provider (the session is spent).
      const failed = (await e2e.audit(envelopeId)).filter((e) => e.action === 'signing.failed');
      expect(failed.map((e) => [e.details.code, e.details.method])).to.deep.equal([['csc_declined', 'csc']]);
    });
  });

  it('without the page script the remote service is reached through a page with a link (a form may not be redirected to another origin)', async () => {
    const email = 'jan.zonderjs@zonnebeke.be';
    await onQualifiedPage(email, { card: null, blockScript: true }, async ({ page }) => {
      expect(await page.getByRole('button', { name: EID_BUTTON }).isHidden(), 'no eID button without the script that drives it').to.equal(true);
      await page.getByRole('button', { name: `Ondertekenen via ${PROVIDER}` }).click();
      await page.getByRole('heading', { level: 1, name: `Verder naar ${PROVIDER}` }).waitFor();
      await checkState(page, 'qualified-csc-continue');
      const link = page.getByRole('link', { name: `Verder naar ${PROVIDER}` });
      expect(await link.getAttribute('href')).to.match(new RegExp(`^${csc.url}/oauth2/authorize\\?`));
      await link.click();
      await arrive(page, (url) => url.href.startsWith(csc.url));
      await page.getByRole('button', { name: 'Toestaan' }).waitFor();
    });
  });
});
