/** withTransaction: commit, rollback, joining an outer transaction, and SQLite's write lock taken at BEGIN; writeTogether in one. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, createOrganisation, hasImmediateTransactions, isPostgres, isUniqueViolation, organisationBySlug, withTransaction, type Knex } from '../../../src/store/index.ts';
import { writeTogether } from '../../../src/store/sql.ts';
import { countStatements, statementsOf } from '../../../src/store/statement-counter.ts';
import { preparedRead } from '../../../src/store/db.ts';
import { freshDbPerTest } from './fresh-db.ts';

// The suite runs once per database (CI runs it on both); each database-specific case is defined
// only for the database it is about, so no test is ever skipped.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe('store: withTransaction', () => {
  const fresh = freshDbPerTest();

  it('commits when the function resolves and rolls back when it throws', async () => {
    const result = await withTransaction(fresh.db, async (trx) => (await createOrganisation(trx, { slug: 'kortrijk', name: 'Stad Kortrijk' })).id);
    expect((await organisationBySlug(fresh.db, 'kortrijk'))?.id).to.equal(result);

    let caught: unknown;
    try {
      await withTransaction(fresh.db, async (trx) => {
        await createOrganisation(trx, { slug: 'menen', name: 'Stad Menen' });
        throw new Error('boom');
      });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.equal('boom');
    expect(await organisationBySlug(fresh.db, 'menen')).to.equal(null);
  });

  it('joins a transaction it is given instead of nesting one', async () => {
    await withTransaction(fresh.db, async (outer) => {
      await withTransaction(outer, async (inner) => {
        expect(inner).to.equal(outer);
        await createOrganisation(inner, { slug: 'wevelgem', name: 'Gemeente Wevelgem' });
      });
      expect(await organisationBySlug(outer, 'wevelgem')).not.to.equal(null);
    });
  });

  if (!onPostgres) it('on SQLite, takes the write lock at BEGIN, so read-then-write transactions of two processes queue instead of failing', async function () {
    expect(isPostgres(fresh.db)).to.equal(false);
    expect(hasImmediateTransactions(fresh.db)).to.equal(true);
    // A second pool on the same file stands in for a second process (the CLI next to the server).
    const other = createDb(fresh.app.config.database);
    try {
      await fresh.db('organisations').insert({ id: randomUUID(), slug: 'teller', name: '0' });
      const increment = (conn: Knex, pause: number) =>
        withTransaction(conn, async (trx) => {
          const row = await trx('organisations').where({ slug: 'teller' }).first();
          await sleep(pause);
          await trx('organisations').where({ slug: 'teller' }).update({ name: String(Number(row.name) + 1) });
        });
      // With DEFERRED transactions both would read 0 and one would fail with SQLITE_BUSY on its write.
      await Promise.all([increment(fresh.db, 150), increment(other, 0), increment(fresh.db, 0), increment(other, 50)]);
      expect((await fresh.db('organisations').where({ slug: 'teller' }).first()).name).to.equal('4');
    } finally {
      await other.destroy();
    }
  });

  if (onPostgres) it('on PostgreSQL, sends a lockFirst statement with BEGIN, so its locks are held before the function runs', async () => {
    const organisation = await createOrganisation(fresh.db, { slug: 'anzegem', name: 'Gemeente Anzegem' });
    const counted = countStatements(fresh.db);
    const lockFirst = `select 1 from organisations where id = '${organisation.id}' for update`;
    let heldElsewhere: unknown;
    await withTransaction(
      fresh.db,
      async () => {
        // Another connection asking the same row lock without waiting is refused while this transaction runs.
        heldElsewhere = await fresh.db.raw(`${lockFirst} nowait`).catch((error: { code?: string }) => error.code);
      },
      { lockFirst },
    );
    const statements = counted.statements;
    counted.stop();
    expect(heldElsewhere).to.equal('55P03');
    // BEGIN and the lock in one query (counted as its two statements), the other connection's attempt, COMMIT.
    expect(statements.slice(0, 2)).to.deep.equal(['BEGIN', lockFirst]);
    expect(statements.at(-1)).to.match(/^COMMIT/);
  });

  if (onPostgres) it('on PostgreSQL, a failing lockFirst fails the transaction before the function runs, and leaves no connection in an aborted block', async () => {
    let ran = false;
    let caught: unknown;
    try {
      await withTransaction(fresh.db, async () => void (ran = true), { lockFirst: 'select 1 / 0' });
    } catch (error) {
      caught = error;
    }
    expect(ran).to.equal(false);
    expect((caught as Error).message).to.match(/division by zero/);
    // Every pooled connection, the failed one among them, answers (an aborted block would refuse until ROLLBACK).
    const answers = await Promise.all(Array.from({ length: 10 }, () => fresh.db.raw('select 1 as one')));
    expect(answers.map((a) => a.rows[0].one)).to.deep.equal(Array(10).fill(1));
  });

  if (onPostgres) it('on PostgreSQL, sends a readFirst read after the lock in the same round trip: the function gets its rows, as committed when the lock was granted', async () => {
    const organisation = await createOrganisation(fresh.db, { slug: 'avelgem', name: 'Gemeente Avelgem' });
    const lockFirst = `select 1 from organisations where id = '${organisation.id}' for update`;
    const readFirst = `select name from organisations where id = '${organisation.id}'`;
    // A first transaction holds the lock and renames the organisation; it commits while the second waits for the lock.
    let commitFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (commitFirst = resolve));
    let firstHasLock!: () => void;
    const firstLocked = new Promise<void>((resolve) => (firstHasLock = resolve));
    const first = withTransaction(fresh.db, async (trx) => {
      await trx('organisations').where({ id: organisation.id }).update({ name: 'Gemeente Avelgem (nieuw)' });
      firstHasLock();
      await firstMayCommit;
    }, { lockFirst });
    await firstLocked;
    const counted = countStatements(fresh.db);
    let seen: unknown[] | undefined;
    const second = withTransaction(fresh.db, async (_trx, rows) => void (seen = rows), { lockFirst, readFirst });
    await new Promise((resolve) => setTimeout(resolve, 100));
    commitFirst();
    await Promise.all([first, second]);
    const statements = counted.statements;
    counted.stop();
    expect(seen).to.deep.equal([{ name: 'Gemeente Avelgem (nieuw)' }]);
    // BEGIN, the lock and the read in one query (counted as its three statements), then the first's COMMIT and ours.
    expect(statements.slice(0, 3)).to.deep.equal(['BEGIN', lockFirst, readFirst]);
  });

  if (onPostgres) it('on PostgreSQL, a prepared readFirst is PREPAREd once per connection, then only EXECUTEd: the function gets its rows', async () => {
    const organisation = await createOrganisation(fresh.db, { slug: 'deerlijk', name: 'Gemeente Deerlijk' });
    const lockFirst = `select 1 from organisations where id = '${organisation.id}' for update`;
    const read = preparedRead('select name from organisations where id = $1', [organisation.id]);
    const sent: string[] = [];
    const listener = (query: { sql?: string }) => sent.push(query.sql ?? '');
    fresh.db.on('query', listener);
    const runs: Array<{ rows: unknown; pid: number; prepared: string[] }> = [];
    try {
      // One after the other: the pool hands out its one connection each time (checked below by its backend's pid).
      for (let i = 0; i < 2; i += 1) {
        await withTransaction(fresh.db, async (trx, rows) => {
          const pid = Number((await trx.raw('select pg_backend_pid() as pid')).rows[0].pid);
          const prepared = (await trx.raw('select name from pg_prepared_statements')).rows.map((r: { name: string }) => r.name);
          runs.push({ rows, pid, prepared });
        }, { lockFirst, readFirst: read });
      }
    } finally {
      fresh.db.off('query', listener);
    }
    expect(runs.map((r) => r.rows)).to.deep.equal([[{ name: 'Gemeente Deerlijk' }], [{ name: 'Gemeente Deerlijk' }]]);
    expect(runs[1]!.pid).to.equal(runs[0]!.pid);
    expect(runs.map((r) => r.prepared)).to.deep.equal([[read.name], [read.name]]);
    const begins = sent.filter((sql) => sql.startsWith('BEGIN'));
    expect(begins[0]).to.equal(`BEGIN; ${lockFirst}; PREPARE ${read.name} AS ${read.text}; EXECUTE ${read.name}('${organisation.id}')`);
    expect(begins[1]).to.equal(`BEGIN; ${lockFirst}; EXECUTE ${read.name}('${organisation.id}')`);
    // The PREPARE is that read's planning, not a statement of its own (statement-counter.ts).
    expect(statementsOf(begins[0]!)).to.deep.equal(['BEGIN', lockFirst, `EXECUTE ${read.name}('${organisation.id}')`]);
  });

  if (onPostgres) it('on PostgreSQL, a prepared readFirst whose EXECUTE fails is rolled back and prepared again next time', async () => {
    const organisation = await createOrganisation(fresh.db, { slug: 'harelbeke', name: 'Stad Harelbeke' });
    // Fails at run time, for an organisation that is not there: after its PREPARE went through.
    const text = 'select 1 / (select count(*)::int from organisations where id = $1) as one';
    const failed = await withTransaction(fresh.db, async () => undefined, { lockFirst: 'select 1', readFirst: preparedRead(text, [randomUUID()]) }).then(() => undefined, (error: unknown) => error);
    expect((failed as Error).message).to.match(/division by zero/);
    let seen: unknown[] | undefined;
    await withTransaction(fresh.db, async (_trx, rows) => void (seen = rows), { lockFirst: 'select 1', readFirst: preparedRead(text, [organisation.id]) });
    expect(seen).to.deep.equal([{ one: 1 }]);
  });

  if (onPostgres) it('on PostgreSQL, a failing readFirst fails the transaction before the function runs, and leaves no connection in an aborted block', async () => {
    let ran = false;
    const caught = await withTransaction(fresh.db, async () => void (ran = true), { lockFirst: 'select 1', readFirst: 'select 1 / 0' }).then(() => undefined, (error: unknown) => error);
    expect(ran).to.equal(false);
    expect((caught as Error).message).to.match(/division by zero/);
    const answers = await Promise.all(Array.from({ length: 10 }, () => fresh.db.raw('select 1 as one')));
    expect(answers.map((a) => a.rows[0].one)).to.deep.equal(Array(10).fill(1));
  });

  if (!onPostgres) it('on SQLite, sends no readFirst read: the function gets no rows and reads for itself', async () => {
    const counted = countStatements(fresh.db);
    let seen: unknown[] | undefined = [];
    await withTransaction(fresh.db, async (_trx, rows) => void (seen = rows), { lockFirst: 'select 1 / 0', readFirst: 'select 1 / 0' });
    expect(counted.stop()).to.equal(2);
    expect(seen).to.equal(undefined);
  });

  if (!onPostgres) it('on SQLite, takes no lockFirst statement: BEGIN IMMEDIATE is the lock', async () => {
    const counted = countStatements(fresh.db);
    await withTransaction(fresh.db, async (trx) => void (await trx.raw('select 1')), { lockFirst: 'select 1 / 0' });
    expect(counted.stop()).to.equal(3);
    expect(counted.statements[0]).to.match(/^BEGIN IMMEDIATE/);
  });

  it('writes together in a transaction: every write lands, and one failing rolls back all of them with it', async () => {
    const organisation = await createOrganisation(fresh.db, { slug: 'wervik', name: 'Stad Wervik' });
    const row = (slug: string) => ({ id: randomUUID(), slug, name: slug, created_at: new Date().toISOString() });
    await withTransaction(fresh.db, (trx) =>
      writeTogether(trx, [trx('organisations').insert(row('zonnebeke')), trx('organisations').where({ id: organisation.id }).update({ name: 'Stad Wervik (gewijzigd)' }), trx('organisations').insert(row('heuvelland'))]),
    );
    expect((await fresh.db('organisations').orderBy('slug')).map((o: { slug: string; name: string }) => [o.slug, o.name])).to.deep.equal([
      ['heuvelland', 'heuvelland'],
      ['wervik', 'Stad Wervik (gewijzigd)'],
      ['zonnebeke', 'zonnebeke'],
    ]);
    const failed = await withTransaction(fresh.db, (trx) =>
      writeTogether(trx, [trx('organisations').insert(row('mesen')), trx('organisations').insert(row('wervik')), trx('organisations').where({ id: organisation.id }).update({ name: 'Wervik' })]),
    ).then(() => undefined, (error: unknown) => error);
    expect(isUniqueViolation(failed)).to.equal(true);
    expect(await organisationBySlug(fresh.db, 'mesen')).to.equal(null);
    expect((await organisationBySlug(fresh.db, 'wervik'))?.name).to.equal('Stad Wervik (gewijzigd)');
    // The connection goes on after the rollback.
    await withTransaction(fresh.db, (trx) => writeTogether(trx, [trx('organisations').insert(row('mesen')), trx('organisations').insert(row('langemark'))]));
    expect(await fresh.db('organisations').count({ n: '*' })).to.deep.equal([{ n: onPostgres ? '5' : 5 }]);
  });

  if (onPostgres) it('on PostgreSQL, rolls back a failed statement with the rest of the transaction', async function () {
    expect(isPostgres(fresh.db)).to.equal(true);
    let failed = false;
    try {
      await withTransaction(fresh.db, async (trx) => {
        await createOrganisation(trx, { slug: 'harelbeke', name: 'Stad Harelbeke' });
        await trx('organisations').insert({ id: 'not-a-uuid', slug: 'x', name: 'x' });
      });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await organisationBySlug(fresh.db, 'harelbeke')).to.equal(null);
  });
});
