/**
 * The staff app in a real browser (issue 5, "Tests in a real browser"): Debian's Chromium through
 * playwright-core against the real app. A staff member logs in, builds a route template from the
 * directory, sends three PDFs with it in one action, places a signature box by dragging on the
 * pdf.js-rendered page, follows up (remind, correct an e-mail, download, cancel) — and a staff
 * member of another organisation sees none of it.
 *
 * Controls are found by role and accessible name only; every state is screenshotted and checked
 * with axe (WCAG 2.0/2.1 A+AA, zero violations) and for script errors. Run with `npm run test:browser`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createOrganisation, createUser, upsertPerson, type Organisation } from '../../src/store/index.ts';
import { listEnvelopes, type EnvelopeDto } from '../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';
import { checkState, focusIndicator, launchBrowser, newPage } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'pdf');
const ROUTE = 'Gemeenteraad: algemeen directeur → voorzitter';
const ROUTE_OPTION = `${ROUTE}: An Peeters (ondertekent) → Bart Claes (ondertekent)`;
const TITLES = ['Raad 12 mei: punt 1 – notulen', 'Raad 12 mei: punt 2 – subsidie sportclub', 'Raad 12 mei: punt 3 – rooilijnplan'];
const PLACED_TITLE = 'Raad 12 mei: punt 4 – retributiereglement';
const FILES = [
  ['raad-punt-1.pdf', 'reportlab-decision.pdf'],
  ['raad-punt-2.pdf', 'libreoffice-decision.pdf'],
  ['raad-punt-3.pdf', 'multipage-decision.pdf'],
] as const;

describe('staff app in a real browser (Chromium)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let browser: Browser;
  let org: Organisation;
  let other: Organisation;
  let page: Page;
  let closeContext: () => Promise<void>;
  /** The envelope followed up: its path on the staff app. */
  let followedPath = '';

  const pdf = async (name: string, fixture: string) => ({ name, mimeType: 'application/pdf', buffer: await readFile(path.join(FIXTURES, fixture)) });
  const envelopes = async (organisationId = org.id): Promise<EnvelopeDto[]> => (await listEnvelopes(app.deps.workflow, { organisationId, limit: 100 })).items;
  const open = async (p: Page, url: string, status = 200) => {
    const res = await p.goto(`${app.url}${url}`);
    expect(res?.status(), url).to.equal(status);
  };
  const login = async (p: Page, email: string) => {
    await open(p, '/app/login');
    await p.getByLabel('E-mailadres').fill(email);
    await p.getByLabel('Wachtwoord').fill(PASSWORD);
    await p.getByRole('button', { name: 'Aanmelden' }).click();
    await p.getByRole('heading', { level: 1, name: 'Overzicht' }).waitFor();
  };

  before(async function () {
    this.timeout(120_000);
    [app, browser] = await Promise.all([bootstrap({ env: { SIGNER_SECRET: 's'.repeat(40) } }), launchBrowser()]);
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    other = await createOrganisation(db, { slug: `elders-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    await upsertPerson(db, org.id, { name: 'An Peeters', email: 'an@zonnebeke.be', function: 'Algemeen directeur' });
    await upsertPerson(db, org.id, { name: 'Bart Claes', email: 'bart@zonnebeke.be', function: 'Voorzitter gemeenteraad' });
    await upsertPerson(db, org.id, { name: 'Chloë Dewitte', email: 'chloe@zonnebeke.be', function: 'Burgemeester' });
    await createUser(db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    await createUser(db, other.id, { email: 'secretariaat@elders.be', role: 'admin', name: 'Els Elders', password: PASSWORD });
    const opened = await newPage(browser);
    page = opened.page;
    closeContext = () => opened.context.close();
  });
  after(async () => {
    await closeContext?.();
    await browser?.close();
    await app?.close();
  });

  it('logs in: a wrong password is announced, the right one opens the dashboard', async () => {
    await open(page, '/app/login');
    expect(await page.locator('html').getAttribute('lang')).to.equal('nl');
    await checkState(page, 'staff-login');

    await page.getByLabel('E-mailadres').fill('secretariaat@zonnebeke.be');
    await page.getByLabel('Wachtwoord').fill('niet het wachtwoord');
    await page.getByRole('button', { name: 'Aanmelden' }).click();
    expect(await page.getByRole('alert').textContent()).to.include('Het e-mailadres of het wachtwoord is niet juist.');
    await checkState(page, 'staff-login-error');

    await login(page, 'secretariaat@zonnebeke.be');
    await checkState(page, 'staff-dashboard-empty');
  });

  it('creates the route template on the settings page with two people from the directory', async () => {
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Instellingen' }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await checkState(page, 'staff-settings');

    await page.getByRole('link', { name: 'Route toevoegen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Route toevoegen' }).waitFor();
    await checkState(page, 'staff-route-new');
    await page.getByLabel('Naam van de route').fill(ROUTE);
    await page.getByRole('group', { name: 'Stap 1' }).getByLabel('Persoon').selectOption({ label: 'An Peeters – Algemeen directeur' });
    await page.getByRole('group', { name: 'Stap 2' }).getByLabel('Persoon').selectOption({ label: 'Bart Claes – Voorzitter gemeenteraad' });
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.waitForURL(/\/app\/settings\?notice=/);
    expect(await page.getByRole('main').textContent()).to.include(`Route ${ROUTE} is opgeslagen.`);
    await page.getByRole('link', { name: `Route ${ROUTE} bewerken` }).waitFor();
    await checkState(page, 'staff-settings-route-saved');
  });

  it('shows the people and users pages', async () => {
    const nav = page.getByRole('navigation', { name: 'Hoofdmenu' });
    await nav.getByRole('link', { name: 'Personen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Personen' }).waitFor();
    expect(await page.getByRole('main').textContent()).to.include('Chloë Dewitte');
    await checkState(page, 'staff-people');
    await nav.getByRole('link', { name: 'Gebruikers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Gebruikers' }).waitFor();
    await checkState(page, 'staff-users');
  });

  it('sends three PDFs with the route in one action and sees them on the dashboard', async () => {
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Versturen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Versturen om te ondertekenen' }).waitFor();
    await checkState(page, 'staff-send');

    // Nothing chosen: the server's errors, announced in the summary (the script posts over XHR).
    await page.getByRole('button', { name: 'Versturen', exact: true }).click();
    const errors = page.getByRole('alert').filter({ hasText: 'Er is niets verstuurd' });
    await errors.waitFor();
    expect(await errors.textContent()).to.include('Kies minstens één PDF.');
    await checkState(page, 'staff-send-errors');

    await page.getByLabel('PDF-bestanden').setInputFiles(await Promise.all(FILES.map(([name, fixture]) => pdf(name, fixture))));
    for (const [i, [name]] of FILES.entries()) await page.getByLabel(`Titel voor ${name}`).fill(TITLES[i]!);
    await page.getByRole('radio', { name: /^Eén dossier per PDF/ }).check();
    await page.getByLabel('Ondertekeningsroute').selectOption({ label: ROUTE_OPTION });
    // The placement step appears with the first document rendered (not used here: signature pages).
    const placement = page.getByRole('region', { name: 'Plaats van de handtekening' });
    await placement.getByText('Pagina 1 van').waitFor();
    await checkState(page, 'staff-send-filled');

    const before = (await envelopes()).length;
    await page.getByRole('button', { name: 'Versturen', exact: true }).click();
    await page.waitForURL(/\/app\?sent=3$/);
    const all = await envelopes();
    expect(all).to.have.length(before + 3);
    for (const title of TITLES) {
      const envelope = all.find((e) => e.title === title)!;
      expect(envelope, title).to.exist;
      expect(envelope.status).to.equal('sent');
      expect([...envelope.recipients].sort((a, b) => a.routingOrder - b.routingOrder).map((r) => r.name)).to.deep.equal(['An Peeters', 'Bart Claes']);
      await page.getByRole('table').getByRole('link', { name: title }).waitFor();
    }
    await checkState(page, 'staff-dashboard');
  });

  it('places a signature box by dragging on the rendered page of a fourth envelope', async () => {
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Versturen' }).click();
    // This one is dropped on the drop zone, as from the file manager.
    const bytes = [...(await readFile(path.join(FIXTURES, 'reportlab-decision.pdf')))];
    const dataTransfer = await page.evaluateHandle((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'raad-punt-4.pdf', { type: 'application/pdf' }));
      return transfer;
    }, bytes);
    const dropZone = page.getByText('Sleep PDF’s hierheen of kies ze hierboven.');
    await dropZone.dispatchEvent('dragover', { dataTransfer });
    await dropZone.dispatchEvent('drop', { dataTransfer });
    await page.getByLabel('Titel voor raad-punt-4.pdf').fill(PLACED_TITLE);
    await page.getByLabel('Ondertekeningsroute').selectOption({ label: ROUTE_OPTION });
    const placement = page.getByRole('region', { name: 'Plaats van de handtekening' });
    await placement.getByText('Pagina 1 van 1').waitFor();
    await placement.getByLabel('Handtekening van').selectOption({ label: 'Bart Claes' });

    const canvas = (await placement.locator('canvas').boundingBox())!;
    expect(canvas.width).to.be.greaterThan(100);
    await placement.locator('canvas').scrollIntoViewIfNeeded();
    const box = (await placement.locator('canvas').boundingBox())!;
    const from = { x: box.x + box.width * 0.55, y: box.y + box.height * 0.8 };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 60, from.y + 20, { steps: 4 });
    await page.mouse.move(from.x + 150, from.y + 45, { steps: 4 });
    await page.mouse.up();
    const placed = placement.getByRole('listitem').filter({ hasText: 'Handtekening van Bart Claes op pagina 1' });
    await placed.waitFor();
    expect(await placed.textContent()).to.match(/^raad-punt-4\.pdf: Handtekening van Bart Claes op pagina 1/);
    await placement.getByRole('button', { name: 'Plaats van Bart Claes wissen' }).waitFor();
    await checkState(page, 'staff-send-placed');

    await page.getByRole('button', { name: 'Versturen', exact: true }).click();
    await page.waitForURL(/\/app\?sent=1$/);
    const envelope = (await envelopes()).find((e) => e.title === PLACED_TITLE)!;
    const chair = envelope.recipients.find((r) => r.name === 'Bart Claes')!;
    expect(chair.fields, 'the dragged box').to.have.length(1);
    const field = chair.fields[0]!;
    expect(field.page).to.equal(1);
    // 150 × 45 CSS px on a page scaled to the section's width: a box of roughly that many points.
    expect(field.width).to.be.within(50, 300);
    expect(field.height).to.be.within(15, 100);
    expect(field.y, 'low on the page (PDF origin bottom-left)').to.be.below(300);
  });

  it('follows up an envelope: reminds, corrects an e-mail, downloads the PDF', async () => {
    await page.getByRole('table').getByRole('link', { name: TITLES[0] }).click();
    await page.getByRole('heading', { level: 1, name: TITLES[0] }).waitFor();
    followedPath = new URL(page.url()).pathname;
    await checkState(page, 'staff-envelope');

    await page.getByRole('button', { name: 'Herinnering sturen' }).click();
    await page.getByText('De herinnering is verstuurd.').waitFor();
    await checkState(page, 'staff-envelope-reminded');

    await page.getByText('E-mailadres van An Peeters verbeteren').click();
    await page.getByLabel('Nieuw e-mailadres voor An Peeters').fill('an.peeters@zonnebeke.be');
    await page.getByRole('button', { name: 'E-mailadres verbeteren' }).first().click();
    await page.getByText(/Het e-mailadres is verbeterd/).waitFor();
    expect(await page.getByRole('table', { name: 'Ontvangers in volgorde van ondertekening' }).textContent()).to.include('an.peeters@zonnebeke.be');
    await checkState(page, 'staff-envelope-corrected');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /\(huidige versie\)$/ }).first().click()]);
    expect(download.suggestedFilename()).to.match(/\.pdf$/);
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).to.equal('%PDF');
  });

  it('cancels an envelope with a reason, after a confirmation page', async () => {
    await page.getByRole('link', { name: 'Dossier intrekken…' }).click();
    await page.getByRole('heading', { level: 1, name: `Dossier intrekken: ${TITLES[0]}` }).waitFor();
    await checkState(page, 'staff-cancel-confirm');
    await page.getByLabel('Reden van intrekking').fill('Punt 1 is van de agenda gehaald.');
    await page.getByRole('button', { name: 'Ja, dossier intrekken' }).click();
    await page.getByText('Het dossier is ingetrokken.').waitFor();
    expect((await envelopes()).find((e) => e.title === TITLES[0])!.status).to.equal('cancelled');
    await checkState(page, 'staff-envelope-cancelled');
  });

  it('logs in and reaches "Versturen" with the keyboard alone, the focus always visible', async () => {
    const { context, page: kb } = await newPage(browser);
    try {
      await open(kb, '/app/login');
      const tabTo = async (matches: (f: Awaited<ReturnType<typeof focusIndicator>>) => boolean, what: string) => {
        for (let i = 0; i < 30; i++) {
          await kb.keyboard.press('Tab');
          const focused = await focusIndicator(kb);
          expect(focused.visible, `focus visible on ${focused.tag} "${focused.name}"`).to.equal(true);
          if (matches(focused)) return;
        }
        throw new Error(`${what} not reached with Tab`);
      };
      await tabTo((f) => f.tag === 'input' && f.name.startsWith('E-mailadres'), 'E-mailadres');
      await kb.keyboard.type('secretariaat@zonnebeke.be');
      await tabTo((f) => f.tag === 'input' && f.name.startsWith('Wachtwoord'), 'Wachtwoord');
      await kb.keyboard.type(PASSWORD);
      await kb.keyboard.press('Enter');
      await kb.getByRole('heading', { level: 1, name: 'Overzicht' }).waitFor();
      await tabTo((f) => f.tag === 'a' && f.name === 'Versturen', 'Versturen');
      await kb.keyboard.press('Enter');
      await kb.getByRole('heading', { level: 1, name: 'Versturen om te ondertekenen' }).waitFor();
      expect(new URL(kb.url()).pathname).to.equal('/app/send');
    } finally {
      await context.close();
    }
  });

  it('shows another organisation’s staff none of it: an empty dashboard, a 404 page for the direct URL', async () => {
    const { context, page: elsewhere } = await newPage(browser);
    try {
      await login(elsewhere, 'secretariaat@elders.be');
      const main = (await elsewhere.getByRole('main').textContent()) ?? '';
      for (const title of [...TITLES, PLACED_TITLE]) expect(main).to.not.include(title);
      expect(await elsewhere.getByRole('table').count()).to.equal(0);
      await checkState(elsewhere, 'staff-other-dashboard');

      await open(elsewhere, followedPath, 404);
      await elsewhere.getByRole('heading', { level: 1, name: 'Niet gevonden' }).waitFor();
      expect((await elsewhere.getByRole('main').textContent()) ?? '').to.not.include(TITLES[0]);
      await checkState(elsewhere, 'staff-404');
      await open(elsewhere, `${followedPath}/cancel`, 404);
      expect(await elsewhere.getByRole('main').getByRole('link', { name: /huidige versie/ }).count()).to.equal(0);
      expect(await envelopes(other.id)).to.have.length(0);
    } finally {
      await context.close();
    }
  });
});
