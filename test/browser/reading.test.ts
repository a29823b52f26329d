/**
 * Reading before signing and phone first (issue 12) in Chromium: the sign button waits until the
 * viewer has shown every document to its last page; on a phone the page fills the width, swipes
 * page by page, pinches and double-taps to zoom; the signer page, the batch page and the staff
 * dashboard fit a 320 px screen without sideways scrolling. Every state is screenshotted
 * (test-artifacts/screenshots/read-*.png, phone-*.png) and checked with axe (checkState).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { createUser } from '../../src/store/index.ts';
import { checkState, newPage, SCREENSHOT_DIR, sendToOneSigner, signerSuite, staffLogin } from './helpers.ts';

const CONSENT = 'Ik heb de documenten gelezen en onderteken ze elektronisch';
const PASSWORD = 'correct horse battery staple 42';
/** The six-page decision and the signature page appended at sending. */
const PAGES = 7;
const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A touch gesture on the viewer's page: each finger's path, sent as pointer events as a phone does. */
async function gesture(box: Locator, fingers: Array<Array<[number, number]>>): Promise<void> {
  // No named functions inside: the test's compiler would name them through a helper the page does not have.
  await box.evaluate((element, paths) => {
    const rect = element.getBoundingClientRect();
    const events: Array<[string, number, [number, number]]> = [];
    paths.forEach((path, i) => events.push(['pointerdown', i + 1, path[0]!]));
    for (let step = 1; step < paths[0]!.length; step++) paths.forEach((path, i) => events.push(['pointermove', i + 1, path[step]!]));
    paths.forEach((path, i) => events.push(['pointerup', i + 1, path.at(-1)!]));
    for (const [type, id, [x, y]] of events) {
      element.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 1, clientX: rect.left + x, clientY: rect.top + y, bubbles: true }));
    }
  }, fingers);
}

