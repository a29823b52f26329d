/**
 * The staff app's own slice (issue 5): login, logout, lockout, password reset through the mailed
 * link, session expiry, CSRF refusal, users/people/settings CRUD and cross-organisation 404s.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createUser, upsertPerson, isoTimestamp, type Organisation, type Person } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { listOutbox as listMails } from '../../../src/store/knex-outbox-store.ts';
import { verifyChain } from '../../../src/audit/index.ts';


const PASSWORD = 'correct horse battery';
const csrfOf = (page: string, action?: string): string => {
  const from = action ? page.indexOf(`action="${action}"`) : 0;
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

describe('staff app: login, sessions and admin pages', function () {
  this.timeout(60_000);
  let app: TestApp;
  let zonnebeke: Organisation;
  let ieper: Organisation;
  let ieperPerson: Person;
  let ip = 0;
  /** Each test its own client address (X-Forwarded-For, trusted from 127.0.0.1 by TRUST_PROXY), so the per-IP limit does not interfere. */
  const client = () => {
    ip += 1;
    const agent = request.agent(app.url);
    const xff = `10.0.${Math.floor(ip / 250)}.${ip % 250}`;
    return { agent, xff };
  };
  const login = async (c: ReturnType<typeof client>, email: string, password = PASSWORD, extra: Record<string, string> = {}) => {
    const form = await c.agent.get('/app/login').set('X-Forwarded-For', c.xff);
    expect(form.status).to.equal(200);
    return c.agent.post('/app/login').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email, password, next: '/app/people', ...extra });
  };
  const admin = async () => {
    const c = client();
    const res = await login(c, 'admin@zonnebeke.be');
    expect(res.status, res.text.slice(0, 500)).to.equal(303);
    return c;
  };
  const mailsTo = async (organisationId: string, email: string) =>
    (await listMails(app.deps.db, organisationId, { kind: 'mail' })).map((m) => m.payload as { to: { email: string }; subject: string; text: string }).filter((m) => m.to.email === email);
  const linkIn = (text: string) => /\/app\/password\/reset\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];

  before(async () => {
    // The tests play a reverse proxy on the same host.
    app = await bootstrap({ env: { TRUST_PROXY: '127.0.0.1' } });
    const db = app.deps.db;
    zonnebeke = await createOrganisation(db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    ieper = await createOrganisation(db, { slug: 'ieper', name: 'Stad Ieper' });
    await createUser(db, zonnebeke.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    await createUser(db, zonnebeke.id, { email: 'staff@zonnebeke.be', role: 'staff', name: 'Stijn Staff', password: PASSWORD });
    await createUser(db, zonnebeke.id, { email: 'lock@zonnebeke.be', role: 'staff', password: PASSWORD });
    await createUser(db, zonnebeke.id, { email: 'both@example.be', role: 'staff', password: PASSWORD });
    await createUser(db, ieper.id, { email: 'both@example.be', role: 'admin', password: PASSWORD });
    await createUser(db, ieper.id, { email: 'admin@ieper.be', role: 'admin', password: PASSWORD });
    ieperPerson = (await upsertPerson(db, ieper.id, { name: 'Emmily Talpe', email: 'burgemeester@ieper.be', function: 'burgemeester' })).person;
  });
  after(async () => {
    await app?.close();
  });

  it('redirects to the login page, logs in with a session cookie, and logs out with CSRF', async () => {
    const c = client();
    const anonymous = await c.agent.get('/app/people').set('X-Forwarded-For', c.xff);
    expect(anonymous.status).to.equal(303);
    expect(anonymous.headers.location).to.equal('/app/login?next=%2Fapp%2Fpeople');
    const res = await login(c, 'Admin@Zonnebeke.be');
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/app/people');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((v) => v.startsWith('paraaf_session='))!;
    expect(cookie).to.include('HttpOnly').and.include('SameSite=Lax').and.include('Path=/app');
    const token = /paraaf_session=([^;]+)/.exec(cookie)![1]!;
    const row = await app.deps.db('sessions').first();
    expect(row.id).to.match(/^[0-9a-f]{64}$/).and.not.equal(token);

    const people = await c.agent.get('/app/people').set('X-Forwarded-For', c.xff);
    expect(people.status).to.equal(200);
    expect(people.text).to.include('Gemeente Zonnebeke').and.include('href="/assets/staff.css"').and.include('<main id="main"').and.include('aria-current="page"');
    expect(people.text).to.not.match(/<script|style=/);
    expect(people.headers['content-security-policy']).to.include("script-src 'self'");

    const forged = await c.agent.post('/app/logout').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: 'x'.repeat(43) });
    expect(forged.status).to.equal(403);
    const out = await c.agent.post('/app/logout').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(people.text, '/app/logout') });
    expect(out.status).to.equal(303);
    expect(await app.deps.db('sessions').where({ id: row.id }).first()).to.equal(undefined);
    expect((await c.agent.get('/app/people').set('X-Forwarded-For', c.xff)).status).to.equal(303);

    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    expect(chain.map((e) => e.action)).to.include.members(['staff.login', 'staff.logout']);
    expect(verifyChain(chain).valid).to.equal(true);
  });

  it('refuses a wrong password, refuses the login form without its CSRF token, and locks after repeated failures', async () => {
    const c = client();
    const wrong = await login(c, 'lock@zonnebeke.be', 'not the password');
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include('Het e-mailadres of het wachtwoord is niet juist.').and.include('role="alert"');
    const noCsrf = await c.agent.post('/app/login').set('X-Forwarded-For', c.xff).type('form').send({ email: 'lock@zonnebeke.be', password: PASSWORD });
    expect(noCsrf.status).to.equal(403);
    for (let i = 0; i < 4; i++) await login(c, 'lock@zonnebeke.be', 'not the password');
    const locked = await login(c, 'lock@zonnebeke.be', PASSWORD);
    expect(locked.status).to.equal(423);
    expect(locked.text).to.include('tijdelijk vergrendeld');
    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    expect(chain.filter((e) => e.action === 'staff.login_failed').map((e) => e.details.reason)).to.include.members(['password', 'locked']);
  });

  it('limits login attempts per IP', async () => {
    const c = client();
    const statuses: number[] = [];
    const form = await c.agent.get('/app/login').set('X-Forwarded-For', c.xff);
    for (let i = 0; i < 12; i++) {
      const res = await c.agent.post('/app/login').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email: 'nobody@x.be', password: 'x' });
      statuses.push(res.status);
    }
    expect(statuses).to.include(429);
  });

  it('asks which organisation when the e-mail exists in several', async () => {
    const c = client();
    const first = await login(c, 'both@example.be');
    expect(first.status).to.equal(200);
    expect(first.text).to.include('<select id="organisation"').and.include('Stad Ieper').and.include('Gemeente Zonnebeke');
    const chosen = await c.agent
      .post('/app/login')
      .set('X-Forwarded-For', c.xff)
      .type('form')
      .send({ _csrf: csrfOf(first.text, '/app/login'), email: 'both@example.be', password: PASSWORD, organisation: ieper.id, next: '/app/users' });
    expect(chosen.status).to.equal(303);
    const users = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    expect(users.status).to.equal(200);
    expect(users.text).to.include('Stad Ieper').and.include('admin@ieper.be').and.not.include('admin@zonnebeke.be');
  });

  it('resets a password through the mailed single-use link and ends other sessions', async () => {
    const other = client();
    expect((await login(other, 'staff@zonnebeke.be')).status).to.equal(303);
    const c = client();
    const form = await c.agent.get('/app/password/forgot').set('X-Forwarded-For', c.xff);
    const sent = await c.agent.post('/app/password/forgot').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/password/forgot'), email: 'staff@zonnebeke.be' });
    expect(sent.status).to.equal(200);
    expect(sent.text).to.include('Als dit e-mailadres bij ons bekend is');
    const unknown = await c.agent.post('/app/password/forgot').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(form.text, '/app/password/forgot'), email: 'nobody@zonnebeke.be' });
    const strip = (text: string) => text.replace(/name="_csrf" value="[^"]+"/, '');
    expect(strip(unknown.text), 'an unknown address gets the same answer').to.equal(strip(sent.text));

    const mail = (await mailsTo(zonnebeke.id, 'staff@zonnebeke.be')).at(-1)!;
    expect(mail.subject).to.match(/^Nieuw wachtwoord voor Paraaf/);
    const token = linkIn(mail.text)!;
    expect(token).to.be.a('string');
    const stored = await app.deps.db('password_tokens').first();
    expect(stored.token_sha256).to.not.equal(token);

    const page = await c.agent.get(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff);
    expect(page.status).to.equal(200);
    const csrf = csrfOf(page.text, `/app/password/reset/${token}`);
    const short = await c.agent.post(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrf, password: 'short', confirm: 'short' });
    expect(short.status).to.equal(400);
    expect(short.text).to.include('minstens 12 tekens');
    const done = await c.agent.post(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrf, password: 'a brand new passphrase', confirm: 'a brand new passphrase' });
    expect(done.status).to.equal(303);
    expect((await c.agent.get(`/app/password/reset/${token}`).set('X-Forwarded-For', c.xff)).status).to.equal(410);
    expect((await other.agent.get('/app/people').set('X-Forwarded-For', other.xff)).status).to.equal(303);
    expect((await login(client(), 'staff@zonnebeke.be', PASSWORD)).status).to.equal(401);
    expect((await login(client(), 'staff@zonnebeke.be', 'a brand new passphrase')).status).to.equal(303);
    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    expect(chain.map((e) => e.action)).to.include('staff.password_reset');
  });

  it('ends a session after 30 idle minutes', async () => {
    const c = await admin();
    const old = isoTimestamp(new Date(Date.now() - 31 * 60_000));
    await app.deps.db('sessions').update({ last_seen_at: old });
    const res = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.include('/app/login?next=').and.include('expired=1');
  });

  it('forbids admin pages to staff members', async () => {
    const c = client();
    expect((await login(c, 'staff@zonnebeke.be', 'a brand new passphrase')).status).to.equal(303);
    expect((await c.agent.get('/app/users').set('X-Forwarded-For', c.xff)).status).to.equal(403);
    expect((await c.agent.get('/app/settings').set('X-Forwarded-For', c.xff)).status).to.equal(403);
  });

  it('invites a user who sets a password from the mail, and deactivates a user', async () => {
    const c = await admin();
    const page = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    const invited = await c.agent.post('/app/users').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text, '/app/users'), email: 'nieuw@zonnebeke.be', name: 'Nina Nieuw', role: 'staff' });
    expect(invited.status).to.equal(303);
    const token = linkIn((await mailsTo(zonnebeke.id, 'nieuw@zonnebeke.be'))[0]!.text)!;
    const n = client();
    const form = await n.agent.get(`/app/password/reset/${token}`).set('X-Forwarded-For', n.xff);
    const set = await n.agent.post(`/app/password/reset/${token}`).set('X-Forwarded-For', n.xff).type('form').send({ _csrf: csrfOf(form.text, `/app/password/reset/${token}`), password: 'ninas passphrase', confirm: 'ninas passphrase' });
    expect(set.status).to.equal(303);
    expect((await login(n, 'nieuw@zonnebeke.be', 'ninas passphrase')).status).to.equal(303);

    const list = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    const user = await app.deps.db('users').where({ email: 'nieuw@zonnebeke.be' }).first();
    const off = await c.agent.post(`/app/users/${user.id}/deactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(list.text) });
    expect(off.status).to.equal(303);
    expect((await n.agent.get('/app/people').set('X-Forwarded-For', n.xff)).status).to.equal(303);
  });

  it('makes a colleague admin and French at their next request, and lets a deactivated colleague log in again', async () => {
    await createUser(app.deps.db, zonnebeke.id, { email: 'collega@zonnebeke.be', role: 'staff', name: 'Cas Collega', password: PASSWORD });
    const colleague = await app.deps.db('users').where({ email: 'collega@zonnebeke.be' }).first();
    const k = client();
    expect((await login(k, 'collega@zonnebeke.be')).status).to.equal(303);
    expect((await k.agent.get('/app/users').set('X-Forwarded-For', k.xff)).status).to.equal(403);

    const c = await admin();
    const list = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    expect(list.text).to.include(`<a href="/app/users/${colleague.id}" aria-label="collega@zonnebeke.be wijzigen">Wijzigen</a>`);
    const edit = await c.agent.get(`/app/users/${colleague.id}`).set('X-Forwarded-For', c.xff);
    expect(edit.status).to.equal(200);
    expect(edit.text).to.include('<h1>Gebruiker wijzigen: Cas Collega</h1><p>collega@zonnebeke.be</p>');
    const saved = await c.agent.post(`/app/users/${colleague.id}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(edit.text, `/app/users/${colleague.id}`), role: 'admin', language: 'fr' });
    expect(saved.status).to.equal(303);
    expect(decodeURIComponent(saved.headers.location!)).to.equal('/app/users?notice=De wijzigingen voor collega@zonnebeke.be zijn opgeslagen.');
    // The same session, its next request: an admin now, in French.
    const theirs = await k.agent.get('/app/users').set('X-Forwarded-For', k.xff);
    expect(theirs.status).to.equal(200);
    expect(theirs.text).to.include('<html lang="fr"');
    expect(theirs.text).to.include('<h1>Utilisateurs</h1>');

    const again = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    expect((await c.agent.post(`/app/users/${colleague.id}/deactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(again.text) })).status).to.equal(303);
    expect((await k.agent.get('/app/users').set('X-Forwarded-For', k.xff)).status).to.equal(303);
    expect((await login(client(), 'collega@zonnebeke.be')).status).to.equal(401);
    const off = await c.agent.get('/app/users').set('X-Forwarded-For', c.xff);
    const back = await c.agent.post(`/app/users/${colleague.id}/reactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(off.text, `/app/users/${colleague.id}/reactivate`) });
    expect(back.status).to.equal(303);
    expect(decodeURIComponent(back.headers.location!)).to.equal('/app/users?notice=collega@zonnebeke.be kan opnieuw aanmelden.');
    expect((await login(client(), 'collega@zonnebeke.be')).status).to.equal(303);
    const actions = (await listAuditChain(app.deps.db, `org:${zonnebeke.id}`)).map((e) => e.action).filter((a) => a.startsWith('user.'));
    expect(actions.slice(-3)).to.deep.equal(['user.changed', 'user.deactivated', 'user.reactivated']);
  });

  it('adds, edits, searches, deactivates and imports people, with a per-line report', async () => {
    const c = await admin();
    let page = await c.agent.get('/app/people').set('X-Forwarded-For', c.xff);
    const added = await c.agent.post('/app/people').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text, '/app/people'), name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'algemeen directeur', language: 'nl' });
    expect(added.status).to.equal(303);
    const person = await app.deps.db('people').where({ email: 'dirk@zonnebeke.be' }).first();
    page = await c.agent.get(`/app/people/${person.id}`).set('X-Forwarded-For', c.xff);
    expect(page.status).to.equal(200);
    const edited = await c.agent.post(`/app/people/${person.id}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text), name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'wnd. algemeen directeur', language: 'fr' });
    expect(edited.status).to.equal(303);
    const search = await c.agent.get('/app/people?q=wnd').set('X-Forwarded-For', c.xff);
    expect(search.text).to.include('wnd. algemeen directeur');

    const csv = 'name;email;function\nBart Burgemeester;bart@zonnebeke.be;burgemeester\nGeen Mail;;schepen\n';
    const imported = await c.agent.post('/app/people/import').set('X-Forwarded-For', c.xff).field('_csrf', csrfOf(search.text, '/app/people/import')).attach('file', Buffer.from(csv), 'people.csv');
    expect(imported.status, imported.text.slice(0, 400)).to.equal(200);
    expect(imported.text).to.include('1 toegevoegd').and.include('Regel 3:');
    const noCsrf = await c.agent.post('/app/people/import').set('X-Forwarded-For', c.xff).attach('file', Buffer.from(csv), 'people.csv');
    expect(noCsrf.status).to.equal(403);

    const off = await c.agent.post(`/app/people/${person.id}/deactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text) });
    expect(off.status).to.equal(303);
    expect((await app.deps.db('people').where({ id: person.id }).first()).active).to.be.oneOf([false, 0]);
    const chain = await listAuditChain(app.deps.db, `org:${zonnebeke.id}`);
    expect(chain.map((e) => e.action)).to.include.members(['person.created', 'person.updated', 'person.deactivated', 'people.imported']);
  });

  it('saves settings, a logo and signing routes in organisations.settings', async () => {
    const c = await admin();
    let page = await c.agent.get('/app/settings').set('X-Forwarded-For', c.xff);
    const saved = await c.agent.post('/app/settings').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text, '/app/settings'), name: 'Gemeente Zonnebeke', defaultExpiryDays: '14', requireCode: '1' });
    expect(saved.status).to.equal(303);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);
    const logo = await c.agent.post('/app/settings/logo').set('X-Forwarded-For', c.xff).field('_csrf', csrfOf(page.text, '/app/settings/logo')).attach('logo', png, 'logo.png');
    expect(logo.status).to.equal(303);
    const evil = await c.agent.post('/app/settings/logo').set('X-Forwarded-For', c.xff).field('_csrf', csrfOf(page.text, '/app/settings/logo')).attach('logo', Buffer.from('<svg><script>alert(1)</script></svg>'), 'logo.svg');
    expect(evil.status).to.equal(400);
    const big = await c.agent.post('/app/settings/logo').set('X-Forwarded-For', c.xff).field('_csrf', csrfOf(page.text, '/app/settings/logo')).attach('logo', Buffer.concat([png, Buffer.alloc(210 * 1024)]), 'big.png');
    expect(big.status).to.equal(400);
    const served = await c.agent.get('/app/logo').set('X-Forwarded-For', c.xff);
    expect(served.status).to.equal(200);
    expect(served.headers['content-type']).to.include('image/png');

    const people = await app.deps.db('people').where({ organisation_id: zonnebeke.id, active: true }).orderBy('name');
    page = await c.agent.get('/app/settings/routes/new').set('X-Forwarded-For', c.xff);
    const route = await c.agent.post('/app/settings/routes/new').set('X-Forwarded-For', c.xff).type('form').send({
      _csrf: csrfOf(page.text, '/app/settings/routes/new'),
      name: 'Gemeenteraad: algemeen directeur → voorzitter',
      step_person_0: people[0].id,
      step_role_0: 'approver',
      step_order_0: '1',
      step_level_0: 'qualified', // an approver does not sign: no level kept
      step_person_1: people[1]?.id ?? people[0].id,
      step_role_1: 'signer',
      step_order_1: '2',
      step_level_1: 'qualified',
    });
    expect(route.status, route.text.slice(0, 400)).to.equal(303);
    const stored = await app.deps.db('organisations').where({ id: zonnebeke.id }).first();
    const settings = typeof stored.settings === 'string' ? JSON.parse(stored.settings) : stored.settings;
    expect(settings).to.include({ defaultExpiryDays: 14, requireCode: true });
    expect(settings.logo.contentType).to.equal('image/png');
    expect(settings.routes).to.have.length(1);
    expect(settings.routes[0]).to.have.keys('id', 'name', 'steps');
    expect(settings.routes[0].steps[0]).to.deep.equal({ personId: people[0].id, role: 'approver', order: 1 });
    expect(settings.routes[0].steps[1]).to.deep.equal({ personId: people[1]?.id ?? people[0].id, role: 'signer', order: 2, signatureLevel: 'qualified' });
    const editor = await c.agent.get(`/app/settings/routes/${settings.routes[0].id}`).set('X-Forwarded-For', c.xff);
    expect(editor.text).to.match(/<select id="step-level-1" name="step_level_1"><option value="advanced">[^<]*<\/option><option value="qualified" selected>/);

    const other = await c.agent.post('/app/settings/routes/new').set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrfOf(page.text, '/app/settings/routes/new'), name: 'Stiekem', step_person_0: ieperPerson.id, step_role_0: 'signer' });
    expect(other.status).to.equal(404);
    const home = await c.agent.get('/app/settings').set('X-Forwarded-For', c.xff);
    expect(home.text).to.include('src="/app/logo"');
  });

  it('answers 404 for every admin route given another organisation’s ids', async () => {
    const c = await admin();
    const page = await c.agent.get('/app/people').set('X-Forwarded-For', c.xff);
    const csrf = csrfOf(page.text, '/app/people');
    const ieperUser = await app.deps.db('users').where({ organisation_id: ieper.id, email: 'admin@ieper.be' }).first();
    expect((await c.agent.get(`/app/people/${ieperPerson.id}`).set('X-Forwarded-For', c.xff)).status).to.equal(404);
    expect((await c.agent.post(`/app/people/${ieperPerson.id}`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrf, name: 'X', email: 'x@x.be' })).status).to.equal(404);
    expect((await c.agent.post(`/app/people/${ieperPerson.id}/deactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrf })).status).to.equal(404);
    expect((await c.agent.post(`/app/users/${ieperUser.id}/deactivate`).set('X-Forwarded-For', c.xff).type('form').send({ _csrf: csrf })).status).to.equal(404);
    expect((await c.agent.get('/app/settings/routes/00000000-0000-4000-8000-000000000000').set('X-Forwarded-For', c.xff)).status).to.equal(404);
    expect((await app.deps.db('people').where({ id: ieperPerson.id }).first()).active).to.be.oneOf([true, 1]);
    expect((await app.deps.db('users').where({ id: ieperUser.id }).first()).disabled_at).to.equal(null);
  });
});
