/**
 * Functions, mandates, absences and delegations in Chromium (issue 12): the secretary adds "Algemeen directeur" with
 * a holder and a substitute, marks the holder absent (and reads who stands in), registers a delegation (only the
 * delegable functions are offered; a forged request for the minutes gets the decree's refusal), revokes it after a
 * confirmation, ends a mandate, withdraws the absence, and imports the mandate database's CSV (a dry run with each problem's line, then the
 * import). Every state is screenshotted into test-artifacts/screenshots/mandates-*.png and checked with axe (zero
 * violations), for sideways scrolling and script errors, at desktop width and at 375 and 320 px.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { brusselsDay } from '../../src/domain/mandates.ts';
import { createOrganisation, createUser, upsertPerson, type Organisation } from '../../src/store/index.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';
import { checkState, launchBrowser, newPage, staffLogin } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const DAY_MS = 86_400_000;
const dayIn = (days: number) => brusselsDay(new Date(Date.now() + days * DAY_MS));
const longDay = (day: string) => new Intl.DateTimeFormat('nl-BE', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));

/** The Lokaal Mandatenbeheer download of the council (comma, DD-MM-YYYY), with one line that cannot be read. */
export const MANDATE_CSV = [
  'Voornaam,Naam,Fractie,Mandaat,Status,Orgaan,StartMandaat,EindeMandaat,PublicatieStatus,Rangorde,Beleidsdomeinen,E-mail',
  'Vera,Voorzitter,Lijst A,Voorzitter van de gemeenteraad,Effectief,Gemeenteraad,02-01-2025,,Bekrachtigd,,,vera@zonnebeke.be',
  'Bart,Burgemeester,Lijst A,Burgemeester,Effectief,College van burgemeester en schepenen,02-01-2025,,Bekrachtigd,,,bart@zonnebeke.be',
  'Onbekende,Persoon,Lijst B,Gemeenteraadslid,Effectief,Gemeenteraad,niet-een-datum,,Bekrachtigd,,,',
].join('\n');

