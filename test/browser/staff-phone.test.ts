/**
 * Every staff page on a phone (issue 12, "every page usable at 320 px without sideways scrolling"): at 375 and 320 px
 * each page of /app — logged out and in, the dashboard, a dossier with long names and addresses, its cancel page,
 * sending, meetings, notifications, the directory, functions, absences and delegations, settings and routes,
 * users, the password page — is opened in Chromium and must not scroll sideways (document.scrollingElement's
 * scrollWidth within its clientWidth), nor hide a table in a box that scrolls sideways; each is screenshotted
 * (test-artifacts/screenshots/staff-<width>-*.png) and checked with axe (zero violations).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { createUser, disableUser, upsertPerson } from '../../src/store/index.ts';
import { checkState, newPage, openAt, signerSuite, staffLogin } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const STAFF = 'secretariaat.gsm@zonnebeke.be';
const LONG = {
  name: 'Marie-Christine Vandenbroucke-Verstraete',
  email: 'marie-christine.vandenbroucke-verstraete@gemeente-zonnebeke.be',
  function: 'Voorzitter van de gemeenteraad en waarnemend burgemeester',
};
const DIRECTOR = { name: 'Dirk Directeur', email: 'algemeen.directeur.dirk@gemeente-zonnebeke.be', function: 'Algemeen directeur' };

/** The page as a phone shows it: its width, and any box on it that scrolls sideways (a table in an overflow box). */
async function sideways(page: Page): Promise<{ scrollWidth: number; clientWidth: number; scrollers: string[]; beyond: string[] }> {
  return page.evaluate(() => {
    const root = document.scrollingElement!;
    // No named functions in here: the test's compiler would name them through a helper the page does not have.
    const all = [...document.querySelectorAll('body *')];
    const labels = all.map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}.${[...element.classList].join('.')}`);
    // What reaches past the right edge, for the failure message.
    const beyond = labels.filter((_, i) => all[i]!.getBoundingClientRect().right > root.clientWidth + 1).slice(0, 8);
    const scrollers = labels.filter((_, i) => {
      const style = getComputedStyle(all[i]!);
      return (style.overflowX === 'auto' || style.overflowX === 'scroll') && all[i]!.scrollWidth > all[i]!.clientWidth + 1;
    });
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, scrollers, beyond };
  });
}

describe('every staff page fits a phone (320 and 375 px)', function () {
  this.timeout(180_000);
  const suite = signerSuite();
  const pages: Array<[string, string]> = [];

  before(async () => {
    const { e2e } = suite;
    const db = e2e.app.deps.db;
    await createUser(db, e2e.organisation.id, { email: STAFF, role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    // A colleague's edit page; a deactivated one puts "reactivate" in the users table.
    const colleague = await createUser(db, e2e.organisation.id, { email: 'communicatie.en.onthaal@gemeente-zonnebeke.be', role: 'staff', name: 'Charlotte Vandenbroucke-Verhaeghe', password: PASSWORD });
    await disableUser(db, e2e.organisation.id, (await createUser(db, e2e.organisation.id, { email: 'vertrokken@zonnebeke.be', role: 'staff', password: PASSWORD })).id, new Date());
    const chair = (await upsertPerson(db, e2e.organisation.id, { ...LONG, language: 'nl' })).person;
    const director = (await upsertPerson(db, e2e.organisation.id, { ...DIRECTOR, language: 'nl' })).person;
    const routeId = randomUUID();
    const routes = [{ id: routeId, name: 'Gemeenteraad', steps: [{ personId: director.id, role: 'signer', order: 1 }, { personId: chair.id, role: 'signer', order: 2 }] }];
    await db('organisations').where({ id: e2e.organisation.id }).update({ settings: JSON.stringify({ routes }) });
    const envelope = await e2e.createEnvelope({
      title: 'Goedkeuring van het meerjarenplan 2026-2031 en de bijhorende beleidsnota',
      message: 'Graag ondertekenen vóór de zitting van donderdag.',
      send: true,
      recipients: [
        { ...DIRECTOR, role: 'signer', order: 1 },
        { ...LONG, role: 'signer', order: 2 },
        { name: 'Archief', email: 'archief.en.documentbeheer@gemeente-zonnebeke.be', role: 'cc', order: 3 },
      ],
    });
    expect(envelope.status, JSON.stringify(envelope.body)).to.equal(201);
    const meeting = await request(e2e.app.url).post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title: 'Gemeenteraad 3 december 2026', date: '2026-12-03' });
    const item = await e2e.createEnvelope({ title: 'Subsidiereglement voor jeugdwerkingen', meetingId: meeting.body.id, agendaItem: '3', recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...LONG, role: 'signer', order: 2 }] });
    expect(item.status).to.equal(201);
    expect((await request(e2e.app.url).post(`/api/v1/meetings/${meeting.body.id}/send`).set(e2e.auth()).send()).status).to.equal(200);
    await e2e.deliver();
    const id = envelope.body.id as string;
    pages.push(
      ['dashboard', '/app'],
      ['dashboard-meeting', `/app?meeting=${meeting.body.id}`],
      ['envelope', `/app/envelopes/${id}`],
      ['cancel', `/app/envelopes/${id}/cancel`],
      ['send', '/app/send'],
      ['meetings', '/app/meetings'],
      ['meeting', `/app/meetings/${meeting.body.id}`],
      ['notifications', '/app/notifications'],
      ['people', '/app/people'],
      ['person', `/app/people/${chair.id}`],
      ['functions', '/app/functions'],
      ['functions-import', '/app/functions/import'],
      ['absences', '/app/absences'],
      ['delegations', '/app/delegations'],
      ['settings', '/app/settings'],
      ['route-new', '/app/settings/routes/new'],
      ['route', `/app/settings/routes/${routeId}`],
      ['users', '/app/users'],
      ['user', `/app/users/${colleague.id}`],
      ['password', '/app/password/change'],
    );
  });

  for (const width of [375, 320]) {
    it(`at ${width} px no staff page scrolls sideways`, async () => {
      const { context, page } = await newPage(suite.browser, { viewport: { width, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      const check = async (name: string) => {
        const size = await sideways(page);
        expect(size.scrollWidth, `${name} at ${width} px: the page scrolls sideways (${size.beyond.join(', ')})`).to.be.at.most(size.clientWidth);
        expect(size.scrollers, `${name} at ${width} px: a box scrolls sideways`).to.deep.equal([]);
        await checkState(page, `staff-${width}-${name}`);
      };
      try {
        for (const [name, url] of [['login', '/app/login'], ['password-forgot', '/app/password/forgot']] as const) {
          await openAt(page, `${suite.e2e.app.url}${url}`);
          await check(name);
        }
        await staffLogin(page, suite.e2e.app.url, STAFF, PASSWORD);
        for (const [name, url] of pages) {
          await openAt(page, `${suite.e2e.app.url}${url}`);
          await check(name);
        }
      } finally {
        await context.close();
      }
    });
  }
});