describe('reading before signing and phone first in a real browser (issue 12)', function () {
  this.timeout(90_000);
  const suite = signerSuite();
  let n = 0;

  before(async () => {
    await createUser(suite.e2e.app.deps.db, suite.e2e.organisation.id, { email: 'secretariaat.lezen@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
  });

  /** A one-signer envelope with the six-page decision; answers its id and the link from the mail. */
  const sixPages = (email: string) => {
    n += 1;
    return sendToOneSigner(suite.e2e, email, { title: `Besluit gemeenteraad ${n}: reglement`, pdf: 'multipage-decision.pdf' });
  };
  /** Waits until a viewer of the page shows page `n`. */
  const atPage = (page: Page, n: number) => page.waitForFunction((expected) => [...document.querySelectorAll('.viewer-page')].some((e) => e.textContent === expected), `Pagina ${n} van ${PAGES}`);

  it('on a 375 px phone: the page fills the width, swipes to the last page, and only then may the signer sign', async () => {
    const envelope = await sixPages('an.lezen@zonnebeke.be');
    const { context, page } = await newPage(suite.browser, PHONE);
    try {
      await page.goto(envelope.url);
      await atPage(page, 1);
      const box = page.locator('.viewer-canvas').first();
      // The page uses the screen's width: the viewer reaches both edges.
      const bounds = (await box.boundingBox())!;
      expect(bounds.x).to.be.at.most(1);
      expect(bounds.width).to.be.at.least(373);
      // The toolbar is one compact row before the page (previous, "1 / 7", next, the zoom), not six full-width buttons;
      // the show/hide button and "to your signature" are as wide as their words.
      const toolbar = (await page.locator('.viewer-toolbar').first().boundingBox())!;
      expect(toolbar.height, 'one row of 45 px buttons').to.be.below(60);
      expect(await page.locator('.viewer-page-short').first().textContent()).to.equal('1 / 7');
      await page.locator('.pdf-viewer').first().screenshot({ path: path.join(SCREENSHOT_DIR, 'phone-viewer-toolbar-375.png') });
      for (const button of [page.getByRole('button', { name: 'reglement.pdf verbergen' }), page.getByRole('button', { name: 'Naar uw handtekening' })]) {
        const bounds = (await button.boundingBox())!;
        expect(bounds.width, (await button.textContent()) ?? "").to.be.below(375 * 0.7);
        expect(bounds.height).to.be.below(60);
      }
      expect(await page.locator('#read-explain').textContent()).to.include('Open eerst elk document en blader het door tot de laatste pagina.');
      expect(await page.locator('.read-state').first().textContent()).to.equal('nog niet gelezen');
      await checkState(page, 'phone-read-link-page');

      // Signing before reading: the button says why instead of posting.
      await page.getByRole('checkbox', { name: CONSENT }).check();
      const sign = page.getByRole('button', { name: 'Ondertekenen', exact: true });
      expect(await sign.getAttribute('aria-disabled')).to.equal('true');
      // aria-disabled, not disabled: it stays reachable and pressable (a screen reader hears why), and says why when pressed.
      await sign.click({ force: true });
      expect(page.url()).to.equal(envelope.url);
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal('read-explain');

      // Swipe left: the next page; swipe right: back.
      await gesture(box, [[[300, 200], [220, 205], [120, 210]]]);
      await atPage(page, 2);
      await gesture(box, [[[80, 200], [200, 200], [300, 205]]]);
      await atPage(page, 1);
      await checkState(page, 'phone-read-swiped');

      // Pinch open: zoomed in, wider than the screen inside the viewer only; a double tap fits the width again.
      await gesture(box, [[[150, 200], [120, 200], [80, 200]], [[200, 200], [240, 200], [300, 200]]]);
      await page.waitForFunction(() => document.querySelector('.viewer-canvas')?.getAttribute('data-zoomed') === 'true');
      await page.waitForFunction(() => {
        const canvas = document.querySelector('.viewer-canvas canvas') as HTMLCanvasElement;
        return canvas.getBoundingClientRect().width > window.innerWidth;
      });
      await checkState(page, 'phone-read-pinched');
      await gesture(box, [[[150, 150]]]);
      await gesture(box, [[[150, 150]]]);
      await page.waitForFunction(() => document.querySelector('.viewer-canvas')?.getAttribute('data-zoomed') === 'false');
      await page.waitForFunction(() => {
        const canvas = document.querySelector('.viewer-canvas canvas') as HTMLCanvasElement;
        return canvas.getBoundingClientRect().width <= window.innerWidth;
      });

      // Swipe to the last page: the document is read, the sign button is enabled.
      for (let at = 2; at <= PAGES; at++) {
        await gesture(box, [[[300, 200], [200, 205], [100, 210]]]);
        await atPage(page, at);
      }
      await page.waitForFunction(() => document.querySelector('.read-state')?.getAttribute('data-read') === 'true');
      expect(await page.locator('.read-state').first().textContent()).to.equal('gelezen');
      expect(await page.locator('.viewer-read').first().textContent()).to.equal('U hebt dit document tot de laatste pagina bekeken.');
      expect(await sign.getAttribute('aria-disabled')).to.equal(null);
      await checkState(page, 'phone-read-last-page');
      const opened = (await suite.e2e.audit(envelope.id)).filter((e) => e.action === 'document.opened');
      expect(opened.map((e) => e.details.how)).to.deep.equal(['viewed']);

      await sign.click();
      await page.waitForURL(/\/done$/);
      expect((await suite.e2e.getEnvelope(envelope.id)).recipients[0]!.status).to.equal('signed');
    } finally {
      await context.close();
    }
  });

  it('on a desktop: the next button to the last page enables signing', async () => {
    const envelope = await sixPages('an.bureau@zonnebeke.be');
    const { context, page } = await newPage(suite.browser);
    try {
      await page.goto(envelope.url);
      await atPage(page, 1);
      await checkState(page, 'read-desktop-unread');
      const next = page.getByRole('button', { name: 'Volgende pagina' });
      for (let at = 2; at <= PAGES; at++) {
        await next.click();
        await atPage(page, at);
      }
      await page.waitForFunction(() => document.querySelector('.read-state')?.getAttribute('data-read') === 'true');
      await checkState(page, 'read-desktop-read');
      await page.getByRole('checkbox', { name: CONSENT }).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.waitForURL(/\/done$/);
    } finally {
      await context.close();
    }
  });

  it('on a slow line: "to your signature" pressed while the document loads goes there once it is shown', async () => {
    const envelope = await sixPages('an.traag@zonnebeke.be');
    const { context, page } = await newPage(suite.browser, PHONE);
    try {
      // The viewer's fetch of the document is held until the button has been pressed.
      let release!: () => void;
      const pressed = new Promise<void>((resolve) => (release = resolve));
      await page.route(/\/documents\/[^/?]+\?view/, async (route) => {
        await pressed;
        await route.continue();
      });
      await page.goto(envelope.url);
      const toSignature = page.getByRole('button', { name: 'Naar uw handtekening' });
      await toSignature.click();
      expect(await page.locator('.viewer-canvas').first().isHidden(), 'the document was not shown yet').to.equal(true);
      release();
      // The signature is on the appended last page: shown there, and so read.
      await atPage(page, PAGES);
      await page.waitForFunction(() => document.querySelector('.read-state')?.getAttribute('data-read') === 'true');
      expect(await page.locator('.viewer-read').first().textContent()).to.equal('U hebt dit document tot de laatste pagina bekeken.');
    } finally {
      await context.close();
    }
  });

  for (const width of [375, 320]) {
    it(`fits a ${width} px screen without sideways scrolling: signer page, batch page, staff dashboard`, async () => {
      const email = `an.smal${width}@zonnebeke.be`;
      const first = await sixPages(email);
      await sixPages(email);
      const { context, page } = await newPage(suite.browser, { ...PHONE, viewport: { width, height: 700 } });
      try {
        const wide = async () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
        await page.goto(first.url);
        await atPage(page, 1);
        let size = await wide();
        expect(size.scroll).to.be.at.most(size.inner);
        await checkState(page, `phone-${width}-link-page`);

        await page.goto(`${first.url}/batch`);
        expect(await page.locator('.read-state').count()).to.equal(2);
        await page.getByRole('button', { name: /reglement\.pdf hier bekijken/ }).first().click();
        await atPage(page, 1);
        await page.locator('.pdf-viewer').first().screenshot({ path: path.join(SCREENSHOT_DIR, `phone-viewer-toolbar-${width}-batch.png`) });
        size = await wide();
        expect(size.scroll).to.be.at.most(size.inner);
        await checkState(page, `phone-${width}-batch-page`);

        await staffLogin(page, suite.e2e.app.url, 'secretariaat.lezen@zonnebeke.be', PASSWORD);
        await page.getByRole('heading', { level: 1, name: 'Overzicht' }).waitFor();
        size = await wide();
        expect(size.scroll, 'the staff dashboard').to.be.at.most(size.inner);
        await checkState(page, `phone-${width}-staff-dashboard`);
      } finally {
        await context.close();
      }
    });
  }
});
