/**
 * Organisation settings (issue 10): every change is read and written in one transaction and
 * merges only the keys it changes, so concurrent changes of different settings all survive.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createUser, organisationById, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { verifyChain } from '../../../src/audit/index.ts';
import { updateOrganisationSettings } from '../../../src/workflow/index.ts';

const PASSWORD = 'correct horse battery';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const csrfOf = (page: string, action: string): string => {
  const from = page.indexOf(`action="${action}"`);
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};

describe('staff app: organisation settings under concurrent changes', function () {
  this.timeout(120_000);
  let app: TestApp;
  let organisation: Organisation;
  let person: Person;
  let agent: ReturnType<typeof request.agent>;
  let settingsPage: string;

  before(async () => {
    app = await bootstrap();
    organisation = await createOrganisation(app.deps.db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke', settings: { custom: 'kept' } });
    await createUser(app.deps.db, organisation.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    person = (await upsertPerson(app.deps.db, organisation.id, { name: 'An Peeters', email: 'an@zonnebeke.be', function: 'directeur' })).person;
    agent = request.agent(app.url);
    const form = await agent.get('/app/login');
    const login = await agent.post('/app/login').type('form').send({ _csrf: csrfOf(form.text, '/app/login'), email: 'admin@zonnebeke.be', password: PASSWORD, next: '/app/settings' });
    expect(login.status, login.text.slice(0, 300)).to.equal(303);
    settingsPage = (await agent.get('/app/settings').expect(200)).text;
  });
  after(async () => {
    await app?.close();
  });

  const saveForm = (days: number) =>
    agent.post('/app/settings').type('form').send({ _csrf: csrfOf(settingsPage, '/app/settings'), name: `Gemeente Zonnebeke ${days}`, defaultExpiryDays: String(days), requireCode: days % 2 ? '1' : '' });
  const uploadLogo = (round: number) =>
    agent
      .post('/app/settings/logo')
      .field('_csrf', csrfOf(settingsPage, '/app/settings/logo'))
      .attach('logo', Buffer.concat([PNG, Buffer.from(`round ${round}`)]), 'logo.png');
  const saveRoute = (name: string) =>
    agent.post('/app/settings/routes/new').type('form').send({ _csrf: csrfOf(settingsPage, '/app/settings/logo'), name, step_person_0: person.id, step_role_0: 'signer', step_order_0: '1' });

  it('keeps both of two concurrent changes of different settings (form and logo), each with its audit event', async () => {
    for (let round = 1; round <= 6; round++) {
      const days = 10 + round;
      const [form, logo] = await Promise.all([saveForm(days), uploadLogo(round)]);
      expect(form.status, form.text.slice(0, 300)).to.equal(303);
      expect(logo.status, logo.text.slice(0, 300)).to.equal(303);
      const stored = (await organisationById(app.deps.db, organisation.id))!;
      expect(stored.name).to.equal(`Gemeente Zonnebeke ${days}`);
      expect(stored.settings, `round ${round}`).to.include({ defaultExpiryDays: days, requireCode: days % 2 === 1, custom: 'kept' });
      expect((stored.settings.logo as { size: number }).size, `round ${round}`).to.equal(PNG.length + `round ${round}`.length);
    }
    const chain = await listAuditChain(app.deps.db, `org:${organisation.id}`);
    expect(verifyChain(chain).valid).to.equal(true);
    const updates = chain.filter((e) => e.action === 'organisation.updated');
    expect(updates).to.have.length(12);
    expect(updates.filter((e) => (e.details.fields as string[]).includes('logo'))).to.have.length(6);
    expect(updates.every((e) => e.actorKind === 'user')).to.equal(true);
  });

  it('keeps a signing route saved while the settings form and the logo change, and removes the logo alone', async () => {
    const [form, logo, route] = await Promise.all([saveForm(30), uploadLogo(30), saveRoute('Directeur')]);
    expect([form.status, logo.status, route.status]).to.deep.equal([303, 303, 303]);
    let stored = (await organisationById(app.deps.db, organisation.id))!;
    expect(stored.settings).to.include({ defaultExpiryDays: 30, custom: 'kept' });
    expect(stored.settings.logo).to.be.an('object');
    expect((stored.settings.routes as { name: string }[]).map((r) => r.name)).to.deep.equal(['Directeur']);

    const [removed, again] = await Promise.all([agent.post('/app/settings/logo/delete').type('form').send({ _csrf: csrfOf((await agent.get('/app/settings')).text, '/app/settings/logo/delete') }), saveForm(40)]);
    expect([removed.status, again.status]).to.deep.equal([303, 303]);
    stored = (await organisationById(app.deps.db, organisation.id))!;
    expect(stored.settings).to.not.have.property('logo');
    expect(stored.settings).to.include({ defaultExpiryDays: 40, custom: 'kept' });
    expect(stored.settings.routes).to.have.length(1);
    const last = (await listAuditChain(app.deps.db, `org:${organisation.id}`)).filter((e) => e.action === 'organisation.updated').slice(-2);
    expect(last.map((e) => e.details).find((d) => (d.fields as string[]).includes('logo'))).to.deep.equal({ fields: ['logo'], values: { logo: null } });
  });

  it('updateOrganisationSettings: eight concurrent changes of eight different keys all survive, one event each', async () => {
    const before = (await listAuditChain(app.deps.db, `org:${organisation.id}`)).length;
    const actor = { kind: 'user' as const, id: '00000000-0000-4000-8000-000000000001', label: 'test' };
    await Promise.all(Array.from({ length: 8 }, (_, i) => updateOrganisationSettings(app.deps.workflow, { organisationId: organisation.id, actor, settings: { [`key${i}`]: i } })));
    const stored = (await organisationById(app.deps.db, organisation.id))!;
    for (let i = 0; i < 8; i++) expect(stored.settings[`key${i}`], `key${i}`).to.equal(i);
    expect(stored.settings).to.include({ defaultExpiryDays: 40, custom: 'kept' });
    const chain = await listAuditChain(app.deps.db, `org:${organisation.id}`);
    expect(chain.slice(before).map((e) => (e.details.fields as string[])[0]).sort()).to.deep.equal(Array.from({ length: 8 }, (_, i) => `key${i}`));
    expect(verifyChain(chain).valid).to.equal(true);
  });
});
