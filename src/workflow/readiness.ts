/**
 * The readiness queries `/readyz` asks (issue 10: routes translate HTTP only): the database answers,
 * which migrations are not applied yet, and the blob store answers (issue 11: an instance that
 * cannot read or write documents must leave the load balancer). Read-only; an unreachable store rejects.
 */
import type { Knex } from 'knex';
import type { BlobStore } from '../store/blob-store.ts';
import { pingDb } from '../store/db.ts';
import { pendingMigrations } from '../store/migrate.ts';

/** Pings the database, then lists the migrations not applied yet (empty when ready). */
export async function readinessPendingMigrations(deps: { db: Knex }): Promise<string[]> {
  await pingDb(deps.db);
  return pendingMigrations(deps.db);
}

/** Resolves when the blob store (fs, db or s3) answers; rejects with its cause otherwise. */
export async function readinessBlobStore(deps: { blobs: BlobStore }): Promise<void> {
  await deps.blobs.ping();
}
