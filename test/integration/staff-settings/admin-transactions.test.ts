/**
 * Issue 10: the admin pages' changes are use cases in src/workflow whose state change and audit
 * event commit together. When the audit write fails (a trigger refuses the action) the request
 * fails and nothing of it remains: no invited user or mail, no deactivation, no person, no import.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { whileAuditRefused } from '../../helpers/refuse-audit.ts';
import { createOrganisation, createUser, listPeople, organisationById, upsertPerson, userByEmail, type Organisation } from '../../../src/store/index.ts';

const PASSWORD = 'correct horse battery';
const csrfOf = (page: string, action: string): string => {
  const from = page.indexOf(`action="${action}"`);
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

describe('staff admin changes commit with their audit event (issue 10)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let organisation: Organisation;
  let agent: ReturnType<typeof request.agent>;
  const count = async (table: string) => Number((await app.deps.db(table).count({ n: '*' }).first())!.n);
  const csrf = async (path: string, action: string) => csrfOf((await agent.get(path).expect(200)).text, action);

  before(async () => {
    app = await bootstrap();
    organisation = await createOrganisation(app.deps.db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    await createUser(app.deps.db, organisation.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    await createUser(app.deps.db, organisation.id, { email: 'staff@zonnebeke.be', role: 'staff', password: PASSWORD });
    agent = request.agent(app.url);
    const form = await agent.get('/app/login');
    expect((await agent.post('/app/login').type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email: 'admin@zonnebeke.be', password: PASSWORD, next: '/app/users' })).status).to.equal(303);
  });
  after(async () => {
    await app?.close();
  });

  it('invite: no user, link or mail without user.invited', async () => {
    const invite = async () => agent.post('/app/users').type('form').send({ _csrf: await csrf('/app/users', '/app/users'), name: 'Nieuw', email: 'nieuw@zonnebeke.be', role: 'staff' });
    const before = [await count('users'), await count('password_tokens'), await count('outbox')];
    expect((await whileAuditRefused(app.deps.db, 'user.invited', invite)).status).to.equal(500);
    expect([await count('users'), await count('password_tokens'), await count('outbox')]).to.deep.equal(before);
    expect((await invite()).status).to.equal(303);
    expect([await count('users'), await count('password_tokens'), await count('outbox')]).to.deep.equal(before.map((n) => n + 1));
  });

  it('deactivate a user: still active without user.deactivated; never oneself (409)', async () => {
    const staff = (await userByEmail(app.deps.db, organisation.id, 'staff@zonnebeke.be'))!;
    const off = async () => agent.post(`/app/users/${staff.id}/deactivate`).type('form').send({ _csrf: await csrf('/app/users', `/app/users/${staff.id}/deactivate`) });
    expect((await whileAuditRefused(app.deps.db, 'user.deactivated', off)).status).to.equal(500);
    expect((await userByEmail(app.deps.db, organisation.id, 'staff@zonnebeke.be'))!.disabledAt).to.equal(null);
    expect((await off()).status).to.equal(303);
    expect((await userByEmail(app.deps.db, organisation.id, 'staff@zonnebeke.be'))!.disabledAt).to.be.a('string');
    const self = (await userByEmail(app.deps.db, organisation.id, 'admin@zonnebeke.be'))!;
    const refused = await agent.post(`/app/users/${self.id}/deactivate`).type('form').send({ _csrf: await csrf('/app/users', '/app/users') });
    expect(refused.status).to.equal(409);
    expect((await userByEmail(app.deps.db, organisation.id, 'admin@zonnebeke.be'))!.disabledAt).to.equal(null);
  });

  it('change a user\'s role and language: unchanged without user.changed; a repeat records nothing; never one\'s own role (409)', async () => {
    const user = await createUser(app.deps.db, organisation.id, { email: 'wissel@zonnebeke.be', role: 'staff', password: PASSWORD });
    const change = async (id: string, form: Record<string, string>) => agent.post(`/app/users/${id}`).type('form').send({ _csrf: await csrf(`/app/users/${id}`, `/app/users/${id}`), ...form });
    const stored = async (email: string) => (await userByEmail(app.deps.db, organisation.id, email))!;
    const changed = async () => (await app.deps.db('audit_events').where({ organisation_id: organisation.id, action: 'user.changed' }).orderBy('seq')).map((e) => (typeof e.details === 'string' ? JSON.parse(e.details) : e.details));
    expect((await whileAuditRefused(app.deps.db, 'user.changed', () => change(user.id, { role: 'admin', language: 'fr' }))).status).to.equal(500);
    expect([(await stored('wissel@zonnebeke.be')).role, (await stored('wissel@zonnebeke.be')).language]).to.deep.equal(['staff', 'nl']);
    expect((await change(user.id, { role: 'admin', language: 'fr' })).status).to.equal(303);
    expect([(await stored('wissel@zonnebeke.be')).role, (await stored('wissel@zonnebeke.be')).language]).to.deep.equal(['admin', 'fr']);
    expect(await changed()).to.deep.equal([{ userId: user.id, email: 'wissel@zonnebeke.be', role: 'admin', language: 'fr', was: { role: 'staff', language: 'nl' } }]);
    expect((await change(user.id, { role: 'admin', language: 'fr' })).status).to.equal(303);
    expect(await changed()).to.have.length(1);
    expect((await change(user.id, { role: 'boss', language: 'fr' })).status).to.equal(400);
    expect((await change(user.id, { role: 'staff', language: 'de' })).status).to.equal(400);

    const self = await stored('admin@zonnebeke.be');
    const own = await change(self.id, { role: 'staff', language: 'nl' });
    expect(own.status).to.equal(409);
    expect(own.text).to.include('U kunt uw eigen rol niet wijzigen.');
    expect((await stored('admin@zonnebeke.be')).role).to.equal('admin');
    // One's own page has no role to send (its select is disabled): the language alone changes.
    const page = (await agent.get(`/app/users/${self.id}`).expect(200)).text;
    expect(page).to.match(/<select id="user-role" name="role" aria-describedby="user-role-help" disabled>/);
    expect((await change(self.id, { language: 'en' })).status).to.equal(303);
    expect([(await stored('admin@zonnebeke.be')).role, (await stored('admin@zonnebeke.be')).language]).to.deep.equal(['admin', 'en']);
    expect((await change(self.id, { language: 'nl' })).status).to.equal(303);
  });

  it('reactivate a user: still deactivated without user.reactivated; an active one is answered as it is', async () => {
    const user = await createUser(app.deps.db, organisation.id, { email: 'terug@zonnebeke.be', role: 'staff', password: PASSWORD });
    const post = async (path: string) => agent.post(path).type('form').send({ _csrf: await csrf('/app/users', '/app/users') });
    const disabledAt = async () => (await userByEmail(app.deps.db, organisation.id, 'terug@zonnebeke.be'))!.disabledAt;
    const reactivated = async () => (await app.deps.db('audit_events').where({ organisation_id: organisation.id, action: 'user.reactivated' })).length;
    expect((await post(`/app/users/${user.id}/deactivate`)).status).to.equal(303);
    const list = (await agent.get('/app/users').expect(200)).text;
    expect(list).to.include(`action="/app/users/${user.id}/reactivate"`);
    expect(list).not.to.include(`action="/app/users/${user.id}/deactivate"`);
    expect((await whileAuditRefused(app.deps.db, 'user.reactivated', () => post(`/app/users/${user.id}/reactivate`))).status).to.equal(500);
    expect(await disabledAt()).to.be.a('string');
    expect((await post(`/app/users/${user.id}/reactivate`)).status).to.equal(303);
    expect(await disabledAt()).to.equal(null);
    expect(await reactivated()).to.equal(1);
    expect((await post(`/app/users/${user.id}/reactivate`)).status).to.equal(303);
    expect(await reactivated()).to.equal(1);
  });

  it('people: add, edit, deactivate and import leave nothing without their events', async () => {
    const add = async () => agent.post('/app/people').type('form').send({ _csrf: await csrf('/app/people', '/app/people'), name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'directeur', language: 'nl' });
    expect((await whileAuditRefused(app.deps.db, 'person.created', add)).status).to.equal(500);
    expect(await listPeople(app.deps.db, organisation.id, { includeInactive: true })).to.have.length(0);
    expect((await add()).status).to.equal(303);
    const [dirk] = await listPeople(app.deps.db, organisation.id);
    expect((await add()).status).to.equal(409);

    const edit = async () => agent.post(`/app/people/${dirk!.id}`).type('form').send({ _csrf: await csrf(`/app/people/${dirk!.id}`, `/app/people/${dirk!.id}`), name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'wnd. directeur', language: 'fr' });
    expect((await whileAuditRefused(app.deps.db, 'person.updated', edit)).status).to.equal(500);
    expect((await listPeople(app.deps.db, organisation.id))[0]).to.include({ function: 'directeur', language: 'nl' });
    expect((await edit()).status).to.equal(303);
    expect((await listPeople(app.deps.db, organisation.id))[0]).to.include({ function: 'wnd. directeur', language: 'fr' });

    const off = async () => agent.post(`/app/people/${dirk!.id}/deactivate`).type('form').send({ _csrf: await csrf(`/app/people/${dirk!.id}`, `/app/people/${dirk!.id}/deactivate`) });
    expect((await whileAuditRefused(app.deps.db, 'person.deactivated', off)).status).to.equal(500);
    expect(await listPeople(app.deps.db, organisation.id)).to.have.length(1);
    expect((await off()).status).to.equal(303);
    expect(await listPeople(app.deps.db, organisation.id)).to.have.length(0);

    const csv = 'name;email;function\nAn Peeters;an@zonnebeke.be;schepen\nBart Claes;bart@zonnebeke.be;burgemeester\n';
    const importCsv = async () => agent.post('/app/people/import').field('_csrf', await csrf('/app/people', '/app/people/import')).attach('file', Buffer.from(csv), 'people.csv');
    expect((await whileAuditRefused(app.deps.db, 'people.imported', importCsv)).status).to.equal(500);
    expect(await listPeople(app.deps.db, organisation.id)).to.have.length(0);
    expect((await importCsv()).status).to.equal(200);
    expect((await listPeople(app.deps.db, organisation.id)).map((p) => p.email)).to.deep.equal(['an@zonnebeke.be', 'bart@zonnebeke.be']);
  });

  it('another organisation\'s person or user is 404', async () => {
    const other = await createOrganisation(app.deps.db, { slug: 'ieper', name: 'Stad Ieper' });
    const person = (await upsertPerson(app.deps.db, other.id, { name: 'Emmily Talpe', email: 'burgemeester@ieper.be', function: null })).person;
    const user = await createUser(app.deps.db, other.id, { email: 'admin@ieper.be', role: 'admin', password: PASSWORD });
    const token = await csrf('/app/people', '/app/people');
    expect((await agent.post(`/app/people/${person.id}/deactivate`).type('form').send({ _csrf: token })).status).to.equal(404);
    expect((await agent.post(`/app/users/${user.id}/deactivate`).type('form').send({ _csrf: token })).status).to.equal(404);
    expect((await agent.get(`/app/users/${user.id}`)).status).to.equal(404);
    expect((await agent.post(`/app/users/${user.id}`).type('form').send({ _csrf: token, role: 'staff', language: 'fr' })).status).to.equal(404);
    expect((await agent.post(`/app/users/${user.id}/reactivate`).type('form').send({ _csrf: token })).status).to.equal(404);
    expect((await agent.get('/app/users/not-a-uuid')).status).to.equal(404);
    expect(await userByEmail(app.deps.db, other.id, 'admin@ieper.be')).to.include({ role: 'admin', language: 'nl', disabledAt: null });
    expect((await organisationById(app.deps.db, other.id))!.name).to.equal('Stad Ieper');
  });
});
