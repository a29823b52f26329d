/**
 * SQLite statements through prepared statements kept per connection (src/store/sqlite-statements.ts): the answers
 * are knex's own (rows, insert ids, changes, constraint errors), a syntax error is the query's error, a kept
 * statement sees a schema change, and the connection still closes with every kept statement finalized.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createDb, isUniqueViolation, withTransaction, type Knex } from '../../../src/store/index.ts';
import { STATEMENTS_KEPT, statementsKept } from '../../../src/store/sqlite-statements.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** The one SQLite connection of `db` (its pool holds one), handed back at once: what it keeps stays with it. */
async function keptOn(db: Knex): Promise<number> {
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<void> };
  const connection = await client.acquireConnection();
  await client.releaseConnection(connection);
  return statementsKept(connection);
}

// SQLite only: PostgreSQL's statements go through node-postgres (named ones through `prepared`).
if (!onPostgres) {
  describe('store: kept SQLite statements', () => {
    let directory: string;
    let db: Knex;

    beforeEach(async () => {
      directory = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-sqlite-'));
      db = createDb({ client: 'sqlite3', url: path.join(directory, 'test.sqlite') });
      await db.schema.createTable('decisions', (table) => {
        table.increments('id');
        table.string('title').unique();
      });
    });

    afterEach(async () => {
      await db.destroy();
      await fs.rm(directory, { recursive: true, force: true });
    });

    it('answers as knex does, keeping one statement per text', async () => {
      expect(await db('decisions').insert({ title: 'Begroting 2027' })).to.deep.equal([1]);
      expect(await db('decisions').insert({ title: 'Reglement markten' })).to.deep.equal([2]);
      expect(await db('decisions').insert({ title: 'Subsidie' }).returning('id')).to.deep.equal([{ id: 3 }]);
      expect(await db('decisions').where('id', '>', 1).update({ title: db.raw("title || ' (gewijzigd)'") })).to.equal(2);
      expect(await db('decisions').where({ id: 2 }).first()).to.deep.equal({ id: 2, title: 'Reglement markten (gewijzigd)' });
      expect(await db('decisions').where({ id: 3 }).first()).to.deep.equal({ id: 3, title: 'Subsidie (gewijzigd)' });
      expect(await db('decisions').where({ id: 1 }).del()).to.equal(1);
      const error = await db('decisions').insert({ title: 'Subsidie (gewijzigd)' }).then(() => undefined, (e: unknown) => e);
      expect(isUniqueViolation(error)).to.equal(true);
      const kept = await keptOn(db);
      // Run again: found, not prepared anew.
      await db('decisions').where({ id: 2 }).first();
      await db('decisions').insert({ title: 'Nog een' });
      expect(await keptOn(db)).to.equal(kept);
    });

    it('keeps the statements of a transaction too (BEGIN IMMEDIATE, its reads and writes, COMMIT and ROLLBACK)', async () => {
      const writeInTransaction = (title: string) =>
        withTransaction(db, async (trx) => {
          await trx('decisions').insert({ title });
          return trx('decisions').where({ title }).first();
        });
      expect(await writeInTransaction('Begroting 2027')).to.deep.equal({ id: 1, title: 'Begroting 2027' });
      const failed = await writeInTransaction('Begroting 2027').then(() => undefined, (e: unknown) => e);
      expect(isUniqueViolation(failed)).to.equal(true);
      const kept = await keptOn(db);
      // BEGIN IMMEDIATE, the insert, the read, COMMIT and ROLLBACK: each kept once.
      expect(kept).to.be.at.least(5);
      expect(await writeInTransaction('Reglement markten')).to.deep.equal({ id: 2, title: 'Reglement markten' });
      await writeInTransaction('Reglement markten').catch(() => undefined);
      expect(await keptOn(db)).to.equal(kept);
      expect(await db('decisions').orderBy('id')).to.deep.equal([{ id: 1, title: 'Begroting 2027' }, { id: 2, title: 'Reglement markten' }]);
    });

    it('fails a query with SQLite’s syntax error, keeps nothing for it, and goes on', async () => {
      const error = (await db.raw('selec 1').then(() => undefined, (e: unknown) => e)) as Error;
      expect(error.message).to.include('syntax error');
      const kept = await keptOn(db);
      await db.raw('selec 1').catch(() => undefined);
      expect(await keptOn(db)).to.equal(kept);
      expect(await db('decisions').count({ n: '*' })).to.deep.equal([{ n: 0 }]);
    });

    it('sees a schema change through a kept statement', async () => {
      await db('decisions').insert({ title: 'Begroting 2027' });
      expect(await db.raw('select * from decisions')).to.deep.equal([{ id: 1, title: 'Begroting 2027' }]);
      await db.schema.alterTable('decisions', (table) => table.string('status').defaultTo('ontwerp'));
      expect(await db.raw('select * from decisions')).to.deep.equal([{ id: 1, title: 'Begroting 2027', status: 'ontwerp' }]);
    });

    it(`keeps at most ${STATEMENTS_KEPT} statements and closes with all of them finalized`, async () => {
      for (let i = 0; i < STATEMENTS_KEPT + 20; i++) expect(await db.raw(`select ${i} as n`)).to.deep.equal([{ n: i }]);
      expect(await keptOn(db)).to.equal(STATEMENTS_KEPT);
      // Evicted, then asked for again: prepared anew.
      expect(await db.raw('select 0 as n')).to.deep.equal([{ n: 0 }]);
      // Closed as the pool closes it, which SQLite refuses (SQLITE_BUSY) while a statement is not finalized.
      const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<void>; destroyRawConnection(connection: unknown): Promise<void> };
      const connection = await client.acquireConnection();
      await client.releaseConnection(connection);
      await client.destroyRawConnection(connection);
      expect(statementsKept(connection)).to.equal(0);
      await db.destroy();
      db = createDb({ client: 'sqlite3', url: path.join(directory, 'test.sqlite') });
    });
  });
}
