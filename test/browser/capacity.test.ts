/**
 * The signer is told in what capacity they sign, before they sign (issue 12), in Chromium: the general director
 * An is marked absent, so Piet signs as "wnd. algemeen directeur"; Els signs a decision by delegation ("Bij opdracht
 * van de algemeen directeur"). On the link page the line "Uw handtekening vermeldt: …" stands above the sign button
 * and describes the form and the button; on the meeting page it stands once above the button when every item says
 * the same (Els), and per item, describing each checkbox, when the items differ (Piet signs one item as substitute
 * and one as chair). Desktop, 375 px and 320 px, every state screenshotted into
 * test-artifacts/screenshots/capacity-*.png and checked with axe (zero violations) and for sideways scrolling.
 */
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import request from 'supertest';
import { brusselsDay } from '../../src/domain/mandates.ts';
import { addMandate, addPerson, createFunction, recordAbsence, registerDelegation, type StaffActor } from '../../src/workflow/index.ts';
import { checkState, newPage, signerSuite } from './helpers.ts';

const ACTOR: StaffActor = { kind: 'api_key', id: 'browser-capacity', label: 'secretariaat' };
const PIET_LINE = 'Uw handtekening vermeldt: Piet Claeys, wnd. algemeen directeur';
const ELS_LINE = 'Uw handtekening vermeldt: Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd secretariaat';
const plus = (day: string, days: number): string => new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const MEETING_LINK = /\/s\/([A-Za-z0-9_-]{20,})\/batch\/meetings\/([0-9a-f-]{36})/;

