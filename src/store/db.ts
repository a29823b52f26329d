/**
 * The knex factory. SQLite is the default (one process serves a region, DESIGN §8);
 * a `postgres://…` DATABASE_URL selects PostgreSQL for several instances.
 */
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config.ts';

export type { Knex } from 'knex';

export interface CreateDbOptions {
  /** PostgreSQL only: the schema to work in (tests use a fresh one per run). */
  searchPath?: string;
}

/** How long a SQLite connection waits for another writer's lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

type SqliteConnection = { run(sql: string, callback: (error: Error | null) => void): void };

export function createDb(database: DatabaseConfig, options: CreateDbOptions = {}): Knex {
  if (database.client === 'pg') {
    return knexFactory({
      client: 'pg',
      connection: database.url,
      searchPath: options.searchPath ? [options.searchPath] : undefined,
      pool: { min: 0, max: 10 },
    });
  }
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: database.url },
    useNullAsDefault: true,
    // One connection: SQLite allows one writer at a time anyway, and a single connection
    // makes that writer lock the serialization point for signing (DESIGN §8).
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        const pragmas = ['PRAGMA journal_mode = WAL', 'PRAGMA foreign_keys = ON', `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`, 'PRAGMA synchronous = NORMAL'];
        const runNext = (index: number): void => {
          if (index === pragmas.length) return done(null, connection);
          connection.run(pragmas[index], (error) => (error ? done(error, connection) : runNext(index + 1)));
        };
        runNext(0);
      },
    },
  });
}

/** Resolves when the database answers a trivial query. */
export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
