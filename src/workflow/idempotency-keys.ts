/**
 * The `idempotency_keys` rows behind the `Idempotency-Key` middleware (src/http/idempotency.ts;
 * issue 10: the HTTP layer does not touch the store). A claim is a row without an answer; the
 * middleware decides what a clash, a lease and a failed action mean.
 */
import type { Knex } from 'knex';
import { isoTimestamp, isUniqueViolation } from '../store/sql.ts';

/** One key of one organisation. */
export interface IdempotencyKeyOf {
  organisationId: string;
  key: string;
}

export interface IdempotencyRow {
  request_sha256: string;
  response_status: number | string | null;
  response_body: string | null;
}

function whereOf(of: IdempotencyKeyOf): { organisation_id: string; key: string } {
  return { organisation_id: of.organisationId, key: of.key };
}

/**
 * Claims the key for this request at `now`. `claimed: true` when this request holds it; otherwise
 * the row already there (undefined when it vanished in between).
 */
export async function claimIdempotencyKey(
  deps: { db: Knex },
  of: IdempotencyKeyOf,
  requestSha256: string,
  now: Date,
): Promise<{ claimed: true } | { claimed: false; row: IdempotencyRow | undefined }> {
  const where = whereOf(of);
  try {
    await deps.db('idempotency_keys').insert({ ...where, request_sha256: requestSha256, created_at: isoTimestamp(now) });
    return { claimed: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const row = await deps.db<IdempotencyRow>('idempotency_keys').where(where).first('request_sha256', 'response_status', 'response_body');
    return { claimed: false, row };
  }
}

/**
 * Takes over an unanswered claim of the same request made at or before `now - leaseMs`, moving it
 * to `now`; true for the one winner (the condition no longer holds once created_at is moved).
 */
export async function takeOverExpiredClaim(deps: { db: Knex }, of: IdempotencyKeyOf, requestSha256: string, now: Date, leaseMs: number): Promise<boolean> {
  const expired = isoTimestamp(new Date(now.getTime() - leaseMs));
  const taken = await deps.db('idempotency_keys')
    .where({ ...whereOf(of), request_sha256: requestSha256 })
    .whereNull('response_status')
    .where('created_at', '<=', expired)
    .update({ created_at: isoTimestamp(now) });
  return taken === 1;
}

/** Frees an unanswered claim so the client may retry. */
export async function releaseIdempotencyClaim(deps: { db: Knex }, of: IdempotencyKeyOf, requestSha256: string): Promise<void> {
  await deps.db('idempotency_keys').where({ ...whereOf(of), request_sha256: requestSha256 }).whereNull('response_status').delete();
}

/** Stores the answer (status and JSON body) a retry with the key will get. */
export async function storeIdempotentAnswer(deps: { db: Knex }, of: IdempotencyKeyOf, status: number, body: string): Promise<void> {
  await deps.db('idempotency_keys').where(whereOf(of)).update({ response_status: status, response_body: body });
}

/** Deletes keys (answered or not) claimed more than `retentionMs` before `now`; returns how many. */
export async function purgeIdempotencyKeysBefore(deps: { db: Knex }, now: Date, retentionMs: number): Promise<number> {
  return deps.db('idempotency_keys').where('created_at', '<', isoTimestamp(new Date(now.getTime() - retentionMs))).delete();
}
