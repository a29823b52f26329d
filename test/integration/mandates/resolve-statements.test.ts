/**
 * What resolving a function costs the database (issue 12): who signs for a function is read when a dossier is
 * created and when the send page previews a route, once per function step. The people of the function's mandates
 * are read in one statement, so the count stays the same however many substitutes the function has; the send
 * page's choosable delegations likewise read their delegates at once. Counted with countStatements, run on SQLite
 * and, with TEST_DATABASE_URL, on PostgreSQL. PRINT_STATEMENTS=1 lists them.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { brusselsDay } from '../../../src/domain/mandates.ts';
import { createOrganisation } from '../../../src/store/index.ts';
import { peopleByIds } from '../../../src/store/people.ts';
import { countStatements } from '../../../src/store/statement-counter.ts';
import { addMandate, addPerson, createFunction, deactivateDirectoryPerson, recordAbsence, registerDelegation, resolveFunctionSigner, type StaffActor } from '../../../src/workflow/index.ts';
import { routeSignersOn } from '../../../src/workflow/signing-routes.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

const ACTOR: StaffActor = { kind: 'api_key', id: 'resolve-statements', label: 'secretariaat' };

describe('resolving a function: statements do not grow with its mandates (issue 12)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let staff: { organisationId: string; actor: StaffActor };
  const day = brusselsDay(new Date());

  /** Counts the statements of `work` alone (nothing else runs on the app's knex meanwhile). */
  const counted = async <T>(work: () => Promise<T>): Promise<{ count: number; result: T }> => {
    const counter = countStatements(app.deps.db);
    try {
      const result = await work();
      const count = counter.stop();
      if (process.env.PRINT_STATEMENTS) console.log(`${count} statements:\n  ${counter.statements.join('\n  ')}`);
      return { count, result };
    } finally {
      counter.stop();
    }
  };
  const person = async (name: string): Promise<string> =>
    (await addPerson(app.deps.workflow, { ...staff, person: { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@zonnebeke.test`, function: 'Medewerker' } })).id;
  /** A function with a holder and `substitutes` substitutes (ranks 1…n); answers the ids, holder first. */
  const functionWith = async (name: string, substitutes: number): Promise<{ functionId: string; people: string[] }> => {
    const functionId = (await createFunction(app.deps.workflow, { ...staff, name, delegable: true })).id;
    const people = [await person(`${name} titularis`)];
    await addMandate(app.deps.workflow, { ...staff, functionId, personId: people[0]!, kind: 'holder', startsOn: '2025-01-01' });
    for (let rank = 1; rank <= substitutes; rank++) {
      people.push(await person(`${name} waarnemer ${rank}`));
      await addMandate(app.deps.workflow, { ...staff, functionId, personId: people[rank]!, kind: 'substitute', rank, startsOn: '2025-01-01' });
    }
    return { functionId, people };
  };
  const resolve = (functionId: string) => counted(() => resolveFunctionSigner(app.deps.db, staff.organisationId, { functionId, day, kind: null }));

  before(async () => {
    app = await bootstrap();
    const organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    staff = { organisationId: organisation.id, actor: ACTOR };
  });
  after(async () => {
    await app?.close();
  });

  it('a function with six substitutes costs as many statements as one with none, and still answers who signs', async () => {
    const alone = await functionWith('Secretaris', 0);
    const crowded = await functionWith('Algemeen directeur', 6);
    // The holder and the first three substitutes are away today; the fourth is no longer in the directory: the fifth signs.
    for (const absent of crowded.people.slice(0, 4)) await recordAbsence(app.deps.workflow, { ...staff, personId: absent, startsOn: day, endsOn: day, reason: 'verlof' });
    await deactivateDirectoryPerson(app.deps.workflow, { ...staff, personId: crowded.people[4]! });

    const one = await resolve(alone.functionId);
    expect(one.result.capacity).to.equal('holder');
    expect(one.result.person.id).to.equal(alone.people[0]);
    const seven = await resolve(crowded.functionId);
    expect(seven.result.capacity).to.equal('substitute');
    expect(seven.result.person.id).to.equal(crowded.people[5]);
    expect(seven.result.function).to.equal('wnd. algemeen directeur');
    expect(seven.result.absentPersonId).to.equal(crowded.people[0]);

    console.log(`      resolving a function: ${one.count} statements with 1 mandate, ${seven.count} with 7`);
    expect(seven.count).to.equal(one.count);
    expect(one.count).to.be.at.most(4);
  });

  it("the send page's preview reads the delegates of a function's delegations at once", async () => {
    const few = await functionWith('Burgemeester', 0);
    const many = await functionWith('Voorzitter', 0);
    const delegate = async (functionId: string, name: string) =>
      registerDelegation(app.deps.workflow, { ...staff, functionId, delegatePersonId: await person(name), scope: ['decision', 'other'], validFrom: '2025-01-01' });
    await delegate(few.functionId, 'Schepen Een');
    for (const name of ['Schepen Twee', 'Schepen Drie', 'Schepen Vier', 'Schepen Vijf']) await delegate(many.functionId, name);

    const preview = (functionId: string) => counted(() => routeSignersOn(app.deps.workflow, staff.organisationId, [{ functionId, role: 'signer', order: 1 }], day, 'decision'));
    const one = await preview(few.functionId);
    const four = await preview(many.functionId);
    expect(one.result[0]!.delegations.map((d) => d.delegate.name)).to.deep.equal(['Schepen Een']);
    expect(four.result[0]!.delegations.map((d) => d.delegate.name)).to.have.members(['Schepen Twee', 'Schepen Drie', 'Schepen Vier', 'Schepen Vijf']);
    expect(four.result[0]!.person?.id).to.equal(many.people[0]);

    console.log(`      previewing a function step: ${one.count} statements with 1 delegation, ${four.count} with 4`);
    expect(four.count).to.equal(one.count);
  });

  it("peopleByIds answers only the organisation's own people", async () => {
    const own = await person('Eigen Medewerker');
    const other = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Langemark' });
    const stranger = (await addPerson(app.deps.workflow, { organisationId: other.id, actor: ACTOR, person: { name: 'Vreemde Medewerker', email: 'vreemd@langemark.test', function: null } })).id;

    const { count, result } = await counted(() => peopleByIds(app.deps.db, staff.organisationId, [own, stranger, own, 'not-a-uuid']));
    expect(count).to.equal(1);
    expect([...result.keys()]).to.deep.equal([own]);
    expect(result.get(own)!.name).to.equal('Eigen Medewerker');
    expect([...(await peopleByIds(app.deps.db, other.id, [own, stranger])).keys()]).to.deep.equal([stranger]);
    expect((await counted(() => peopleByIds(app.deps.db, staff.organisationId, []))).count).to.equal(0);
  });
});
