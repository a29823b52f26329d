/**
 * The signer's experience in a real browser (issue 4): Debian's Chromium through playwright-core
 * against the real app (bootstrap, dev PKI issuer, a real SMTP server), envelopes created over
 * the API and links taken from the mails, exactly as a mayor or alderman gets them.
 *
 * Controls are found by role and accessible name only; every state is screenshotted and checked
 * with axe (WCAG 2.0/2.1 A+AA, zero violations). Run with `npm run test:browser`.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startE2E } from '../integration/e2e/harness.ts';
import { checkState, downloadUnread, focusIndicator, newPage, sendToOneSigner, signerSuite } from './helpers.ts';

const CONSENT = 'Ik heb de documenten gelezen en onderteken ze elektronisch';
const BATCH_CONSENT = 'Ik heb de gekozen documenten gelezen en onderteken ze elektronisch';

describe('signer pages in a real browser (Chromium)', function () {
  this.timeout(60_000);
  const suite = signerSuite();
  let n = 0;

  /** A one-signer envelope sent over the API; answers its id, title and the token from the signing mail. */
  const envelopeFor = (email: string, options: { requireCode?: boolean; expiresAt?: string; title?: string } = {}) => {
    n += 1;
    return sendToOneSigner(suite.e2e, email, { message: 'Graag ondertekenen vóór de zitting van donderdag.', ...options, title: options.title ?? `Besluit gemeenteraad punt ${n}` });
  };
  const recipientStatus = async (envelopeId: string) => (await suite.e2e.getEnvelope(envelopeId)).recipients[0]!.status;
  const open = async (page: Page, url: string, status = 200) => {
    const res = await page.goto(url);
    expect(res?.status(), url).to.equal(status);
    // Reading before signing (issue 12): the signer downloads what is unread first.
    if (status === 200) await downloadUnread(page);
  };

  it('signs without a code: consent, one button, the result page offers the signed PDF', async () => {
    const envelope = await envelopeFor('an.zonder@zonnebeke.be');
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(envelope.title);
      expect(await page.locator('html').getAttribute('lang')).to.equal('nl');
      await page.getByRole('link', { name: 'besluit.pdf downloaden' }).first().waitFor();
      await checkState(page, 'link-page');

      // The browser itself refuses the form without consent (required); nothing is posted.
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      expect(page.url()).to.equal(envelope.url);
      expect(await page.getByRole('checkbox', { name: CONSENT }).evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).to.equal(true);

      // A browser that does not validate forms gets the server's answer: an announced error tied to the box.
      await page.locator('#sign-form').evaluate((form) => ((form as HTMLFormElement).noValidate = true));
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.waitForURL(/\/sign$/);
      const alert = page.getByRole('alert');
      expect(await alert.textContent()).to.include('Vink het vakje aan');
      expect(await page.getByRole('checkbox', { name: CONSENT }).getAttribute('aria-describedby')).to.equal('consent-error');
      expect(await page.getByRole('checkbox', { name: CONSENT }).getAttribute('aria-invalid')).to.equal('true');
      expect(await page.title()).to.match(/^Fout: /);
      await checkState(page, 'link-page-consent-error');

      await page.getByRole('checkbox', { name: CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.waitForURL(/\/done$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt ondertekend');
      await page.getByRole('link', { name: 'besluit.pdf downloaden' }).first().waitFor();
      await checkState(page, 'done-page');
      expect(await recipientStatus(envelope.id)).to.equal('signed');
    } finally {
      await context.close();
    }
  });

  it('signs with the mailed code: asks for it, reads it from the mail, a wrong one is announced, the right one signs', async () => {
    const email = 'an.code@zonnebeke.be';
    const envelope = await envelopeFor(email, { requireCode: true });
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url);
      await checkState(page, 'code-page');
      await page.getByRole('button', { name: 'Stuur mij een code' }).click();
      await page.waitForURL(/#code$/);
      expect(await page.getByRole('status').filter({ hasText: 'We hebben een code gemaild' }).textContent()).to.include(`We hebben een code gemaild naar ${email}`);
      await checkState(page, 'code-requested');

      await suite.e2e.deliver();
      const mail = (await suite.e2e.mails({ envelopeId: envelope.id, to: email })).at(-1)!;
      expect(mail.subject).to.match(/^Uw code om te ondertekenen: /);
      const code = /Uw code:\s*(?:> )?(\d{6})/.exec(mail.text)![1]!;
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

      await page.getByLabel('Code uit de e-mail (6 cijfers)').fill(wrong);
      await page.getByRole('checkbox', { name: CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.waitForURL(/\/sign$/);
      expect(await page.getByRole('alert').textContent()).to.include('Deze code klopt niet');
      const field = page.getByLabel('Code uit de e-mail (6 cijfers)');
      expect(await field.getAttribute('aria-describedby')).to.equal('code-error');
      expect(await field.getAttribute('aria-invalid')).to.equal('true');
      await checkState(page, 'code-error');

      await field.fill(code);
      await page.getByRole('checkbox', { name: CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.waitForURL(/\/done$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt ondertekend');
      expect(await recipientStatus(envelope.id)).to.equal('signed');
      const actions = (await suite.e2e.audit(envelope.id)).map((e) => e.action);
      // One code sent; after a wrong try the right one is verified before the signature.
      expect(actions).to.include.members(['code.sent', 'code.verified', 'recipient.signed']);
      expect(actions.indexOf('code.verified')).to.be.lessThan(actions.indexOf('recipient.signed'));
    } finally {
      await context.close();
    }
  });

  it('declines with a reason, confirmed in a second step with "Ja, weigeren"', async () => {
    const envelope = await envelopeFor('an.weigert@zonnebeke.be');
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url);
      // Without a reason: the server's announced error (as a browser without form validation gets it).
      await page.locator('form[action$="/decline"]').evaluate((form) => ((form as HTMLFormElement).noValidate = true));
      await page.getByRole('button', { name: 'Weigeren', exact: true }).click();
      await page.waitForURL(/\/decline$/);
      expect(await page.getByRole('alert').textContent()).to.include('Schrijf de reden');
      expect(await page.getByLabel('Reden').getAttribute('aria-describedby')).to.include('reason-error');
      await checkState(page, 'decline-error');

      const reason = 'Het bedrag in artikel 2 klopt niet.';
      await page.getByLabel('Reden').fill(reason);
      await page.getByRole('button', { name: 'Weigeren', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Wilt u echt weigeren?' }).waitFor();
      expect(await page.locator('main').textContent()).to.include(reason);
      expect(await recipientStatus(envelope.id), 'nothing declined before the confirmation').to.not.equal('declined');
      await checkState(page, 'decline-confirm');

      await page.getByRole('button', { name: 'Ja, weigeren' }).click();
      await page.waitForURL(/\/declined$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt geweigerd');
      expect(await page.locator('main').textContent()).to.include(reason);
      await checkState(page, 'declined-page');
      const after = await suite.e2e.getEnvelope(envelope.id);
      expect(after.status).to.equal('declined');
    } finally {
      await context.close();
    }
  });

  it('signs a batch of three with one deselected: the summary says what was signed, the third still waits', async () => {
    const email = 'an.batch@zonnebeke.be';
    const first = await envelopeFor(email, { title: 'Raad 12 mei: punt 1 – notulen' });
    const second = await envelopeFor(email, { title: 'Raad 12 mei: punt 2 – subsidie sportclub' });
    const third = await envelopeFor(email, { title: 'Raad 12 mei: punt 3 – rooilijnplan Dorpsstraat' });
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, third.url);
      await page.getByRole('link', { name: 'Alles samen bekijken en ondertekenen' }).click();
      await page.waitForURL(/\/batch$/);
      await downloadUnread(page);
      await page.getByRole('heading', { level: 1, name: 'Alles samen ondertekenen' }).waitFor();
      for (const envelope of [first, second, third]) expect(await page.getByRole('checkbox', { name: envelope.title }).isChecked(), envelope.title).to.equal(true);
      await checkState(page, 'batch-list');

      await page.getByRole('checkbox', { name: second.title }).uncheck();
      await page.getByRole('checkbox', { name: BATCH_CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Resultaat' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Ondertekend (2)' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Niet ondertekend (0)' }).waitFor();
      const summary = (await page.locator('#batch-signed').textContent()) ?? '';
      expect(summary).to.include(first.title).and.include(third.title).and.not.include(second.title);
      await checkState(page, 'batch-summary');

      expect(await recipientStatus(first.id)).to.equal('signed');
      expect(await recipientStatus(third.id)).to.equal('signed');
      expect(await recipientStatus(second.id), 'the deselected envelope still waits').to.be.oneOf(['sent', 'opened']);
      expect((await suite.e2e.getEnvelope(second.id)).status).to.not.equal('completed');
    } finally {
      await context.close();
    }
  });

  it('an expired link and a wrong link give friendly pages with 410 and 404', async () => {
    const expiresAt = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000);
    const envelope = await envelopeFor('an.laat@zonnebeke.be', { expiresAt: expiresAt.toISOString() });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now() + 50)));
    await suite.e2e.app.handle.jobs.expire();
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url, 410);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Deze link werkt niet meer');
      expect(await page.locator('main').textContent()).to.include('De termijn om te ondertekenen is voorbij.').and.include('Gemeente Zonnebeke');
      await checkState(page, 'gone-410');

      await open(page, `${suite.e2e.app.url}/s/${'onbekend'.repeat(5)}`, 404);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('Deze link bestaat niet');
      await checkState(page, 'not-found-404');
      for (const language of ['en', 'fr'] as const) {
        await open(page, `${suite.e2e.app.url}/s/${'onbekend'.repeat(5)}?lang=${language}`, 404);
        expect(await page.locator('html').getAttribute('lang')).to.equal(language);
        await checkState(page, `not-found-404-${language}`);
      }
    } finally {
      await context.close();
    }
  });

  it('signs with the keyboard alone: a logical tab order, visible focus, Space and Enter', async () => {
    const envelope = await envelopeFor('an.toetsenbord@zonnebeke.be');
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url);
      const order: string[] = [];
      const noFocusRing: string[] = [];
      let consentReached = false;
      for (let i = 0; i < 60 && !consentReached; i++) {
        await page.keyboard.press('Tab');
        const focused = await focusIndicator(page);
        order.push(`${focused.tag}:${focused.name}`);
        if (!focused.visible) noFocusRing.push(`${focused.tag}:${focused.name} (outline ${focused.outline}, box-shadow ${focused.boxShadow})`);
        consentReached = focused.tag === 'input' && focused.name === CONSENT;
      }
      expect(consentReached, `the consent box is reached with Tab; order: ${order.join(' → ')}`).to.equal(true);
      expect(noFocusRing, 'every focused element shows a focus indicator').to.deep.equal([]);
      // Logical order: skip link, languages, the documents, then the consent.
      const at = (prefix: string) => order.findIndex((o) => o.startsWith(prefix));
      expect(order[0], 'the skip link comes first').to.equal('a:Naar de inhoud');
      expect(at('a:English')).to.be.greaterThan(0);
      expect(at('a:besluit.pdf downloaden')).to.be.greaterThan(at('a:English'));
      expect(order.length - 1).to.be.greaterThan(at('a:besluit.pdf downloaden'));

      await page.keyboard.press('Space');
      expect(await page.getByRole('checkbox', { name: CONSENT }).isChecked()).to.equal(true);
      await page.keyboard.press('Tab');
      let focused = await focusIndicator(page);
      expect(`${focused.tag}:${focused.name}`).to.equal('button:Ondertekenen');
      expect(focused.visible, `focus ring on the sign button: ${focused.outline} / ${focused.boxShadow}`).to.equal(true);
      await checkState(page, 'keyboard-focus-sign-button');
      // Shift+Tab goes back to the box, Tab forward again, and Enter signs.
      await page.keyboard.press('Shift+Tab');
      focused = await focusIndicator(page);
      expect(`${focused.tag}:${focused.name}`).to.equal(`input:${CONSENT}`);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/done$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('U hebt ondertekend');
      expect(await recipientStatus(envelope.id)).to.equal('signed');
    } finally {
      await context.close();
    }
  });

  it('speaks Dutch by default, English and French through the language links, and remembers the choice', async () => {
    const envelope = await envelopeFor('an.talen@zonnebeke.be');
    const { context, page } = await newPage(suite.browser);
    try {
      await open(page, envelope.url);
      expect(await page.locator('html').getAttribute('lang')).to.equal('nl');
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).waitFor();
      const languages = page.getByRole('navigation', { name: 'Taal' });
      await languages.getByRole('link', { name: 'English' }).click();
      await page.waitForURL(/\?lang=en$/);
      expect(await page.locator('html').getAttribute('lang')).to.equal('en');
      await page.getByRole('button', { name: 'Sign', exact: true }).waitFor();
      await checkState(page, 'link-page-en');
      await page.goto(envelope.url);
      expect(await page.locator('html').getAttribute('lang'), 'English remembered').to.equal('en');
      await page.reload();
      expect(await page.locator('html').getAttribute('lang'), 'English remembered after a reload').to.equal('en');

      await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
      await page.waitForURL(/\?lang=fr$/);
      expect(await page.locator('html').getAttribute('lang')).to.equal('fr');
      await page.getByRole('button', { name: 'Signer', exact: true }).waitFor();
      await checkState(page, 'link-page-fr');
      await page.goto(envelope.url);
      expect(await page.locator('html').getAttribute('lang'), 'French remembered').to.equal('fr');

      await page.getByRole('navigation', { name: 'Langue' }).getByRole('link', { name: 'Nederlands' }).click();
      await page.waitForURL(/\?lang=nl$/);
      await page.goto(envelope.url);
      expect(await page.locator('html').getAttribute('lang'), 'Dutch again').to.equal('nl');
    } finally {
      await context.close();
    }
  });

  for (const width of [375, 320]) {
    it(`works on a ${width} px wide phone: no horizontal scrolling, signing works`, async () => {
      const email = `an.gsm${width}@zonnebeke.be`;
      const envelope = await envelopeFor(email, { requireCode: true, title: `Besluit over de herinrichting van het Marktplein en de aanpalende straten (${width})` });
      await envelopeFor(email, { title: `Tweede besluit (${width})` });
      const { context, page } = await newPage(suite.browser, { viewport: { width, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      try {
        await open(page, envelope.url);
        await checkState(page, `link-page-${width}`);
        await page.getByRole('button', { name: 'Stuur mij een code' }).click();
        await page.waitForURL(/#code$/);
        await checkState(page, `code-requested-${width}`);
        await page.getByRole('link', { name: 'Alles samen bekijken en ondertekenen' }).click();
        await page.waitForURL(/\/batch$/);
        await checkState(page, `batch-list-${width}`);
        await page.goBack();
        await page.getByLabel('Reden').fill('Ik ben niet bevoegd.');
        await page.getByRole('button', { name: 'Weigeren', exact: true }).click();
        await page.getByRole('button', { name: 'Ja, weigeren' }).waitFor();
        await checkState(page, `decline-confirm-${width}`);
      } finally {
        await context.close();
      }
    });
  }

  it('tells a signer on a phone to try again in a few minutes when no TSA answers (nl, en, fr; one document and a batch); nothing is signed', async function () {
    this.timeout(180_000);
    const down = await startE2E({ env: { TSA_URL: 'http://127.0.0.1:9/tsa', TSA_TIMEOUT_MS: '2000' } });
    const { context, page } = await newPage(suite.browser, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      const email = 'an.tsa@zonnebeke.be';
      const made = [];
      for (const title of ['Besluit zonder tijdstempel', 'Tweede besluit zonder tijdstempel']) {
        const res = await down.createEnvelope({ title, send: true, recipients: [{ name: 'An Peeters', email, role: 'signer', function: 'Burgemeester' }] });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        made.push(res.body.id as string);
      }
      await down.deliver();
      const url = `${down.app.url}/s/${(await down.theMail(made[0]!, email, 'signRequest')).token}`;
      const texts = {
        nl: { consent: CONSENT, sign: 'Ondertekenen', title: 'Ondertekenen lukt even niet', language: 'Nederlands' },
        en: { consent: 'I have read the documents and sign them electronically', sign: 'Sign', title: 'Signing is not possible right now', language: 'English' },
        fr: { consent: 'J’ai lu les documents et je les signe électroniquement', sign: 'Signer', title: 'La signature est momentanément impossible', language: 'Français' },
      } as const;
      for (const [language, text] of Object.entries(texts)) {
        await open(page, url);
        if (language !== 'nl') await page.getByRole('navigation', { name: /Taal|Language|Langue/ }).getByRole('link', { name: text.language }).click();
        await page.getByRole('checkbox', { name: text.consent }).check();
        await page.getByRole('button', { name: text.sign, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: text.title }).waitFor();
        expect(await page.locator('header').textContent(), 'the page names the organisation').to.include('Gemeente Zonnebeke');
        await checkState(page, `tsa-down-${language}-375`);
      }
      await open(page, `${url}/batch`);
      await page.getByRole('navigation', { name: /Taal|Language|Langue/ }).getByRole('link', { name: 'Nederlands' }).click();
      await page.getByRole('checkbox', { name: BATCH_CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Resultaat' }).waitFor();
      expect(await page.getByRole('main').textContent()).to.include('De tijdstempeldienst antwoordt nu niet. Er werd niets ondertekend. Probeer het over enkele minuten opnieuw.');
      expect(await page.locator('.batch-result[data-outcome="failed"]').first().textContent()).to.match(/^(Tweede b|B)esluit zonder tijdstempel: De tijdstempeldienst antwoordt nu niet\./);
      await checkState(page, 'tsa-down-batch-375');
      for (const id of made) expect((await down.getEnvelope(id)).recipients[0]!.status).to.not.equal('signed');
    } finally {
      await context.close();
      await down.close();
    }
  });

  it('is usable at 200% zoom (a 1280 px window at 200%: 640 CSS px)', async () => {
    const envelope = await envelopeFor('an.zoom@zonnebeke.be');
    const { context, page } = await newPage(suite.browser, { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
    try {
      await open(page, envelope.url);
      await checkState(page, 'link-page-zoom-200');
      const consent = page.getByRole('checkbox', { name: CONSENT });
      await consent.check();
      const button = page.getByRole('button', { name: 'Ondertekenen', exact: true });
      const box = await button.boundingBox();
      expect(box!.width, 'the sign button fits').to.be.at.most(640);
      await button.click();
      await page.waitForURL(/\/done$/);
      await checkState(page, 'done-page-zoom-200');
      expect(await recipientStatus(envelope.id)).to.equal('signed');
    } finally {
      await context.close();
    }
  });
});
