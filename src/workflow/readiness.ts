/**
 * The readiness query `/readyz` asks (issue 10: routes translate HTTP only): the database answers,
 * then which migrations are not applied yet. Read-only; a database that does not answer rejects.
 */
import type { Knex } from 'knex';
import { pingDb } from '../store/db.ts';
import { pendingMigrations } from '../store/migrate.ts';

/** Pings the database, then lists the migrations not applied yet (empty when ready). */
export async function readinessPendingMigrations(deps: { db: Knex }): Promise<string[]> {
  await pingDb(deps.db);
  return pendingMigrations(deps.db);
}