describe('functions, mandates, absences and delegations in a real browser (Chromium)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Browser;
  let org: Organisation;
  const today = brusselsDay(new Date());

  const open = async (p: Page, url: string, status = 200) => {
    const res = await p.goto(`${app.url}${url}`);
    expect(res?.status(), url).to.equal(status);
  };
  const status = (p: Page, text: string | RegExp) => p.getByRole('status').filter({ hasText: text }).waitFor();
  const section = (p: Page, name: string) => p.getByRole('navigation', { name: 'Mandaten' }).getByRole('link', { name, exact: true }).click();

  before(async function () {
    this.timeout(120_000);
    [app, browser] = await Promise.all([bootstrap({ env: { SIGNER_SECRET: 's'.repeat(40) } }), launchBrowser()]);
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    await createUser(db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    await createUser(db, org.id, { email: 'onthaal@zonnebeke.be', role: 'staff', name: 'Olaf Onthaal', password: PASSWORD });
    for (const [name, email, fn] of [
      ['Dirk Directeur', 'dirk@zonnebeke.be', 'Algemeen directeur'],
      ['Piet Claeys', 'piet@zonnebeke.be', 'Adjunct-algemeen directeur'],
      ['Els Declercq', 'els@zonnebeke.be', 'Diensthoofd secretariaat'],
      ['Vera Voorzitter', 'vera@zonnebeke.be', 'Gemeenteraadslid'],
      ['Bart Burgemeester', 'bart@zonnebeke.be', 'Burgemeester'],
    ] as const) {
      await upsertPerson(db, org.id, { name, email, function: fn, language: 'nl' });
    }
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('the secretary adds a function with a holder and a substitute, marks the holder absent, registers and revokes a delegation (desktop)', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await staffLogin(page, app.url, 'secretariaat@zonnebeke.be', PASSWORD);
      await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mandaten' }).click();
      await page.getByRole('heading', { level: 1, name: 'Functies en mandaten' }).waitFor();
      await checkState(page, 'mandates-functions-empty');

      await page.getByLabel('Naam van de functie').fill('Algemeen directeur');
      await page.getByRole('button', { name: 'Functie toevoegen' }).click();
      await status(page, 'De functie is toegevoegd.');
      await page.getByLabel('Naam van de functie').fill('Voorzitter gemeenteraad');
      await page.getByLabel('Orgaan (niet verplicht)').selectOption({ label: 'Gemeenteraad' });
      await page.getByRole('button', { name: 'Functie toevoegen' }).click();
      await status(page, 'De functie is toegevoegd.');
      // The same name again, written otherwise: refused on the form.
      await page.getByLabel('Naam van de functie').fill('algemeen  DIRECTEUR');
      await page.getByRole('button', { name: 'Functie toevoegen' }).click();
      await page.getByRole('alert').filter({ hasText: 'Er bestaat al een functie met die naam.' }).waitFor();
      expect(await page.getByLabel('Naam van de functie').inputValue()).to.equal('algemeen  DIRECTEUR');
      await checkState(page, 'mandates-function-exists');

      const addMandate = async (person: string, kind: 'Titularis' | 'Waarnemer') => {
        await page.getByLabel('Functie', { exact: true }).selectOption({ label: 'Algemeen directeur' });
        await page.getByLabel('Persoon uit de adresgids').selectOption({ label: person });
        await page.getByLabel('Rol', { exact: true }).selectOption({ label: kind });
        await page.getByLabel('Vanaf').fill(today);
        await page.getByRole('button', { name: 'Mandaat toevoegen' }).click();
        await status(page, 'Het mandaat is toegevoegd.');
      };
      await addMandate('Dirk Directeur – Algemeen directeur', 'Titularis');
      await addMandate('Piet Claeys – Adjunct-algemeen directeur', 'Waarnemer');
      const director = page.getByRole('region', { name: 'Algemeen directeur' });
      await director.getByText('Dirk Directeur, titularis').waitFor();
      await director.getByText('Delegeerbaar', { exact: true }).waitFor();
      expect(await director.locator('ol.substitutes li').allTextContents()).to.deep.equal(['Piet Claeys']);
      expect(await director.getByRole('table').locator('tbody th').allTextContents()).to.deep.equal(['Dirk Directeur', 'Piet Claeys']);
      await page.getByRole('region', { name: 'Voorzitter gemeenteraad' }).getByText('Niet delegeerbaar').waitFor();
      await checkState(page, 'mandates-functions');

      // Absent from today for a week: the substitute stands in.
      await section(page, 'Afwezigheden');
      await page.getByRole('heading', { level: 1, name: 'Afwezigheden' }).waitFor();
      await page.getByLabel('Wie is afwezig').selectOption({ label: 'Dirk Directeur – Algemeen directeur' });
      await page.getByLabel('Eerste dag').fill(today);
      await page.getByLabel('Laatste dag').fill(dayIn(7));
      await page.getByLabel('Reden (niet verplicht)').fill('verlof');
      await page.getByRole('button', { name: 'Afwezig melden' }).click();
      await status(page, 'De afwezigheid is genoteerd.');
      const row = page.getByRole('row', { name: /Dirk Directeur/ });
      await row.getByText('Piet Claeys neemt waar als algemeen directeur.').waitFor();
      await row.getByText(`${longDay(today)} tot en met ${longDay(dayIn(7))}`).waitFor();
      await checkState(page, 'mandates-absences');
      await section(page, 'Functies en mandaten');
      await director.getByText('Piet Claeys, wnd. algemeen directeur').waitFor();
      await director.getByText('Dirk Directeur is afwezig.').waitFor();
      await checkState(page, 'mandates-functions-absent');

      // The register: only the delegable function is offered.
      await section(page, 'Delegaties');
      await page.getByRole('heading', { level: 1, name: 'Delegaties' }).waitFor();
      await checkState(page, 'mandates-delegations-empty');
      expect(await page.getByLabel('Functie', { exact: true }).locator('option').allTextContents()).to.deep.equal(['Algemeen directeur']);
      expect(await page.getByRole('group', { name: 'Voor welke stukken' }).getByRole('checkbox').count()).to.equal(2);
      await page.getByLabel('Aan wie (de gedelegeerde)').selectOption({ label: 'Els Declercq – Diensthoofd secretariaat' });
      await page.getByLabel('Referentie (niet verplicht)').fill('besluit van 2 december 2026');

      // A forged request for the minutes is refused with the decree's words, and nothing is registered.
      await page.locator('form[action="/app/delegations"]').evaluate((form) => {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'scope';
        input.value = 'minutes';
        form.append(input);
      });
      const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/app/delegations') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Delegatie registreren' }).click()]);
      expect(refused.status()).to.equal(422);
      await page.getByRole('alert').filter({ hasText: 'De notulen kunnen niet bij opdracht ondertekend worden: de titularis of zijn waarnemer ondertekent ze.' }).waitFor();
      await page.getByText('Er zijn nog geen delegaties geregistreerd.').waitFor();
      await checkState(page, 'mandates-delegation-minutes-refused');

      await page.getByLabel('Besluiten').check();
      await page.getByLabel('Andere stukken').check();
      await page.getByLabel('Geldig vanaf').fill(today);
      await page.getByLabel('Referentie (niet verplicht)').fill('besluit van 2 december 2026');
      await page.getByRole('button', { name: 'Delegatie registreren' }).click();
      await status(page, 'De delegatie is geregistreerd.');
      const registered = page.getByRole('row', { name: /Algemeen directeur/ });
      expect((await registered.locator('td').allTextContents()).slice(0, 5)).to.deep.equal([
        'Dirk Directeur',
        'Els Declercq',
        'Besluiten, Andere stukken',
        `vanaf ${longDay(today)}, tot intrekking`,
        'besluit van 2 december 2026',
      ]);
      await registered.getByText(/^Geregistreerd door Sara Secretariaat, /).waitFor();
      await registered.getByText('Geldig', { exact: true }).waitFor();
      await checkState(page, 'mandates-delegations');

      await page.getByRole('link', { name: 'Delegatie van Algemeen directeur aan Els Declercq intrekken' }).click();
      await page.getByRole('heading', { level: 1, name: 'Delegatie intrekken' }).waitFor();
      await checkState(page, 'mandates-delegation-revoke');
      await page.getByRole('button', { name: 'Ja, delegatie intrekken' }).click();
      await status(page, 'De delegatie is ingetrokken.');
      await page.getByRole('row', { name: /Algemeen directeur/ }).getByText(/^Ingetrokken door Sara Secretariaat, /).waitFor();
      expect(await page.getByRole('link', { name: /intrekken/ }).count(), 'a revoked delegation is not revoked again').to.equal(0);
      await checkState(page, 'mandates-delegations-revoked');

      // The substitute's mandate ends next week.
      await section(page, 'Functies en mandaten');
      await page.getByLabel('Laatste dag van het mandaat van Piet Claeys').fill(dayIn(7));
      await director.getByRole('row', { name: /Piet Claeys/ }).getByRole('button', { name: 'Beëindigen' }).click();
      await status(page, 'Het mandaat is beëindigd.');
      await director.getByRole('row', { name: /Piet Claeys/ }).getByText(`${longDay(today)} tot en met ${longDay(dayIn(7))}`).waitFor();

      // The director is back: the absence is withdrawn, stays listed as withdrawn, and the director signs again.
      await section(page, 'Afwezigheden');
      await page.getByRole('button', { name: `Afwezigheid van Dirk Directeur (${longDay(today)} tot en met ${longDay(dayIn(7))}) intrekken` }).click();
      await status(page, 'De afwezigheid is ingetrokken.');
      await page.getByRole('row', { name: /Dirk Directeur/ }).getByText('Ingetrokken', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /intrekken/ }).count()).to.equal(0);
      await checkState(page, 'mandates-absence-withdrawn');
      await section(page, 'Functies en mandaten');
      await director.getByText('Dirk Directeur, titularis').waitFor();
    } finally {
      await context.close();
    }
    const delegations = (await app.deps.db('delegations').where({ organisation_id: org.id })) as Array<{ scope: unknown; revoked_at: unknown; reference: string }>;
    expect(delegations).to.have.length(1);
    expect(delegations[0]!.reference).to.equal('besluit van 2 december 2026');
    expect(delegations[0]!.revoked_at).to.not.equal(null);
  });

  it('the secretary imports the mandate database CSV: a dry run with each problem and its line, then the import (desktop)', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await staffLogin(page, app.url, 'secretariaat@zonnebeke.be', PASSWORD);
      await open(page, '/app/functions');
      await section(page, 'Importeren');
      await page.getByRole('heading', { level: 1, name: 'Importeren uit de mandatendatabank' }).waitFor();
      await checkState(page, 'mandates-import');
      const before = Number((await app.deps.db('mandates').where({ organisation_id: org.id }).count({ n: '*' }).first())!.n);
      await page.getByLabel('CSV-bestand uit de mandatendatabank').setInputFiles({ name: 'mandatarissen.csv', mimeType: 'text/csv', buffer: Buffer.from(MANDATE_CSV, 'utf8') });
      await page.getByRole('button', { name: 'Nakijken wat er zou veranderen' }).click();
      await page.getByRole('heading', { level: 2, name: 'Wat er zou veranderen' }).waitFor();
      await page.getByText(/^Nieuwe mandaten: 2\. Gewijzigd: 0\. Ongewijzigd: 0\. Regels met een probleem: 1\./).waitFor();
      expect(await page.locator('.import-changes li').allTextContents()).to.deep.equal([
        'Regel 2, nieuw: Vera Voorzitter, titularis van Voorzitter gemeenteraad, vanaf 2 januari 2025',
        'Regel 3, nieuw: Bart Burgemeester, titularis van Burgemeester, vanaf 2 januari 2025',
      ]);
      expect(await page.locator('.import-problems li').allTextContents()).to.deep.equal(['Regel 4: Onbekende Persoon: de begindatum ‘niet-een-datum’ is geen datum (d/m/jjjj of jjjj-mm-dd)']);
      expect(Number((await app.deps.db('mandates').where({ organisation_id: org.id }).count({ n: '*' }).first())!.n), 'a dry run changes nothing').to.equal(before);
      await checkState(page, 'mandates-import-dry-run');
      await page.getByRole('button', { name: 'Ja, deze wijzigingen importeren' }).click();
      await page.getByRole('heading', { level: 2, name: 'Wat er veranderd is' }).waitFor();
      await status(page, 'De mandaten zijn geïmporteerd.');
      await page.getByText(/^Nieuwe mandaten: 2\. /).waitFor();
      await checkState(page, 'mandates-import-done');
      expect(Number((await app.deps.db('mandates').where({ organisation_id: org.id }).count({ n: '*' }).first())!.n)).to.equal(before + 2);
      await open(page, '/app/functions');
      await page.getByRole('region', { name: 'Burgemeester' }).getByText('Bart Burgemeester, titularis').waitFor();
      await page.getByRole('region', { name: 'Burgemeester' }).getByText('Mandatendatabank').waitFor();
    } finally {
      await context.close();
    }
  });

  it('every page fits 375 and 320 px; a member of staff who is not an admin sees the pages without forms', async () => {
    const revoked = (await app.deps.db('delegations').where({ organisation_id: org.id }).first()) as { id: string };
    await app.deps.db('delegations').insert({ ...revoked, id: randomUUID(), revoked_at: null, revoked_by_id: null, valid_until: dayIn(30) });
    for (const width of [375, 320]) {
      const { context, page } = await newPage(browser, { viewport: { width, height: 800 } });
      try {
        await staffLogin(page, app.url, 'secretariaat@zonnebeke.be', PASSWORD);
        for (const [path, state] of [['/app/functions', 'functions'], ['/app/absences', 'absences'], ['/app/delegations', 'delegations'], ['/app/functions/import', 'import']] as const) {
          await open(page, path);
          await checkState(page, `mandates-${state}-${width}`);
        }
        await open(page, '/app/delegations');
        await page.getByRole('link', { name: 'Delegatie van Algemeen directeur aan Els Declercq intrekken' }).click();
        await page.getByRole('heading', { level: 1, name: 'Delegatie intrekken' }).waitFor();
        await checkState(page, `mandates-delegation-revoke-${width}`);
      } finally {
        await context.close();
      }
    }
    const { context, page } = await newPage(browser, { viewport: { width: 375, height: 800 } });
    try {
      await staffLogin(page, app.url, 'onthaal@zonnebeke.be', PASSWORD);
      await open(page, '/app/functions');
      await page.getByText('alleen een beheerder kan functies').waitFor();
      await page.getByRole('region', { name: 'Algemeen directeur' }).getByText('Els Declercq (Besluiten, Andere stukken)', { exact: false }).waitFor();
      expect(await page.getByRole('button').filter({ hasText: /toevoegen|Beëindigen/ }).count()).to.equal(0);
      await checkState(page, 'mandates-functions-staff-375');
      await open(page, '/app/delegations');
      expect(await page.getByRole('link', { name: /intrekken/ }).count()).to.equal(0);
      await checkState(page, 'mandates-delegations-staff-375');
      await open(page, '/app/functions/import', 403);
      for (const [path, heading, state] of [['/app/functions?lang=fr', 'Fonctions et mandats', 'functions-fr'], ['/app/delegations?lang=en', 'Delegations', 'delegations-en']] as const) {
        await open(page, path);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await checkState(page, `mandates-${state}-375`);
      }
    } finally {
      await context.close();
    }
  });
});
