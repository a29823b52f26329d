/**
 * Route steps naming functions on the staff send page (issue 12), in Chromium: the secretary chooses the route
 * "Gemeenteraad" while the general director is marked absent today, and the page says the substitute signs
 * ("wnd. algemeen directeur: Piet Claeys — An Dewaele is afwezig tot …"), offers the delegation registered for the
 * function ("zelf / bij opdracht: Els Declercq"), and shows only the chosen route's signers; a route whose function
 * nobody holds says so. Choosing the delegation puts the delegate in the placement step, and sending gives the
 * envelope to her as delegate. The meeting page says a delegation reaches the decisions only. Desktop and 375 px,
 * every state screenshotted into test-artifacts/screenshots/route-functions-*.png and checked with axe.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { brusselsDay } from '../../src/domain/mandates.ts';
import { createOrganisation, createUser, type Organisation } from '../../src/store/index.ts';
import { addMandate, addPerson, createFunction, createMeeting, listEnvelopes, recordAbsence, registerDelegation, type StaffActor } from '../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../helpers/bootstrap.ts';
import { devPki } from '../integration/api/helpers.ts';
import { checkState, launchBrowser, newPage, openAt, staffLogin } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const STAFF = 'secretariaat@zonnebeke.be';
const ACTOR: StaffActor = { kind: 'api_key', id: 'browser-route-functions', label: 'secretariaat' };
const PDF = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'pdf', 'reportlab-decision.pdf');
const plus = (day: string, days: number): string => new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('route steps naming functions on the send page (Chromium)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Browser;
  let org: Organisation;
  let meetingId = '';
  const routes = { raad: '', college: '', vacant: '' };
  const today = brusselsDay(new Date());
  const until = new Intl.DateTimeFormat('nl-BE', { day: 'numeric', month: 'long', ...(plus(today, 4).slice(0, 4) === today.slice(0, 4) ? {} : { year: 'numeric' }), timeZone: 'UTC' }).format(new Date(`${plus(today, 4)}T12:00:00Z`));

  const chooseRoute = async (page: Page, name: string) => {
    await page.getByLabel('Ondertekeningsroute').selectOption({ label: (await page.getByLabel('Ondertekeningsroute').locator('option').allTextContents()).find((t) => t.startsWith(`${name}:`))! });
  };

  before(async function () {
    this.timeout(120_000);
    const pki = await devPki();
    [app, browser] = await Promise.all([bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { SIGNER_SECRET: 's'.repeat(40) } }), launchBrowser()]);
    const deps = app.deps;
    org = await createOrganisation(deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    const staff = { organisationId: org.id, actor: ACTOR };
    await createUser(deps.db, org.id, { email: STAFF, role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    const add = async (name: string, email: string, fn: string) => (await addPerson(deps, { ...staff, person: { name, email, function: fn } })).id;
    const an = await add('An Dewaele', 'an@zonnebeke.be', 'Algemeen directeur');
    const piet = await add('Piet Claeys', 'piet@zonnebeke.be', 'Adjunct-directeur');
    const els = await add('Els Declercq', 'els@zonnebeke.be', 'Diensthoofd secretariaat');
    const vera = await add('Vera Voorzitter', 'vera@zonnebeke.be', 'Voorzitter gemeenteraad');
    const director = (await createFunction(deps, { ...staff, name: 'Algemeen directeur' })).id;
    const chair = (await createFunction(deps, { ...staff, name: 'Voorzitter gemeenteraad' })).id;
    const mayor = (await createFunction(deps, { ...staff, name: 'Burgemeester' })).id;
    await addMandate(deps, { ...staff, functionId: director, personId: an, kind: 'holder', startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: director, personId: piet, kind: 'substitute', rank: 1, startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: chair, personId: vera, kind: 'holder', startsOn: '2025-01-01' });
    await recordAbsence(deps.workflow, { ...staff, personId: an, startsOn: today, endsOn: plus(today, 4), reason: 'verlof' });
    await registerDelegation(deps, { ...staff, functionId: director, delegatePersonId: els, scope: ['decision', 'other'], validFrom: '2025-01-01' });
    routes.raad = randomUUID();
    routes.college = randomUUID();
    routes.vacant = randomUUID();
    const settings = {
      routes: [
        { id: routes.raad, name: 'Gemeenteraad', steps: [{ functionId: director, role: 'signer', order: 1 }, { functionId: chair, role: 'signer', order: 2 }] },
        { id: routes.college, name: 'Dienstnota', steps: [{ personId: vera, role: 'signer', order: 1 }] },
        { id: routes.vacant, name: 'Schepencollege', steps: [{ functionId: mayor, role: 'signer', order: 1 }, { functionId: director, role: 'signer', order: 2 }] },
      ],
    };
    await deps.db('organisations').where({ id: org.id }).update({ settings: JSON.stringify(settings) });
    meetingId = (await createMeeting(deps, { ...staff, body: 'gemeenteraad', title: 'Gemeenteraad volgende week', date: plus(today, 2) })).id;
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows who signs today (the substitute), offers the delegation, and sends to the delegate chosen (desktop)', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await staffLogin(page, app.url, STAFF, PASSWORD);
      await openAt(page, `${app.url}/app/send`);
      const raad = page.locator(`fieldset[data-route-id="${routes.raad}"]`);
      expect(await raad.isVisible(), 'no route chosen: no signers shown').to.equal(false);
      await chooseRoute(page, 'Gemeenteraad');
      await raad.waitFor({ state: 'visible' });
      expect(await page.locator(`fieldset[data-route-id="${routes.vacant}"]`).isVisible(), 'only the chosen route').to.equal(false);
      expect(await raad.locator('legend').textContent()).to.match(/^Wie tekent voor Gemeenteraad op \w+dag \d+ \w+ \d{4}$/);
      expect(await raad.locator('li').allTextContents()).to.deep.equal([
        `wnd. algemeen directeur: Piet Claeys — An Dewaele is afwezig tot ${until} (ondertekent)`,
        'Voorzitter gemeenteraad: Vera Voorzitter (ondertekent)',
      ]);
      const choice = raad.getByLabel('Wie tekent als algemeen directeur?');
      expect(await choice.locator('option').allTextContents()).to.deep.equal(['zelf: Piet Claeys', 'bij opdracht: Els Declercq (Diensthoofd secretariaat)']);
      await checkState(page, 'route-functions-send');

      await page.getByLabel('PDF-bestanden').setInputFiles([PDF]);
      const signers = page.getByLabel('Handtekening van');
      await signers.waitFor({ state: 'visible' });
      expect(await signers.locator('option').allTextContents()).to.deep.equal(['Piet Claeys', 'Vera Voorzitter']);
      await choice.selectOption({ label: 'bij opdracht: Els Declercq (Diensthoofd secretariaat)' });
      await page.waitForFunction(() => [...document.querySelectorAll('#placement-signer option')].some((o) => o.textContent === 'Els Declercq'));
      expect(await signers.locator('option').allTextContents(), 'the delegate places her box').to.deep.equal(['Els Declercq', 'Vera Voorzitter']);
      await checkState(page, 'route-functions-delegation');

      await chooseRoute(page, 'Schepencollege');
      const vacant = page.locator(`fieldset[data-route-id="${routes.vacant}"]`);
      await vacant.waitFor({ state: 'visible' });
      expect(await raad.isVisible()).to.equal(false);
      expect(await vacant.locator('li.problem').textContent()).to.match(/^Niemand is burgemeester op \w+dag \d+ \w+ \d{4}\. Vul de functie aan bij Functies en mandaten\.$/);
      await checkState(page, 'route-functions-vacant');

      await chooseRoute(page, 'Gemeenteraad');
      await page.getByRole('button', { name: 'Versturen' }).click();
      await page.waitForURL(/\/app\?sent=1$/);
      const [envelope] = (await listEnvelopes(app.deps.workflow, { organisationId: org.id, limit: 10 })).items;
      expect(envelope!.recipients.map((r) => [r.name, r.function, r.capacity, r.actingStatement])).to.deep.equal([
        ['Els Declercq', 'Diensthoofd secretariaat', 'delegate', 'Bij opdracht van de algemeen directeur'],
        ['Vera Voorzitter', 'Voorzitter gemeenteraad', 'holder', null],
      ]);
    } finally {
      await context.close();
    }
  });

  it('the send page and the meeting page fit a 375 px screen', async () => {
    const { context, page } = await newPage(browser, { viewport: { width: 375, height: 812 } });
    try {
      await staffLogin(page, app.url, STAFF, PASSWORD);
      await openAt(page, `${app.url}/app/send`);
      await chooseRoute(page, 'Gemeenteraad');
      await page.locator(`fieldset[data-route-id="${routes.raad}"]`).waitFor({ state: 'visible' });
      await page.locator(`fieldset[data-route-id="${routes.raad}"]`).getByLabel('Wie tekent als algemeen directeur?').selectOption({ label: 'bij opdracht: Els Declercq (Diensthoofd secretariaat)' });
      await checkState(page, 'route-functions-send-375');

      await openAt(page, `${app.url}/app/meetings/${meetingId}`);
      const raad = page.locator(`fieldset[data-route-id="${routes.raad}"]`);
      await page.getByLabel('Wie tekent (voor alle stukken)').selectOption({ label: 'Gemeenteraad' });
      await raad.waitFor({ state: 'visible' });
      expect(await raad.textContent()).to.include('Een opdracht geldt alleen voor de besluiten. De notulen ondertekent de titularis of zijn waarnemer.');
      await checkState(page, 'route-functions-meeting-375');
    } finally {
      await context.close();
    }
  });
});