describe('the signer sees what their signature will say (Chromium)', function () {
  this.timeout(120_000);
  const suite = signerSuite();
  const links = { piet: '', els: '', pietMeeting: '', elsMeeting: '' };

  /** The text of the element(s) a control's aria-describedby names. */
  const description = (control: Locator) =>
    control.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent?.trim() ?? `#${id} missing`));
  const above = async (upper: Locator, lower: Locator) => (await upper.boundingBox())!.y < (await lower.boundingBox())!.y;

  before(async function () {
    this.timeout(120_000);
    const { e2e } = suite;
    const deps = e2e.app.deps;
    const staff = { organisationId: e2e.organisation.id, actor: ACTOR };
    const today = brusselsDay(new Date());
    const add = async (name: string, email: string, fn: string) => (await addPerson(deps, { ...staff, person: { name, email, function: fn } })).id;
    const an = await add('An Dewaele', 'an@zonnebeke.be', 'Algemeen directeur');
    const piet = await add('Piet Claeys', 'piet@zonnebeke.be', 'Adjunct-directeur');
    const els = await add('Els Declercq', 'els@zonnebeke.be', 'Diensthoofd secretariaat');
    const director = (await createFunction(deps, { ...staff, name: 'Algemeen directeur' })).id;
    const chair = (await createFunction(deps, { ...staff, name: 'Voorzitter gemeenteraad' })).id;
    await addMandate(deps, { ...staff, functionId: director, personId: an, kind: 'holder', startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: director, personId: piet, kind: 'substitute', rank: 1, startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: chair, personId: piet, kind: 'holder', startsOn: '2025-01-01' });
    await recordAbsence(deps.workflow, { ...staff, personId: an, startsOn: today, endsOn: plus(today, 4), reason: 'verlof' });
    const delegation = (await registerDelegation(deps, { ...staff, functionId: director, delegatePersonId: els, scope: ['decision', 'other'], validFrom: '2025-01-01' })).id;

    const create = async (envelope: Record<string, unknown>) => {
      const res = await e2e.createEnvelope(envelope);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as string;
    };
    const single = async (title: string, recipient: Record<string, unknown>, email: string) => {
      const id = await create({ title, send: true, recipients: [{ ...recipient, role: 'signer' }] });
      await e2e.deliver();
      return `${e2e.app.url}/s/${(await e2e.theMail(id, email, 'signRequest')).token}`;
    };
    links.piet = await single('Besluit aankoop laptops', { functionId: director }, 'piet@zonnebeke.be');
    links.els = await single('Besluit subsidie toneelvereniging De Vrolijke Vrienden', { functionId: director, delegationId: delegation }, 'els@zonnebeke.be');

    const meeting = await request(e2e.app.url).post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title: 'Gemeenteraad 14 december', date: plus(today, 2) });
    expect(meeting.status, JSON.stringify(meeting.body)).to.equal(201);
    const meetingId = meeting.body.id as string;
    await create({ title: 'Aankoop grond Ieperstraat', meetingId, agendaItem: '1', recipients: [{ functionId: director, role: 'signer' }] });
    await create({ title: 'Subsidie jeugdwerking', meetingId, agendaItem: '2', recipients: [{ functionId: director, delegationId: delegation, role: 'signer' }] });
    await create({ title: 'Huishoudelijk reglement gemeenteraad', meetingId, agendaItem: '3', recipients: [{ functionId: chair, role: 'signer' }] });
    const sent = await request(e2e.app.url).post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send();
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    await e2e.deliver();
    const meetingLink = async (email: string) => {
      const mail = (await e2e.mails({ to: email })).find((m) => m.subject.includes('Gemeenteraad 14 december'))!;
      const [path] = MEETING_LINK.exec(mail.text) ?? [];
      expect(path, mail.text).to.be.a('string');
      return `${e2e.app.url}${path}`;
    };
    links.pietMeeting = await meetingLink('piet@zonnebeke.be');
    links.elsMeeting = await meetingLink('els@zonnebeke.be');
  });

  const open = async (page: Page, url: string) => {
    const res = await page.goto(url);
    expect(res?.status(), url).to.equal(200);
  };

  /** The link page: the line above the sign button, describing the form and the button. */
  const linkPage = async (page: Page, url: string, line: string, state: string) => {
    await open(page, url);
    const signsAs = page.locator('#signs-as');
    expect((await signsAs.textContent())?.replace(/\s+/g, ' ').trim()).to.equal(line);
    const button = page.getByRole('button', { name: 'Ondertekenen', exact: true });
    expect(await above(signsAs, button), 'the line stands above the sign button').to.equal(true);
    // While a document is unread the script puts its reason first (signer.js guardSigning); the line stays.
    expect(await description(button)).to.deep.equal([await page.locator('#read-explain').evaluate((el) => el.textContent!.trim()), line]);
    expect(await description(page.locator('#sign-form'))).to.deep.equal([line]);
    await checkState(page, state);
  };

  for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['375', { width: 375, height: 812 }]] as const) {
    it(`link pages of a substitute and a delegate, and their meeting pages (${label})`, async () => {
      const { context, page } = await newPage(suite.browser, { viewport });
      try {
        await linkPage(page, links.piet, PIET_LINE, `capacity-link-substitute-${label}`);
        await linkPage(page, links.els, ELS_LINE, `capacity-link-delegate-${label}`);

        // Els: one item, by delegation: one line above the button.
        await open(page, links.elsMeeting);
        const button = page.locator('#batch-sign');
        expect(await page.locator('.signs-as').count()).to.equal(1);
        expect((await page.locator('#signs-as').textContent())?.replace(/\s+/g, ' ').trim()).to.equal(ELS_LINE);
        expect(await above(page.locator('#signs-as'), button)).to.equal(true);
        expect(await description(page.locator('#batch-sign'))).to.deep.equal([ELS_LINE]);
        await checkState(page, `capacity-meeting-delegate-${label}`);

        // Piet: one item as substitute, one as chair: the line per item, describing its checkbox.
        await open(page, links.pietMeeting);
        expect(await page.locator('#signs-as').count(), 'no single line when the items differ').to.equal(0);
        const items = page.locator('li.batch-item');
        expect(await items.count()).to.equal(2);
        expect((await items.locator('.signs-as').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).to.deep.equal([PIET_LINE, 'Uw handtekening vermeldt: Piet Claeys, Voorzitter gemeenteraad']);
        // Each checkbox is described by its deadline and then its own line.
        expect((await description(page.getByRole('checkbox', { name: '1. Aankoop grond Ieperstraat' }))).slice(1)).to.deep.equal([PIET_LINE]);
        expect((await description(page.getByRole('checkbox', { name: '3. Huishoudelijk reglement gemeenteraad' }))).slice(1)).to.deep.equal(['Uw handtekening vermeldt: Piet Claeys, Voorzitter gemeenteraad']);
        await checkState(page, `capacity-meeting-substitute-${label}`);
      } finally {
        await context.close();
      }
    });
  }

  it('the longest line, a delegate\'s, fits a 320 px screen', async () => {
    const { context, page } = await newPage(suite.browser, { viewport: { width: 320, height: 700 } });
    try {
      await linkPage(page, links.els, ELS_LINE, 'capacity-link-delegate-320');
    } finally {
      await context.close();
    }
  });
});
