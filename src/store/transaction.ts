import type { Knex } from 'knex';
import { useImmediateTransactions, useLockFirstTransactions, type LockFirstConfig, type PreparedRead } from './db.ts';
import { isPostgres } from './sql.ts';

export interface TransactionOptions {
  /**
   * PostgreSQL: a locking statement without parameters (`select … for update`) to run first, sent with BEGIN in one
   * round trip (useLockFirstTransactions); everything the transaction reads after it sees what was committed before
   * the lock was granted. SQLite: not sent, `BEGIN IMMEDIATE` already holds the database's one write lock.
   */
  lockFirst?: string;
  /**
   * PostgreSQL, with `lockFirst`: a read sent in the same round trip, after the lock (its own statement, so it sees
   * what was committed before the lock was granted): literal SQL, or prepared once per connection (PreparedRead); `fn`
   * gets its rows. SQLite: not sent, `fn` gets undefined and reads for itself.
   */
  readFirst?: string | PreparedRead;
}

/**
 * Runs `fn` in one transaction: a normal transaction on PostgreSQL, `BEGIN IMMEDIATE` on SQLite
 * (the write lock is taken at the start, see `useImmediateTransactions`). Passed a transaction,
 * `fn` joins it, so use cases compose. Commits when `fn` resolves, rolls back when it throws.
 */
export async function withTransaction<T>(
  db: Knex | Knex.Transaction,
  fn: (trx: Knex.Transaction, firstRows?: unknown[]) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const lockFirst = isPostgres(db) ? options.lockFirst : undefined;
  const readFirst = lockFirst === undefined ? undefined : options.readFirst;
  if (isTransaction(db)) {
    if (lockFirst !== undefined) await db.raw(lockFirst);
    if (readFirst === undefined) return fn(db);
    const read = typeof readFirst === 'string' ? db.raw(readFirst) : db.raw(readFirst.text.replace(/\$\d+/g, '?'), [...readFirst.args]);
    return fn(db, ((await read) as { rows: unknown[] }).rows);
  }
  useImmediateTransactions(db);
  useLockFirstTransactions(db);
  if (lockFirst === undefined) return db.transaction((trx) => fn(trx));
  const first = readFirst === undefined ? undefined : { sql: readFirst, rows: undefined as unknown[] | undefined };
  return db.transaction((trx) => fn(trx, first?.rows), { lockFirst, readFirst: first } satisfies LockFirstConfig as Knex.TransactionConfig);
}

export function isTransaction(db: Knex | Knex.Transaction): db is Knex.Transaction {
  return (db as Knex.Transaction).isTransaction === true;
}
