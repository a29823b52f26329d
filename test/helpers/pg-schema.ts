/**
 * A fresh PostgreSQL schema and knex pools working in it, for tests that play several instances on one
 * database without a whole app: each `pool()` is what one instance would have.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, type Knex } from '../../src/store/index.ts';

export interface PgSchema {
  readonly url: string;
  readonly schema: string;
  /** A new pool in the schema (one per "instance"); destroyed by drop(). */
  pool(): Knex;
  /** Destroys the pools and drops the schema. */
  drop(): Promise<void>;
}

export async function createPgSchema(url: string): Promise<PgSchema> {
  const schema = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`create schema "${schema}"`);
  const pools: Knex[] = [];
  return {
    url,
    schema,
    pool() {
      const db = createDb({ client: 'pg', url }, { searchPath: schema });
      pools.push(db);
      return db;
    },
    async drop() {
      await Promise.all(pools.splice(0).map((db) => db.destroy()));
      await admin.raw(`drop schema "${schema}" cascade`);
      await admin.destroy();
    },
  };
}
