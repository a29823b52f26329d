/**
 * runExclusively (issue 11): a scheduled job runs once across instances. On PostgreSQL two pools on one
 * schema play two instances; on SQLite (one process per database) the job simply runs.
 */
import { expect } from 'chai';
import { createDb, type Knex } from '../../../src/store/index.ts';
import { runExclusively } from '../../../src/store/job-lock.ts';
import { createPgSchema, type PgSchema } from '../../helpers/pg-schema.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;

/** A promise and the function that settles it: a job that runs until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Backend pids holding the advisory lock of job `name` in this schema (other tests may hold locks of their own). */
async function holders(db: Knex, name: string): Promise<number[]> {
  const result = await db.raw(
    `select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
       and ((classid::bigint << 32) | objid::bigint) = ('x' || left(md5(current_schema() || '/' || ?), 16))::bit(64)::bigint`,
    [name],
  );
  return (result.rows as Array<{ pid: number }>).map((row) => row.pid);
}

/** Until an instance holds the lock of job `name`. */
async function untilHeld(db: Knex, name: string): Promise<number[]> {
  for (;;) {
    const pids = await holders(db, name);
    if (pids.length > 0) return pids;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

if (postgresUrl) {
  describe('store: runExclusively on PostgreSQL', () => {
    let pg: PgSchema;
    let first: Knex;
    let second: Knex;
    beforeEach(async () => {
      pg = await createPgSchema(postgresUrl);
      [first, second] = [pg.pool(), pg.pool()];
    });
    afterEach(() => pg.drop());

    it('runs a job on one instance only while it runs, and on either again afterwards', async () => {
      const running = gate();
      let runs = 0;
      const job = async () => {
        runs += 1;
        await running.promise;
        return 'done';
      };
      const one = runExclusively(first, 'expiry', job);
      // Wait until the first instance holds the lock, then fire the second instance's timer.
      await untilHeld(second, 'expiry');
      const two = await runExclusively(second, 'expiry', job);
      expect(two).to.deep.equal({ ran: false });
      // Another job name is another lock.
      expect(await runExclusively(second, 'audit-check', async () => 'other')).to.deep.equal({ ran: true, result: 'other' });
      running.open();
      expect(await one).to.deep.equal({ ran: true, result: 'done' });
      expect(runs).to.equal(1);
      expect(await runExclusively(second, 'expiry', async () => 'again')).to.deep.equal({ ran: true, result: 'again' });
      expect(await holders(second, 'expiry')).to.deep.equal([]);
    });

    it('runs a job once when both instances fire at the same moment', async () => {
      const running = gate();
      let runs = 0;
      const job = async () => {
        runs += 1;
        await running.promise;
      };
      const both = [runExclusively(first, 'anchor', job), runExclusively(second, 'anchor', job)];
      // The job cannot end before the gate opens, so the first to answer is the one that skipped.
      expect(await Promise.race(both)).to.deep.equal({ ran: false });
      running.open();
      const results = await Promise.all(both);
      expect(results.filter((result) => result.ran)).to.have.length(1);
      expect(runs).to.equal(1);
    });

    it('releases the lock when the connection holding it dies, as when its process is killed', async () => {
      const running = gate();
      const crashed = runExclusively(first, 'archive-timestamps', () => running.promise);
      const [pid] = await untilHeld(second, 'archive-timestamps');
      expect(await runExclusively(second, 'archive-timestamps', async () => 'x')).to.deep.equal({ ran: false });
      // What a kill -9 of the instance does to its connection; PostgreSQL drops the lock as the backend exits.
      await second.raw('select pg_terminate_backend(?)', [pid]);
      while ((await holders(second, 'archive-timestamps')).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await runExclusively(second, 'archive-timestamps', async () => 'taken over')).to.deep.equal({ ran: true, result: 'taken over' });
      // The first instance's run ends without an error of its own; its dead connection is not reused.
      running.open();
      expect((await crashed).ran).to.equal(true);
      expect(await runExclusively(first, 'archive-timestamps', async () => 'back')).to.deep.equal({ ran: true, result: 'back' });
    });

    it('does not hold back the same job of a deployment in another schema of the database', async () => {
      const other = await createPgSchema(postgresUrl);
      try {
        const running = gate();
        const held = runExclusively(first, 'expiry', () => running.promise);
        await untilHeld(second, 'expiry');
        expect(await runExclusively(other.pool(), 'expiry', async () => 'elsewhere')).to.deep.equal({ ran: true, result: 'elsewhere' });
        running.open();
        await held;
      } finally {
        await other.drop();
      }
    });
  });
} else {
  describe('store: runExclusively on SQLite', () => {
    it('runs the job directly: one process per database', async () => {
      const db = createDb({ client: 'sqlite3', url: ':memory:' });
      try {
        expect(await runExclusively(db, 'expiry', async () => 42)).to.deep.equal({ ran: true, result: 42 });
      } finally {
        await db.destroy();
      }
    });
  });
}
