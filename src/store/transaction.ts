import type { Knex } from 'knex';
import { useImmediateTransactions } from './db.ts';

/**
 * Runs `fn` in one transaction: a normal transaction on PostgreSQL, `BEGIN IMMEDIATE` on SQLite
 * (the write lock is taken at the start, see `useImmediateTransactions`). Passed a transaction,
 * `fn` joins it, so use cases compose. Commits when `fn` resolves, rolls back when it throws.
 */
export async function withTransaction<T>(db: Knex | Knex.Transaction, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (isTransaction(db)) return fn(db);
  useImmediateTransactions(db);
  return db.transaction(fn);
}

export function isTransaction(db: Knex | Knex.Transaction): db is Knex.Transaction {
  return (db as Knex.Transaction).isTransaction === true;
}
