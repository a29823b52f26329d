/**
 * The staff pages of functions, mandates, absences and delegations over HTTP (issue 12): every form refuses a
 * request without the session's CSRF token (403, nothing changes); a member of staff who is not an admin sees the
 * pages without forms and is refused every change (403), the import page included; a forged request that
 * delegates the minutes gets the decree's refusal (422) and registers nothing; another organisation's delegation,
 * mandate or absence is not found (404); without a session, pages lead to the login and changes answer 401.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { brusselsDay } from '../../../src/domain/mandates.ts';
import { createOrganisation, createUser, deactivatePerson, upsertPerson, type Organisation } from '../../../src/store/index.ts';
import { addMandate, createFunction, recordAbsence, registerDelegation } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

const PASSWORD = 'correct horse battery staple';
const tokenIn = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

describe('staff pages of functions, mandates, absences and delegations: CSRF and the admin-only rule (issue 12)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let org: Organisation;
  let other: Organisation;
  let admin: ReturnType<typeof request.agent>;
  let staff: ReturnType<typeof request.agent>;
  let ids: { fn: string; dirk: string; els: string; mandate: string; absence: string; delegation: string; otherDelegation: string; otherMandate: string; otherAbsence: string };
  const today = brusselsDay(new Date());
  const count = async (table: string) => Number((await app.deps.db(table).count({ n: '*' }).first())!.n);
  const counts = async () => Promise.all(['functions', 'mandates', 'absences', 'delegations'].map(count));
  const tokenOf = async (agent: ReturnType<typeof request.agent>) => tokenIn((await agent.get('/app/functions').expect(200)).text);
  const login = async (email: string) => {
    const agent = request.agent(app.url);
    const form = await agent.get('/app/login');
    expect((await agent.post('/app/login').type('form').send({ _csrf: tokenIn(form.text), email, password: PASSWORD, next: '/app' })).status).to.equal(303);
    return agent;
  };
  const actor = { kind: 'user' as const, id: 'setup', label: 'setup' };

  before(async () => {
    app = await bootstrap();
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    other = await createOrganisation(db, { slug: 'ieper', name: 'Stad Ieper' });
    await createUser(db, org.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    await createUser(db, org.id, { email: 'staff@zonnebeke.be', role: 'staff', name: 'Stijn Staff', password: PASSWORD });
    const setup = async (organisation: Organisation) => {
      const dirk = (await upsertPerson(db, organisation.id, { name: 'Dirk Directeur', email: 'dirk@example.be', function: 'Algemeen directeur', language: 'nl' })).person;
      const els = (await upsertPerson(db, organisation.id, { name: 'Els Declercq', email: 'els@example.be', function: 'Diensthoofd secretariaat', language: 'nl' })).person;
      const request = { organisationId: organisation.id, actor };
      const fn = await createFunction(app.deps.workflow, { ...request, name: 'Algemeen directeur' });
      const mandate = await addMandate(app.deps.workflow, { ...request, functionId: fn.id, personId: dirk.id, kind: 'holder', startsOn: today });
      const absence = await recordAbsence(app.deps.workflow, { ...request, personId: dirk.id, startsOn: today, endsOn: today });
      const delegation = await registerDelegation(app.deps.workflow, { ...request, functionId: fn.id, delegatePersonId: els.id, scope: ['decision'], validFrom: today });
      return { fn: fn.id, dirk: dirk.id, els: els.id, mandate: mandate.id, absence: absence.id, delegation: delegation.id };
    };
    const mine = await setup(org);
    const theirs = await setup(other);
    ids = { ...mine, otherDelegation: theirs.delegation, otherMandate: theirs.mandate, otherAbsence: theirs.absence };
    admin = await login('admin@zonnebeke.be');
    staff = await login('staff@zonnebeke.be');
  });
  after(async () => {
    await app?.close();
  });

  /** Every change of these pages, with a valid body but for the token. */
  const changes = () => [
    ['/app/functions', { name: 'Burgemeester', delegable: 'law' }],
    ['/app/mandates', { functionId: ids.fn, personId: ids.els, kind: 'substitute', rank: '1', startsOn: today }],
    [`/app/mandates/${ids.mandate}/end`, { endsOn: today }],
    ['/app/absences', { personId: ids.els, startsOn: today, endsOn: today }],
    [`/app/absences/${ids.absence}/withdraw`, {}],
    ['/app/delegations', { functionId: ids.fn, delegatePersonId: ids.els, scope: 'other', validFrom: today }],
    [`/app/delegations/${ids.delegation}/revoke`, {}],
  ] as const;

  it('every form refuses a request without the session’s token, or with another session’s (403), and nothing changes', async () => {
    const before = await counts();
    const staffToken = await tokenOf(staff);
    for (const [path, body] of changes()) {
      expect((await admin.post(path).type('form').send(body)).status, `${path} without a token`).to.equal(403);
      expect((await admin.post(path).type('form').send({ ...body, _csrf: staffToken })).status, `${path} with another session's token`).to.equal(403);
    }
    const form = await admin.post('/app/functions/import').field('confirm', '1').field('csv', Buffer.from('Voornaam,Naam\n').toString('base64'));
    expect(form.status, 'the import without a token').to.equal(403);
    expect(await counts()).to.deep.equal(before);
    const rows = (await app.deps.db('mandates').where({ id: ids.mandate }).first()) as { ends_on: string | null };
    expect(rows.ends_on).to.equal(null);
  });

  it('a member of staff who is not an admin sees the pages without forms and is refused every change (403)', async () => {
    for (const path of ['/app/functions', '/app/absences', '/app/delegations']) {
      const page = await staff.get(path).expect(200);
      expect(page.text, path).to.include('alleen een beheerder kan');
      expect(page.text, `${path}: only the logout form`).to.not.match(/<form method="post" action="\/app\/(?!logout)/);
    }
    expect((await staff.get('/app/functions').expect(200)).text).to.include('Dirk Directeur');
    expect((await staff.get('/app/delegations').expect(200)).text).to.include('Els Declercq');
    expect((await staff.get('/app/functions/import')).status).to.equal(403);
    expect((await staff.get(`/app/delegations/${ids.delegation}/revoke`)).status).to.equal(403);
    const before = await counts();
    const token = await tokenOf(staff);
    for (const [path, body] of changes()) {
      expect((await staff.post(path).type('form').send({ ...body, _csrf: token })).status, path).to.equal(403);
    }
    expect((await staff.post('/app/functions/import').field('_csrf', token).attach('file', Buffer.from('Voornaam,Naam\n'), 'm.csv')).status).to.equal(403);
    expect(await counts()).to.deep.equal(before);
    expect(((await app.deps.db('delegations').where({ id: ids.delegation }).first()) as { revoked_at: unknown }).revoked_at).to.equal(null);
  });

  it('a forged request that delegates the minutes gets the decree’s refusal (422), as do a function that may not be delegated and a holder delegating to themselves; nothing is registered', async () => {
    const before = await count('delegations');
    const token = await tokenOf(admin);
    const res = await admin.post('/app/delegations').type('form').send(`_csrf=${encodeURIComponent(token)}&functionId=${ids.fn}&delegatePersonId=${ids.els}&scope=decision&scope=minutes&validFrom=${today}`);
    expect(res.status).to.equal(422);
    expect(res.text).to.include('De notulen kunnen niet bij opdracht ondertekend worden: de titularis of zijn waarnemer ondertekent ze.');
    expect(res.text, 'said at the top and at the form').to.match(/<div class="alert" role="alert"><p>De notulen kunnen niet/).and.to.match(/<p class="field-error" id="delegation-error" tabindex="-1">De notulen kunnen niet/);
    expect(await count('delegations')).to.equal(before);
    // A function the decree does not let delegate, or a holder delegating to themselves: refused in words, nothing stored.
    const chair = await createFunction(app.deps.workflow, { organisationId: org.id, actor, name: 'Voorzitter gemeenteraad' });
    const offered = (await admin.get('/app/delegations').expect(200)).text;
    expect(offered, 'only delegable functions are offered').to.include(`<option value="${ids.fn}"`).and.to.not.include(`<option value="${chair.id}"`);
    const notDelegable = await admin.post('/app/delegations').type('form').send({ _csrf: token, functionId: chair.id, delegatePersonId: ids.els, scope: 'decision', validFrom: today });
    expect(notDelegable.status).to.equal(422);
    expect(notDelegable.text).to.include('Deze functie kan niet gedelegeerd worden');
    const toSelf = await admin.post('/app/delegations').type('form').send({ _csrf: token, functionId: ids.fn, delegatePersonId: ids.dirk, scope: 'decision', validFrom: today });
    expect(toSelf.status).to.equal(422);
    expect(toSelf.text).to.include('De titularis kan niet aan zichzelf delegeren');
    expect(await count('delegations')).to.equal(before);
    // The form offers no minutes to tick.
    expect((await admin.get('/app/delegations').expect(200)).text).to.not.match(/name="scope" value="minutes"/);
  });

  it('the pages speak English and French too, and the forged minutes are refused in French with the decree’s words', async () => {
    const anon = request.agent(app.url);
    const form = await anon.get('/app/login');
    await anon.post('/app/login').type('form').send({ _csrf: tokenIn(form.text), email: 'admin@zonnebeke.be', password: PASSWORD, next: '/app' }).expect(303);
    const expected = {
      en: ['Functions and mandates', 'Absences', 'Register of delegations', 'Import from the mandate database', 'Dirk Directeur, holder'],
      fr: ['Fonctions et mandats', 'Absences', 'Registre des délégations', 'Importer de la banque de données des mandats', 'Dirk Directeur, titulaire'],
    } as const;
    for (const [lang, [functions, absences, register, importTitle, holder]] of Object.entries(expected)) {
      const page = (await anon.get(`/app/functions?lang=${lang}`).expect(200)).text;
      expect(page).to.include(`<h1>${functions}</h1>`).and.to.include(`<html lang="${lang}">`);
      expect(page, 'the holder is absent today').to.not.include(holder);
      expect((await anon.get('/app/absences').expect(200)).text).to.include(`<h1>${absences}</h1>`);
      expect((await anon.get('/app/delegations').expect(200)).text).to.include(register);
      expect((await anon.get('/app/functions/import').expect(200)).text).to.include(`<h1>${importTitle}</h1>`);
    }
    const token = tokenIn((await anon.get('/app/delegations').expect(200)).text);
    const res = await anon.post('/app/delegations').type('form').send(`_csrf=${encodeURIComponent(token)}&functionId=${ids.fn}&delegatePersonId=${ids.els}&scope=minutes&validFrom=${today}`);
    expect(res.status).to.equal(422);
    expect(res.text).to.include('Le procès-verbal ne peut pas être signé par délégation : le titulaire de la fonction ou son remplaçant le signe.');
  });

  it('another organisation’s delegation, mandate and absence are not found (404); without a session, pages lead to the login and changes answer 401', async () => {
    const token = await tokenOf(admin);
    expect((await admin.get(`/app/delegations/${ids.otherDelegation}/revoke`)).status).to.equal(404);
    expect((await admin.post(`/app/delegations/${ids.otherDelegation}/revoke`).type('form').send({ _csrf: token })).status).to.equal(404);
    expect((await admin.post(`/app/mandates/${ids.otherMandate}/end`).type('form').send({ _csrf: token, endsOn: today })).status).to.equal(404);
    expect((await admin.post(`/app/absences/${ids.otherAbsence}/withdraw`).type('form').send({ _csrf: token })).status).to.equal(404);
    const theirs = (await app.deps.db('delegations').where({ id: ids.otherDelegation }).first()) as { revoked_at: unknown };
    expect(theirs.revoked_at).to.equal(null);
    const anonymous = request(app.url);
    for (const path of ['/app/functions', '/app/absences', '/app/delegations', '/app/functions/import']) {
      const res = await anonymous.get(path);
      expect(res.status, path).to.equal(303);
      expect(res.headers.location).to.match(/^\/app\/login\?next=/);
    }
    expect((await anonymous.post('/app/functions').type('form').send({ name: 'Burgemeester' })).status).to.equal(401);
  });

  it('a holder deactivated in the directory keeps their mandate in the history, marked, and is no longer offered in the forms', async () => {
    await deactivatePerson(app.deps.db, org.id, ids.dirk);
    const page = (await admin.get('/app/functions').expect(200)).text;
    expect(page).to.include('<th scope="row">Dirk Directeur <span class="hint">(niet meer actief in de adresgids)</span></th>');
    expect(page).to.not.include(`<option value="${ids.dirk}"`);
  });
});
