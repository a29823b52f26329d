/**
 * The browser suite's tools (issue 4, "Tests in a real browser"): Debian's Chromium driven by
 * playwright-core (which downloads no browser), axe-core injected from node_modules, and a
 * full-page screenshot of every state under test-artifacts/screenshots (git-ignored).
 *
 * Tests find controls by role and accessible name only, so a control without a proper name
 * fails the test, and every state they reach is checked with axe against WCAG 2.0/2.1 A and AA.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import request from 'supertest';
import { createOrganisation, type Organisation } from '../../src/store/index.ts';
import { fixture } from '../integration/api/helpers.ts';
import { startE2E, type E2E } from '../integration/e2e/harness.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const scriptErrors = new WeakMap<Page, string[]>();

/** A fresh browser profile (no cookies, so no remembered language), as a signer's tablet or phone. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'nl-BE', ...options });
  const page = await context.newPage();
  // What the page script logs as errors would otherwise pass unseen.
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  scriptErrors.set(page, errors);
  return { context, page };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string; html: string }>;
}

/**
 * axe-core on the page as it is now, WCAG 2.0/2.1 A+AA. The script is evaluated through the
 * DevTools protocol, so the page's strict CSP (no inline scripts) stays in force.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html.slice(0, 200) })) }));
  });
}

const checkedStates = new Set<string>();
/** Every state checked so far (for the run's summary). */
export const states = (): string[] => [...checkedStates];

/**
 * One state of a page: a full-page screenshot `<state>.png`, zero axe violations, no
 * horizontal scrolling at the viewport's width, and no script errors.
 */
export async function checkState(page: Page, state: string): Promise<void> {
  expect(checkedStates.has(state), `state name ${state} used twice`).to.equal(false);
  checkedStates.add(state);
  await page.waitForLoadState('load');
  // Quiet network only makes the screenshot complete (the viewer's pages drawn); it is a heuristic, and on a
  // loaded CI machine it once never came within 30 s after a cross-origin form page. The checks below do not need it.
  await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${state}.png`), fullPage: true });
  const violations = await axeViolations(page);
  const report = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} ${n.html}\n    ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
  expect(violations, `${state}: axe violations\n${report}`).to.deep.equal([]);
  const width = page.viewportSize()?.width ?? 0;
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${state}: horizontal scrolling at ${width} px`).to.be.at.most(width);
  expect(scriptErrors.get(page) ?? [], `${state}: script errors`).to.deep.equal([]);
}

/** The computed focus indicator of the focused element: it must be visible (outline or box-shadow). */
export async function focusIndicator(page: Page): Promise<{ tag: string; name: string; outline: string; boxShadow: string; visible: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', name: '', outline: 'none', boxShadow: 'none', visible: false };
    const style = getComputedStyle(el);
    const outline = `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`;
    const hasOutline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const hasShadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const labels = (el as HTMLInputElement).labels;
    const name = el.getAttribute('aria-label') ?? (labels && labels[0] ? labels[0].textContent : el.textContent) ?? '';
    return { tag: el.tagName.toLowerCase(), name: name.trim().replace(/\s+/g, ' '), outline, boxShadow: style.boxShadow, visible: hasOutline || hasShadow };
  });
}

/** Opens `url` (absolute) and checks the answer's status. */
export async function openAt(page: Page, url: string, status = 200): Promise<void> {
  const res = await page.goto(url);
  expect(res?.status(), url).to.equal(status);
}

/** Logs a staff member in through /app/login, as a person does, and waits for the first page's heading. */
export async function staffLogin(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await openAt(page, `${baseUrl}/app/login`);
  await page.getByLabel('E-mailadres').fill(email);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Aanmelden' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

/**
 * Reading before signing (issue 12) as a signer without the viewer does it: every document still unread on the
 * page is downloaded (a download counts as reading), and the page is shown again as the server now has it.
 * test/browser/reading.test.ts reads in the viewer instead.
 */
export async function downloadUnread(page: Page): Promise<void> {
  if ((await page.locator('.read-state[data-read="false"]').count()) === 0) return;
  const links = await page.locator('ul.documents a[download]').evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
  for (const link of links) expect((await page.request.get(link)).status(), link).to.equal(200);
  await page.reload();
}

/**
 * The signer suites' setup (signer.test.ts, reading.test.ts, staff-phone.test.ts): the real app with a real SMTP
 * server and the dev PKI (startE2E) and Chromium, started together before the suite and closed after it.
 * Call it inside `describe`; read `suite.e2e` and `suite.browser` in the tests.
 */
export function signerSuite(options: Parameters<typeof startE2E>[0] = {}): { readonly e2e: E2E; readonly browser: Browser } {
  const suite = {} as { e2e: E2E; browser: Browser };
  before(async function () {
    this.timeout(120_000);
    [suite.e2e, suite.browser] = await Promise.all([startE2E(options), launchBrowser()]);
  });
  after(async () => {
    await suite.browser?.close();
    await suite.e2e?.close();
  });
  return suite;
}

/** The widths a staff page is walked through at: a desktop and a phone. */
export const STAFF_WIDTHS = [
  [1024, 'desktop'],
  [375, '375'],
] as const;

/**
 * The staff page suites' setup (staff-settings.test.ts, staff-users.test.ts): the app without mail and Chromium,
 * started together before the suite, and an organisation of its own (Gemeente Zonnebeke); closed after. Call it inside
 * `describe`, before the suite's own `before` that adds its users; `suite.open` goes to a path of the app.
 */
export function staffSuite(): { readonly app: TestApp; readonly browser: Browser; readonly org: Organisation; open(page: Page, url: string, status?: number): Promise<void> } {
  const suite = { open: (page: Page, url: string, status = 200) => openAt(page, `${suite.app.url}${url}`, status) } as { app: TestApp; browser: Browser; org: Organisation; open(page: Page, url: string, status?: number): Promise<void> };
  before(async function () {
    this.timeout(120_000);
    [suite.app, suite.browser] = await Promise.all([bootstrap({ env: { SIGNER_SECRET: 's'.repeat(40) } }), launchBrowser()]);
    suite.org = await createOrganisation(suite.app.deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
  });
  after(async () => {
    await suite.browser?.close();
    await suite.app?.close();
  });
  return suite;
}

export interface SentEnvelope {
  id: string;
  title: string;
  token: string;
  /** The signing link from the request mail. */
  url: string;
}

/** An envelope for one signer, An Peeters (burgemeester), sent over the API; answers its id, title and the link from the mail. */
export async function sendToOneSigner(
  e2e: E2E,
  email: string,
  options: { title: string; message?: string; requireCode?: boolean; expiresAt?: string; pdf?: string },
): Promise<SentEnvelope> {
  const envelope = {
    title: options.title,
    ...(options.message ? { message: options.message } : {}),
    send: true,
    ...(options.requireCode ? { requireCode: true } : {}),
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    recipients: [{ name: 'An Peeters', email, role: 'signer', function: 'Burgemeester' }],
  };
  const res = options.pdf
    ? await request(e2e.app.url).post('/api/v1/envelopes').set(e2e.auth()).field('envelope', JSON.stringify(envelope)).attach('documents', fixture(options.pdf), { filename: 'reglement.pdf', contentType: 'application/pdf' })
    : await e2e.createEnvelope(envelope);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  await e2e.deliver();
  const mail = await e2e.theMail(res.body.id, email, 'signRequest');
  return { id: res.body.id as string, title: options.title, token: mail.token!, url: `${e2e.app.url}/s/${mail.token}` };
}
