import type { Knex } from 'knex';
import { useImmediateTransactions, useLockFirstTransactions, type LockFirstConfig } from './db.ts';
import { isPostgres } from './sql.ts';

export interface TransactionOptions {
  /**
   * PostgreSQL: a locking statement without parameters (`select … for update`) to run first, sent with BEGIN in one
   * round trip (useLockFirstTransactions); everything the transaction reads after it sees what was committed before
   * the lock was granted. SQLite: not sent, `BEGIN IMMEDIATE` already holds the database's one write lock.
   */
  lockFirst?: string;
}

/**
 * Runs `fn` in one transaction: a normal transaction on PostgreSQL, `BEGIN IMMEDIATE` on SQLite
 * (the write lock is taken at the start, see `useImmediateTransactions`). Passed a transaction,
 * `fn` joins it, so use cases compose. Commits when `fn` resolves, rolls back when it throws.
 */
export async function withTransaction<T>(db: Knex | Knex.Transaction, fn: (trx: Knex.Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const lockFirst = isPostgres(db) ? options.lockFirst : undefined;
  if (isTransaction(db)) {
    if (lockFirst !== undefined) await db.raw(lockFirst);
    return fn(db);
  }
  useImmediateTransactions(db);
  useLockFirstTransactions(db);
  return db.transaction(fn, lockFirst === undefined ? undefined : ({ lockFirst } satisfies LockFirstConfig as Knex.TransactionConfig));
}

export function isTransaction(db: Knex | Knex.Transaction): db is Knex.Transaction {
  return (db as Knex.Transaction).isTransaction === true;
}
