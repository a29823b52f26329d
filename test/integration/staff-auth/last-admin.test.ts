/**
 * An organisation keeps an active admin (src/workflow/last-admin.ts): the last one is never made staff nor
 * deactivated (409 `last_admin`), and two admins who demote or deactivate each other at the same moment do not both
 * succeed. Through the use cases, with the admins as actors. Runs on SQLite, and on PostgreSQL with
 * TEST_DATABASE_URL, where the two changes really run at once on two connections.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { createOrganisation, createUser, userById, type User } from '../../../src/store/index.ts';
import { changeStaffUser, deactivateStaffUser } from '../../../src/workflow/index.ts';
import { AppError } from '../../../src/errors.ts';

describe('an organisation keeps an active admin', function () {
  this.timeout(60_000);
  let app: TestApp;
  let n = 0;
  before(async () => {
    app = await bootstrap();
  });
  after(async () => {
    await app?.close();
  });

  /** A new organisation with these admins. */
  const organisationWith = async (count: number): Promise<{ organisationId: string; admins: User[] }> => {
    n += 1;
    const organisation = await createOrganisation(app.deps.db, { slug: `beheer-${n}`, name: `Gemeente ${n}` });
    const admins: User[] = [];
    for (let i = 0; i < count; i++) admins.push(await createUser(app.deps.db, organisation.id, { email: `beheer${i}@gemeente${n}.be`, role: 'admin', password: 'correct horse battery' }));
    return { organisationId: organisation.id, admins };
  };
  const as = (organisationId: string, admin: User) => ({ organisationId, actor: { kind: 'user' as const, id: admin.id, label: admin.email } });
  const demote = (organisationId: string, by: User, whom: User) => changeStaffUser(app.deps.workflow, { ...as(organisationId, by), userId: whom.id, role: 'staff', language: 'nl' });
  const deactivate = (organisationId: string, by: User, whom: User) => deactivateStaffUser(app.deps.workflow, { ...as(organisationId, by), userId: whom.id });
  const codeOf = (result: PromiseSettledResult<unknown>) => (result.status === 'rejected' ? (result.reason as AppError).code : 'done');
  const activeAdmins = async (admins: User[]) =>
    (await Promise.all(admins.map((a) => userById(app.deps.db, a.organisationId, a.id)))).filter((u) => u!.role === 'admin' && u!.disabledAt === null).length;

  it('refuses to make staff of, or deactivate, the only active admin (409 last_admin), by an API client too', async () => {
    const { organisationId, admins } = await organisationWith(1);
    // An actor that is no admin of its own (an API client) could otherwise take the last one's rights.
    const client = { organisationId, actor: { kind: 'api_key' as const, id: randomUUID(), label: 'zaaksysteem' } };
    for (const change of [
      () => changeStaffUser(app.deps.workflow, { ...client, userId: admins[0]!.id, role: 'staff', language: 'nl' }),
      () => deactivateStaffUser(app.deps.workflow, { ...client, userId: admins[0]!.id }),
    ]) {
      const [result] = await Promise.allSettled([change()]);
      expect(codeOf(result!)).to.equal('last_admin');
      expect((result as PromiseRejectedResult).reason.status).to.equal(409);
    }
    expect(await activeAdmins(admins)).to.equal(1);
    // Its language is not its rights: that changes.
    await changeStaffUser(app.deps.workflow, { ...client, userId: admins[0]!.id, role: 'admin', language: 'fr' });
    expect((await userById(app.deps.db, organisationId, admins[0]!.id))!.language).to.equal('fr');
  });

  it('lets one of two admins be made staff or deactivated', async () => {
    const { organisationId, admins } = await organisationWith(3);
    await demote(organisationId, admins[0]!, admins[1]!);
    await deactivate(organisationId, admins[0]!, admins[2]!);
    expect(await activeAdmins(admins)).to.equal(1);
  });

  for (const [name, first, second] of [
    ['two admins make staff of each other', demote, demote],
    ['two admins deactivate each other', deactivate, deactivate],
    ['one admin makes staff of the other, who deactivates them', demote, deactivate],
  ] as const) {
    it(`${name} at the same moment: one change is made, the other refused; one admin is left`, async () => {
      for (let round = 0; round < 5; round++) {
        const { organisationId, admins } = await organisationWith(2);
        const [a, b] = admins as [User, User];
        const results = await Promise.allSettled([first(organisationId, a, b), second(organisationId, b, a)]);
        expect(results.map(codeOf).sort()).to.deep.equal(['done', 'last_admin']);
        expect(await activeAdmins(admins)).to.equal(1);
      }
    });
  }
});
