/**
 * Functions, mandates, absences and delegations over `/api/v1` (issue 12), with an API key: who signs for a function
 * on a day (resolveFunctionSigner) follows a mandate change, an absence and a chosen delegation; the minutes are never
 * delegated; a non-delegable function, a revoked delegation and a vacant function are refused with their codes; every
 * change is an event on the organisation's chain, which `audit verify` finds intact; another organisation's ids are
 * 404 and bad input is a 4xx problem+json. SQLite by default, PostgreSQL with TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { AppError } from '../../../src/errors.ts';
import { createApiKey, createOrganisation, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { resolveFunctionSigner, type FunctionSigner, type ResolveFunctionSignerInput } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { cliOnApp, openApiValidator } from './helpers.ts';

const MINUTES_MESSAGE = 'Minutes cannot be signed by delegation (Decreet Lokaal Bestuur art. 280 and 283): the holder of the function or their substitute signs them.';

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code });
}

describe('/api/v1 functions, mandates, absences and delegations', function () {
  this.timeout(120_000);
  let app: TestApp;
  let org: Organisation;
  let other: Organisation;
  let key: string;
  let otherKey: string;
  const people: Record<'an' | 'bart' | 'wim' | 'els' | 'jan' | 'elders', Person> = {} as never;
  let director: { id: string };
  let chair: { id: string };

  const api = (k = key) => ({
    get: (url: string) => request(app.url).get(`/api/v1${url}`).set({ Authorization: `Bearer ${k}` }),
    post: (url: string, body?: unknown) => request(app.url).post(`/api/v1${url}`).set({ Authorization: `Bearer ${k}` }).send(body as object),
  });
  const resolve = (input: Partial<ResolveFunctionSignerInput> & { day: string }, organisationId = org.id): Promise<FunctionSigner> =>
    resolveFunctionSigner(app.deps.db, organisationId, { functionId: director.id, kind: 'decision', ...input });
  async function refusal(promise: Promise<unknown>): Promise<AppError> {
    try {
      await promise;
    } catch (error) {
      expect(error).to.be.instanceOf(AppError);
      return error as AppError;
    }
    throw new Error('expected a refusal');
  }

  before(async () => {
    app = await bootstrap();
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zwevegem' });
    other = await createOrganisation(db, { slug: `elders-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    key = (await createApiKey(db, org.id, { name: 'zaaksysteem' })).plaintext;
    otherKey = (await createApiKey(db, other.id, { name: 'elders' })).plaintext;
    const add = async (organisationId: string, name: string, email: string, fn: string | null = null) => (await upsertPerson(db, organisationId, { name, email, function: fn, language: 'nl' })).person;
    people.an = await add(org.id, 'An Vandamme', 'an@zwevegem.be', 'Algemeen directeur');
    people.bart = await add(org.id, 'Bart Claes', 'bart@zwevegem.be', 'Algemeen directeur');
    people.wim = await add(org.id, 'Wim Desmet', 'wim@zwevegem.be', 'Adjunct-algemeen directeur');
    people.els = await add(org.id, 'Els Declercq', 'els@zwevegem.be', 'Diensthoofd secretariaat');
    people.jan = await add(org.id, 'Jan Peeters', 'jan@zwevegem.be', 'Raadslid');
    people.elders = await add(other.id, 'Lies Elders', 'lies@elders.be', 'Algemeen directeur');
  });
  after(async () => {
    await app?.close();
  });

  it('creates functions, delegable by default as the decree says, unique by name but for case and spacing', async () => {
    const created = await api().post('/functions', { name: 'Algemeen directeur' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ name: 'Algemeen directeur', body: null, delegable: true, organisationId: org.id });
    director = created.body;
    const council = await api().post('/functions', { name: 'Voorzitter gemeenteraad', body: 'gemeenteraad' });
    expect(council.status).to.equal(201);
    expect(council.body).to.include({ body: 'gemeenteraad', delegable: false });
    chair = council.body;
    const again = await api().post('/functions', { name: '  algemeen   Directeur ' });
    expectProblem(again, 409, 'function_exists');
    // Another organisation has its own names.
    expect((await api(otherKey).post('/functions', { name: 'Algemeen directeur' })).status).to.equal(201);
  });

  it('resolves the holder before and after a change of mandate, the substitute while the holder is absent', async () => {
    const first = await api().post(`/functions/${director.id}/mandates`, { personId: people.an.id, kind: 'holder', startsOn: '2025-01-01' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ functionId: director.id, personId: people.an.id, kind: 'holder', rank: 1, startsOn: '2025-01-01', endsOn: null, source: 'manual' });
    const ended = await api().post(`/mandates/${first.body.id}/end`, { endsOn: '2027-02-28' });
    expect(ended.status, JSON.stringify(ended.body)).to.equal(200);
    expect(ended.body).to.include({ id: first.body.id, endsOn: '2027-02-28' });
    expect((await api().post(`/functions/${director.id}/mandates`, { personId: people.bart.id, kind: 'holder', startsOn: '2027-03-01' })).status).to.equal(201);
    expect((await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'substitute', rank: 1, startsOn: '2025-01-01' })).status).to.equal(201);

    const before = await resolve({ day: '2027-02-28' });
    expect(before.person.id).to.equal(people.an.id);
    expect(before).to.include({ capacity: 'holder', function: 'Algemeen directeur', certificateTitle: 'Algemeen directeur', actingStatement: null, delegationId: null, absentPersonId: null });
    const after = await resolve({ day: '2027-03-01' });
    expect(after.person.id).to.equal(people.bart.id);
    expect(after.capacity).to.equal('holder');

    const absence = await api().post('/absences', { personId: people.bart.id, startsOn: '2027-03-10', endsOn: '2027-03-14', reason: 'Verlof' });
    expect(absence.status, JSON.stringify(absence.body)).to.equal(201);
    expect(absence.body).to.include({ personId: people.bart.id, startsOn: '2027-03-10', endsOn: '2027-03-14', reason: 'Verlof', withdrawn: false });
    const substitute = await resolve({ day: '2027-03-12', kind: 'minutes' });
    expect(substitute.person.id).to.equal(people.wim.id);
    expect(substitute).to.include({ capacity: 'substitute', function: 'wnd. algemeen directeur', certificateTitle: 'wnd. algemeen directeur', actingStatement: null, absentPersonId: people.bart.id });
    expect((await resolve({ day: '2027-03-15' })).person.id, 'back the day after').to.equal(people.bart.id);

    const overview = await api().get('/functions?day=2027-03-12');
    expect(overview.status).to.equal(200);
    expect(overview.body.day).to.equal('2027-03-12');
    const listed = overview.body.functions.find((f: { id: string }) => f.id === director.id);
    expect(listed.holder.person.id).to.equal(people.bart.id);
    expect(listed.substitutes.map((m: { person: { id: string } }) => m.person.id)).to.deep.equal([people.wim.id]);
    expect(listed.signer).to.deep.include({ capacity: 'substitute' });
    expect(listed.signer.person.id).to.equal(people.wim.id);
    expect(listed.mandates).to.have.length(3);
    expect(listed.absences.map((a: { id: string }) => a.id)).to.deep.equal([absence.body.id]);
    expect(overview.body.functions.map((f: { name: string }) => f.name)).to.deep.equal(['Algemeen directeur', 'Voorzitter gemeenteraad']);

    const absences = await api().get(`/absences?from=2027-03-01&personId=${people.bart.id}`);
    expect(absences.status).to.equal(200);
    expect(absences.body.absences.map((a: { id: string }) => a.id)).to.deep.equal([absence.body.id]);
    expect((await api().get('/absences?from=2027-03-15')).body.absences).to.deep.equal([]);
    const withdrawn = await api().post(`/absences/${absence.body.id}/withdraw`);
    expect(withdrawn.status).to.equal(200);
    expect(withdrawn.body).to.include({ withdrawn: true });
    expect((await api().post(`/absences/${absence.body.id}/withdraw`)).body, 'withdrawing again answers it as it is').to.include({ withdrawn: true });
    expect((await resolve({ day: '2027-03-12' })).person.id).to.equal(people.bart.id);
  });

  it('refuses when nobody can sign: 409 function_vacant, 409 function_everyone_absent', async () => {
    const vacant = await refusal(resolve({ functionId: chair.id, day: '2027-03-12' }));
    expect(vacant).to.include({ code: 'function_vacant', status: 409, message: 'Nobody holds Voorzitter gemeenteraad on 2027-03-12.' });
    expect((await refusal(resolve({ day: '2024-12-31' }))).code, 'before any mandate').to.equal('function_vacant');
    const chairOverview = (await api().get('/functions?day=2027-03-12')).body.functions.find((f: { id: string }) => f.id === chair.id);
    expect(chairOverview).to.include({ holder: null, signer: null });

    expect((await api().post(`/functions/${chair.id}/mandates`, { personId: people.jan.id, kind: 'holder', startsOn: '2027-01-01', endsOn: '2032-12-31' })).status).to.equal(201);
    expect((await api().post('/absences', { personId: people.jan.id, startsOn: '2027-04-01', endsOn: '2027-04-02' })).status).to.equal(201);
    expect((await resolve({ functionId: chair.id, day: '2027-03-31' })).person.id).to.equal(people.jan.id);
    const absent = await refusal(resolve({ functionId: chair.id, day: '2027-04-01' }));
    expect(absent).to.include({ code: 'function_everyone_absent', status: 409 });
  });

  it('delegates only when chosen: the delegate signs "bij opdracht"; never the minutes, never a non-delegable function, never a revoked delegation', async () => {
    const registered = await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision', 'other'], validFrom: '2027-01-01', validUntil: '2027-12-31', reference: 'Besluit AD 2026/15' });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(registered.body).to.include({ functionId: director.id, delegatorPersonId: people.an.id, delegatePersonId: people.els.id, validFrom: '2027-01-01', validUntil: '2027-12-31', revoked: false, reference: 'Besluit AD 2026/15' });
    expect(registered.body.scope).to.deep.equal(['decision', 'other']);
    const delegationId: string = registered.body.id;
    const later = await api().post('/delegations', { functionId: director.id, delegatePersonId: people.wim.id, scope: ['other'], validFrom: '2027-06-01' });
    expect(later.body.delegatorPersonId, 'the holder on validFrom delegates').to.equal(people.bart.id);

    expect((await resolve({ day: '2027-03-20' })).capacity, 'never automatic').to.equal('holder');
    const delegate = await resolve({ day: '2027-03-20', delegationId });
    expect(delegate.person.id).to.equal(people.els.id);
    expect(delegate).to.include({
      capacity: 'delegate',
      delegationId,
      function: 'Diensthoofd secretariaat',
      actingStatement: 'Bij opdracht van de algemeen directeur',
      certificateTitle: 'Diensthoofd secretariaat, bij opdracht van de algemeen directeur',
      absentPersonId: null,
    });
    expect((await resolve({ day: '2027-03-20', kind: null, delegationId })).capacity, 'outside a meeting: other').to.equal('delegate');

    const minutes = await refusal(resolve({ day: '2027-03-20', kind: 'minutes', delegationId }));
    expect(minutes).to.include({ code: 'delegation_minutes_refused', status: 422, message: MINUTES_MESSAGE });
    const minutesRegistered = await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision', 'minutes'], validFrom: '2027-01-01' });
    expectProblem(minutesRegistered, 422, 'delegation_minutes_refused');
    expect(minutesRegistered.body.detail).to.equal(MINUTES_MESSAGE);
    expectProblem(await api().post('/delegations', { functionId: chair.id, delegatePersonId: people.els.id, scope: ['decision'], validFrom: '2027-01-01' }), 422, 'function_not_delegable');
    expectProblem(await api().post('/delegations', { functionId: director.id, delegatePersonId: people.bart.id, scope: ['decision'], validFrom: '2027-04-01' }), 422, 'delegation_to_self');
    expectProblem(await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision'], validFrom: '2024-01-01' }), 409, 'function_vacant');

    expect((await refusal(resolve({ day: '2028-01-01', delegationId }))).code, 'after validUntil').to.equal('delegation_not_valid');
    expect((await refusal(resolve({ day: '2027-06-02', delegationId: later.body.id }))).code, 'a decision outside its scope').to.equal('delegation_not_valid');
    expect((await refusal(resolve({ functionId: chair.id, day: '2027-03-20', delegationId }))).code, 'another function').to.equal('function_not_delegable');

    const revoked = await api().post(`/delegations/${delegationId}/revoke`);
    expect(revoked.status).to.equal(200);
    expect(revoked.body).to.include({ revoked: true });
    expect(revoked.body.revokedAt).to.be.a('string');
    const afterRevoke = await refusal(resolve({ day: '2027-03-20', delegationId }));
    expect(afterRevoke).to.include({ code: 'delegation_not_valid', status: 422 });

    const register = await api().get(`/delegations?functionId=${director.id}`);
    expect(register.body.delegations.map((d: { id: string }) => d.id)).to.deep.equal([later.body.id]);
    const history = await api().get(`/delegations?functionId=${director.id}&includeRevoked=true`);
    expect(history.body.delegations.map((d: { id: string }) => d.id)).to.deep.equal([delegationId, later.body.id]);
    expect((await api().get(`/delegations?delegatePersonId=${people.els.id}&includeRevoked=true`)).body.delegations).to.have.length(1);
  });

  it("answers 404 for another organisation's function, person, mandate, absence and delegation ids", async () => {
    const mandate = (await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'substitute', rank: 2, startsOn: '2028-01-01' })).body;
    const absence = (await api().post('/absences', { personId: people.wim.id, startsOn: '2028-02-01', endsOn: '2028-02-02' })).body;
    const delegation = (await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision'], validFrom: '2028-01-01' })).body;
    const elsewhere = api(otherKey);
    expect((await elsewhere.get('/functions?day=2027-03-12')).body.functions.map((f: { id: string }) => f.id)).to.not.include(director.id);
    expectProblem(await elsewhere.post(`/functions/${director.id}/mandates`, { personId: people.elders.id, kind: 'holder', startsOn: '2027-01-01' }), 404, 'function_not_found');
    expectProblem(await api().post(`/functions/${director.id}/mandates`, { personId: people.elders.id, kind: 'holder', startsOn: '2027-01-01' }), 404, 'person_not_found');
    expectProblem(await elsewhere.post(`/mandates/${mandate.id}/end`, { endsOn: '2028-12-31' }), 404, 'mandate_not_found');
    expectProblem(await elsewhere.post('/absences', { personId: people.wim.id, startsOn: '2028-02-01', endsOn: '2028-02-02' }), 404, 'person_not_found');
    expectProblem(await elsewhere.post(`/absences/${absence.id}/withdraw`), 404, 'absence_not_found');
    expectProblem(await elsewhere.get(`/absences?personId=${people.wim.id}`), 404, 'person_not_found');
    expectProblem(await elsewhere.post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision'], validFrom: '2028-01-01' }), 404, 'function_not_found');
    expectProblem(await api().post('/delegations', { functionId: director.id, delegatePersonId: people.elders.id, scope: ['decision'], validFrom: '2028-01-01' }), 404, 'person_not_found');
    expectProblem(await elsewhere.post(`/delegations/${delegation.id}/revoke`), 404, 'delegation_not_found');
    expectProblem(await elsewhere.get(`/delegations?functionId=${director.id}`), 404, 'function_not_found');
    expectProblem(await elsewhere.get(`/delegations?delegatePersonId=${people.els.id}`), 404, 'person_not_found');
    expect((await refusal(resolve({ day: '2028-01-02' }, other.id))).code).to.equal('function_not_found');
    const otherFunction = (await elsewhere.get('/functions')).body.functions[0];
    expect((await refusal(resolveFunctionSigner(app.deps.db, other.id, { functionId: otherFunction.id, day: '2028-01-02', kind: 'decision', delegationId: delegation.id }))).code).to.equal('delegation_not_found');
    expectProblem(await api().post('/mandates/not-a-uuid/end', { endsOn: '2028-12-31' }), 404, 'mandate_not_found');
    // Nothing changed in this organisation.
    expect((await api().get(`/delegations?functionId=${director.id}`)).body.delegations.map((d: { id: string }) => d.id)).to.include(delegation.id);
    expect((await api().get(`/absences?personId=${people.wim.id}&from=2028-01-01`)).body.absences[0]).to.include({ id: absence.id, withdrawn: false });
  });

  it('answers bad input with 400 problem+json naming the field', async () => {
    const bad = [
      await api().post('/functions', { name: '' }),
      await api().post('/functions', { name: 'Burgemeester', body: 'parlement' }),
      await api().post('/functions', { name: 'Burgemeester', extra: true }),
      await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'chair', startsOn: '2027-01-01' }),
      await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'holder', startsOn: '2027-02-30' }),
      await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'holder', startsOn: '2027-03-01', endsOn: '2027-02-01' }),
      await api().post(`/functions/${director.id}/mandates`, { personId: people.wim.id, kind: 'substitute', rank: 0, startsOn: '2027-03-01' }),
      await api().post('/absences', { personId: people.wim.id, startsOn: '1/3/2027', endsOn: '2027-03-02' }),
      await api().post('/absences', { personId: people.wim.id, startsOn: '2027-03-02', endsOn: '2027-03-01' }),
      await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: [], validFrom: '2027-01-01' }),
      await api().post('/delegations', { functionId: director.id, delegatePersonId: people.els.id, scope: ['decision'], validFrom: '2027-01-01', validUntil: '2026-12-31' }),
      await api().get('/functions?day=morgen'),
      await api().get('/absences?from=2027-13-01'),
      await api().get('/delegations?includeRevoked=ja'),
    ];
    for (const res of bad) expectProblem(res, 400, 'invalid_request');
    expect(bad[4]!.body.detail).to.include('startsOn');
    const malformed = await request(app.url).post('/api/v1/absences').set({ Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }).send('{"personId":');
    expect(malformed.status).to.equal(400);
    expect(malformed.headers['content-type']).to.match(/^application\/problem\+json/);
    expectProblem(await request(app.url).get('/api/v1/functions'), 401, 'unauthorized');
  });

  it('answers as the OpenAPI document says, for every route and a problem', async () => {
    const document = (await request(app.url).get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const validate = openApiValidator(document);
    const answers = async (method: 'get' | 'post', path: string, res: request.Response | Promise<request.Response>, schema: string) => {
      const answer = await res;
      expect(document.paths[path]?.[method]?.responses, `${method} ${path} documents ${answer.status}`).to.have.property(String(answer.status));
      expect(validate(schema, answer.body), `${method} ${path}`).to.equal(null);
    };
    await answers('get', '/functions', api().get('/functions?day=2027-03-12'), 'FunctionDirectory');
    const fn = await api().post('/functions', { name: 'Burgemeester' });
    await answers('post', '/functions', fn, 'Function');
    const mandate = await api().post(`/functions/${fn.body.id}/mandates`, { personId: people.jan.id, kind: 'holder', startsOn: '2025-01-01', endsOn: null });
    await answers('post', '/functions/{id}/mandates', mandate, 'Mandate');
    await answers('post', '/mandates/{id}/end', api().post(`/mandates/${mandate.body.id}/end`, { endsOn: '2030-12-31' }), 'Mandate');
    const absence = await api().post('/absences', { personId: people.jan.id, startsOn: '2027-05-01', endsOn: '2027-05-01', reason: null });
    await answers('post', '/absences', absence, 'RecordedAbsence');
    await answers('get', '/absences', api().get('/absences?from=2027-01-01'), 'AbsenceList');
    await answers('post', '/absences/{id}/withdraw', api().post(`/absences/${absence.body.id}/withdraw`), 'Absence');
    const delegation = await api().post('/delegations', { functionId: fn.body.id, delegatePersonId: people.els.id, scope: ['other'], validFrom: '2027-01-01', validUntil: null, reference: null });
    await answers('post', '/delegations', delegation, 'Delegation');
    await answers('post', '/delegations/{id}/revoke', api().post(`/delegations/${delegation.body.id}/revoke`), 'Delegation');
    await answers('get', '/delegations', api().get('/delegations?includeRevoked=true'), 'DelegationList');
    await answers('get', '/functions', api().get('/functions?day=2027-05-01'), 'FunctionDirectory');
    await answers('post', '/delegations', api().post('/delegations', { functionId: fn.body.id, delegatePersonId: people.els.id, scope: ['minutes'], validFrom: '2027-01-01' }), 'Problem');
    await answers('post', '/functions/{id}/mandates', api().post(`/functions/${randomUUID()}/mandates`, { personId: people.jan.id, kind: 'holder', startsOn: '2025-01-01' }), 'Problem');
  });

  it("writes every change on the organisation's chain, which audit verify finds intact", async () => {
    const events = await listAuditChain(app.deps.db, `org:${org.id}`);
    const actions = events.map((e) => e.action);
    for (const action of ['function.created', 'mandate.added', 'mandate.ended', 'absence.recorded', 'absence.withdrawn', 'delegation.registered', 'delegation.revoked']) {
      expect(actions, action).to.include(action);
    }
    expect(actions.filter((a) => a === 'function.created')).to.have.length(3);
    expect(actions.filter((a) => a === 'absence.withdrawn'), 'two absences withdrawn, one of them twice: one event each').to.have.length(2);
    expect(events.every((e) => e.actorKind === 'api_key' && e.envelopeId === null)).to.equal(true);
    const ended = events.find((e) => e.action === 'mandate.ended');
    expect(ended?.details).to.include({ endsOn: '2027-02-28', previousEndsOn: null, personId: people.an.id });
    const delegated = events.find((e) => e.action === 'delegation.registered');
    expect(delegated?.details).to.deep.include({ delegatorPersonId: people.an.id, delegatePersonId: people.els.id, scope: ['decision', 'other'], reference: 'Besluit AD 2026/15' });
    // Refusals changed nothing: no event for them.
    expect(actions.filter((a) => a === 'delegation.registered')).to.have.length(4);

    const run = await cliOnApp(app, ['audit', 'verify', '--org', org.slug]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`organisation ${org.id} \\(org chain\\): OK — ${events.length} event\\(s\\)`));
    expect(run.stdout).to.include('all OK');
  });
});
