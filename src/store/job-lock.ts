/**
 * Scheduled jobs run once across instances (DESIGN §8, issue 11). On PostgreSQL a job first takes a
 * session-level advisory lock on a connection of its own and holds it for the whole run; another
 * instance whose timer fires meanwhile finds it taken and skips that tick. A session lock, not a
 * transaction one: a job such as the archive-timestamp pass runs for minutes through many short
 * transactions of its own, and an open transaction held that long would block vacuum. A process that
 * dies loses its connection, and PostgreSQL releases the lock with it. On SQLite there is one
 * process per database (DESIGN §8), so the job simply runs.
 */
import type { Knex } from 'knex';
import { isPostgres } from './sql.ts';

export type ExclusiveRun<T> = { ran: true; result: T } | { ran: false };

/**
 * The lock's 64-bit key: the first 8 bytes of MD5 over the schema and the job name, computed in SQL so
 * that deployments (or test runs) in different schemas of one database never skip each other's jobs.
 */
const KEY_SQL = `('x' || left(md5(current_schema() || '/' || ?), 16))::bit(64)::bigint`;

interface PgConnection {
  end(): Promise<void>;
  __knex__disposed?: unknown;
}

/**
 * `wait`: instead of skipping, wait until the instance holding the lock is done, then run (the migrations
 * at start, which every instance must see applied before it serves).
 */
export async function runExclusively<T>(db: Knex, name: string, fn: () => Promise<T>, options: { wait?: boolean } = {}): Promise<ExclusiveRun<T>> {
  if (!isPostgres(db)) return { ran: true, result: await fn() };
  const connection = (await db.client.acquireConnection()) as PgConnection;
  let healthy = true;
  try {
    if (options.wait) await db.raw(`select pg_advisory_lock(${KEY_SQL})`, [name]).connection(connection);
    else {
      const taken = await db.raw(`select pg_try_advisory_lock(${KEY_SQL}) as locked`, [name]).connection(connection);
      if (!(taken.rows[0] as { locked: boolean }).locked) return { ran: false };
    }
    try {
      return { ran: true, result: await fn() };
    } finally {
      try {
        await db.raw(`select pg_advisory_unlock(${KEY_SQL})`, [name]).connection(connection);
      } catch {
        healthy = false;
      }
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: it must not go back to the pool, where it
    // would keep every other instance from the job. Ending it releases the lock, as a crash would.
    if (!healthy) {
      connection.__knex__disposed = 'advisory unlock failed';
      await connection.end().catch(() => undefined);
    }
    await db.client.releaseConnection(connection);
  }
}
