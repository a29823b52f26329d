/**
 * Meetings (issue 12) in Chromium: the secretary creates a meeting through "Zittingen", uploads its decisions
 * and minutes in one go (agenda numbers and titles from the file names), corrects a title, and sends the meeting
 * after ticking the confirmation; the signer opens the one link of the meeting mail, sees the meeting's items
 * in agenda order and signs them all in one sitting. At desktop width and at 375 px, every state screenshotted into
 * test-artifacts/screenshots/meeting-*.png and checked with axe (zero violations), for sideways scrolling and
 * for script errors.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createOrganisation, createUser, upsertPerson, type Organisation } from '../../src/store/index.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';
import { devPki } from '../integration/api/helpers.ts';
import { checkState, launchBrowser, newPage } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const FIXTURES = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'pdf');
const FILES = ['03 Subsidie jeugdwerking.pdf', '01 Goedkeuring notulen vorige zitting.pdf', 'punt 2 - Aankoop grond Ieperstraat.pdf', 'Notulen zitting 12 januari.pdf'];

describe('meetings in a real browser (Chromium)', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Browser;
  let org: Organisation;
  const uploads: string[] = [];

  const open = async (p: Page, url: string, status = 200) => {
    const res = await p.goto(`${app.url}${url}`);
    expect(res?.status(), url).to.equal(status);
  };
  const login = async (p: Page) => {
    await open(p, '/app/login');
    await p.getByLabel('E-mailadres').fill('secretariaat@zonnebeke.be');
    await p.getByLabel('Wachtwoord').fill(PASSWORD);
    await p.getByRole('button', { name: 'Aanmelden' }).click();
    await p.getByRole('heading', { level: 1 }).first().waitFor();
  };

  before(async function () {
    this.timeout(120_000);
    const pki = await devPki();
    [app, browser] = await Promise.all([bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { SIGNER_SECRET: 's'.repeat(40) } }), launchBrowser()]);
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    await createUser(db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    const director = (await upsertPerson(db, org.id, { name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'Algemeen directeur', language: 'nl' })).person;
    const chair = (await upsertPerson(db, org.id, { name: 'Vera Voorzitter', email: 'vera@zonnebeke.be', function: 'Voorzitter gemeenteraad', language: 'nl' })).person;
    const routes = [
      { id: randomUUID(), name: 'College', steps: [{ personId: director.id, role: 'signer', order: 1 }] },
      { id: randomUUID(), name: 'Gemeenteraad', steps: [{ personId: director.id, role: 'signer', order: 1 }, { personId: chair.id, role: 'signer', order: 2 }] },
    ];
    await db('organisations').where({ id: org.id }).update({ settings: JSON.stringify({ routes }) });
    const dir = await mkdtemp(path.join(tmpdir(), 'paraaf-meeting-'));
    for (const name of FILES) {
      const target = path.join(dir, name);
      await copyFile(path.join(FIXTURES, 'reportlab-decision.pdf'), target);
      uploads.push(target);
    }
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  let meetingPath = '';

  it('the secretary creates, fills and sends a meeting (desktop)', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await login(page);
      await page.getByRole('navigation', { name: /./ }).getByRole('link', { name: 'Zittingen' }).click();
      await page.getByRole('heading', { level: 1, name: 'Zittingen' }).waitFor();
      await checkState(page, 'meeting-list-empty');
      await page.getByLabel('Orgaan', { exact: true }).selectOption('gemeenteraad');
      await page.getByLabel('Datum van de zitting').fill('2027-01-12');
      await page.getByLabel('Titel', { exact: true }).fill('Gemeenteraad 12 januari 2027');
      await page.getByRole('button', { name: 'Zitting aanmaken' }).click();
      await page.getByRole('heading', { level: 1, name: 'Gemeenteraad 12 januari 2027' }).waitFor();
      meetingPath = new URL(page.url()).pathname;
      expect(await page.getByLabel('Wie tekent (voor alle stukken)').inputValue(), 'the route named after the body is chosen').to.not.equal('');
      await checkState(page, 'meeting-new');
      await page.getByLabel('PDF-bestanden').setInputFiles(uploads);
      await page.getByRole('button', { name: 'Opladen' }).click();
      await page.getByRole('status').filter({ hasText: '4 stuk(ken) toegevoegd' }).waitFor();
      const numbers = await page.locator('table.agenda input.agenda-number').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      expect(numbers).to.deep.equal(['1', '2', '3', '']);
      const titles = await page.locator('table.agenda td:nth-child(2) input').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      expect(titles).to.deep.equal(['Goedkeuring notulen vorige zitting', 'Aankoop grond Ieperstraat', 'Subsidie jeugdwerking', 'Notulen zitting 12 januari']);
      await checkState(page, 'meeting-uploaded');
      await page.getByLabel('Agendapunt van Notulen zitting 12 januari.pdf').fill('4');
      await page.getByLabel('Titel van 03 Subsidie jeugdwerking.pdf').fill('Subsidie jeugdwerking 2027');
      await page.getByRole('button', { name: 'Agenda bewaren' }).click();
      await page.getByRole('status').filter({ hasText: 'De agenda is bewaard.' }).waitFor();
      await page.getByRole('button', { name: 'Zitting versturen' }).click();
      // The confirmation is required: the browser refuses the form until it is ticked.
      expect(await page.getByLabel(/Ik heb de agenda en de stukken nagekeken/).evaluate((e) => (e as HTMLInputElement).validity.valid)).to.equal(false);
      await page.getByLabel(/Ik heb de agenda en de stukken nagekeken/).check();
      await page.getByRole('button', { name: 'Zitting versturen' }).click();
      await page.getByRole('status').filter({ hasText: 'De zitting is verstuurd: 4 stukken.' }).waitFor();
      await checkState(page, 'meeting-sent');
      await open(page, '/app/meetings');
      await checkState(page, 'meeting-list');
    } finally {
      await context.close();
    }
  });

  it('the secretary pages fit a 375 px screen', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 375, height: 812 } });
    try {
      await login(page);
      await open(page, meetingPath);
      await checkState(page, 'meeting-sent-375');
    } finally {
      await context.close();
    }
  });

  it('the director opens the one link of the meeting mail: the items in agenda order (desktop and 375 px), and signs them all in one sitting', async () => {
    const rows = (await app.deps.db('outbox').where({ kind: 'mail' })) as Array<{ payload: unknown }>;
    const payloads = rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { to: { email: string }; text: string });
    const director = payloads.filter((p) => p.to.email === 'dirk@zonnebeke.be');
    expect(director, 'one request mail for the meeting').to.have.length(1);
    const link = /https?:\/\/[^\s]+\/s\/[A-Za-z0-9_-]+\/batch\/meetings\/[0-9a-f-]{36}/.exec(director[0]!.text)?.[0];
    expect(link, director[0]!.text).to.be.a('string');
    const url = new URL(link!).pathname;
    for (const [width, state] of [[1280, 'meeting-signer'], [375, 'meeting-signer-375']] as const) {
      const { context, page } = await newPage(browser, { viewport: { width, height: 900 } });
      try {
        await open(page, url);
        await page.getByRole('heading', { level: 1, name: 'Gemeenteraad 12 januari 2027' }).waitFor();
        const labels = await page.locator('.batch-item label').allTextContents();
        expect(labels.map((l) => l.trim())).to.deep.equal(['1. Goedkeuring notulen vorige zitting', '2. Aankoop grond Ieperstraat', '3. Subsidie jeugdwerking 2027', '4. Notulen zitting 12 januari']);
        await checkState(page, state);
      } finally {
        await context.close();
      }
    }
    // At 375 px the director signs all four in one sitting: each document opened (downloaded), one consent, one button.
    const { context, page } = await newPage(browser, { viewport: { width: 375, height: 812 } });
    try {
      await open(page, url);
      const downloads = await page.locator('.batch-item a[download]').evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href));
      expect(downloads).to.have.length(4);
      for (const href of downloads) expect((await page.request.get(href)).status()).to.equal(200);
      await open(page, url);
      await page.getByLabel(/Ik heb de gekozen documenten gelezen/).check();
      await page.getByRole('button', { name: 'Ondertekenen', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Resultaat' }).waitFor();
      const why = await page.locator('#batch-failed [data-reason]').evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')));
      expect(why, 'nothing refused').to.deep.equal([]);
      await page.getByRole('heading', { level: 2, name: 'Ondertekend (4)', exact: true }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Niet ondertekend (0)', exact: true }).waitFor();
      await checkState(page, 'meeting-signer-signed-375');
    } finally {
      await context.close();
    }
    const statuses = (await app.deps.db('recipients').where({ email: 'dirk@zonnebeke.be' }).select('status')) as Array<{ status: string }>;
    expect(statuses.map((r) => r.status)).to.deep.equal(['signed', 'signed', 'signed', 'signed']);
  });

  it('the dashboard names each item’s meeting and filters by it; the meeting page reminds everyone still waiting in one action (desktop)', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await login(page);
      const labels = await page.locator('a.meeting-label').allTextContents();
      expect([...labels].sort()).to.deep.equal(['Gemeenteraad 12 jan. 2027 – punt 1', 'Gemeenteraad 12 jan. 2027 – punt 2', 'Gemeenteraad 12 jan. 2027 – punt 3', 'Gemeenteraad 12 jan. 2027 – punt 4']);
      await checkState(page, 'meeting-dashboard');
      await page.getByRole('link', { name: 'Gemeenteraad 12 jan. 2027 – punt 1' }).click();
      await page.getByText('Alleen de stukken van Gemeenteraad 12 jan. 2027').waitFor();
      expect(await page.locator('table.envelopes tbody tr').count()).to.equal(4);
      await checkState(page, 'meeting-dashboard-filtered');
      await open(page, meetingPath);
      await page.getByRole('button', { name: 'Iedereen herinneren die nog moet ondertekenen' }).click();
      // The director signed all four; the chair now waits on each: one reminder mail for her, for the four items.
      await page.getByRole('status').filter({ hasText: 'Herinnering verstuurd voor 4 stuk(ken)' }).waitFor();
      await checkState(page, 'meeting-reminded');
    } finally {
      await context.close();
    }
    const rows = (await app.deps.db('outbox').where({ kind: 'mail' })) as Array<{ payload: unknown }>;
    const reminders = rows
      .map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { to: { email: string }; subject: string })
      .filter((p) => p.subject.startsWith('Herinnering'));
    expect(reminders.map((p) => [p.to.email, p.subject])).to.deep.equal([['vera@zonnebeke.be', 'Herinnering: Gemeenteraad 12 januari 2027 wacht op uw handtekening (4 stuk(ken))']]);
  });
});
