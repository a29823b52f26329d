/**
 * A fresh PostgreSQL schema with every migration applied, for the db blob store tests. They run in
 * both passes of CI (PostgreSQL is always there: 127.0.0.1:5432, or TEST_DATABASE_URL), so the
 * store several instances rely on is never left untested by the SQLite pass.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, migrateToLatest, type Knex } from '../../../src/store/index.ts';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PgSchema {
  readonly db: Knex;
  /** Another pool on the same schema: a second instance. */
  connect(): Knex;
  /** Destroys the pools and drops the schema. */
  drop(): Promise<void>;
}

async function onServer(statement: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(statement);
  } finally {
    await admin.destroy();
  }
}

export async function freshPgSchema(): Promise<PgSchema> {
  const schema = `blobs_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(`create schema "${schema}"`);
  const pools: Knex[] = [];
  const connect = (): Knex => {
    const db = createDb({ client: 'pg', url: POSTGRES_URL }, { searchPath: schema });
    pools.push(db);
    return db;
  };
  const db = connect();
  await migrateToLatest(db);
  return {
    db,
    connect,
    async drop() {
      await Promise.all(pools.map((pool) => pool.destroy()));
      await onServer(`drop schema "${schema}" cascade`);
    },
  };
}
