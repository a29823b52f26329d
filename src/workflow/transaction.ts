/**
 * One use case = one transaction (STYLE). A unique violation on `audit_events (chain, seq)` or
 * `revisions (document_id, seq)` means a concurrent writer appended first; the chain and the
 * revisions are intact, so the whole use case runs again once on fresh reads.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../store/transaction.ts';
import { isUniqueViolation } from '../store/sql.ts';
import type { WorkflowDeps } from './deps.ts';

const RETRIES = 1;

function isAppendConflict(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  const e = error as { message?: string; table?: string; constraint?: string };
  const text = `${e.table ?? ''} ${e.constraint ?? ''} ${e.message ?? ''}`;
  return /audit_events|revisions/.test(text);
}

export async function inTransaction<T>(deps: Pick<WorkflowDeps, 'db' | 'logger'>, name: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await withTransaction(deps.db, fn);
    } catch (error) {
      if (attempt >= RETRIES || !isAppendConflict(error)) throw error;
      deps.logger.warn({ useCase: name, attempt: attempt + 1 }, 'concurrent append; retrying the use case');
    }
  }
}
