/**
 * `Idempotency-Key` on POST (DESIGN §7). The first request with a key claims a row in
 * `idempotency_keys` (organisation, key, SHA-256 of the request) before acting and stores its
 * answer afterwards; a retry with the same key and the same request gets that stored answer
 * (same status and body, header `Idempotent-Replayed: true`) instead of acting twice. The same
 * key with a different request is 422 `idempotency_key_reused`; while the first is still in
 * flight a retry is 409 `idempotency_request_in_progress`. A failed action releases its key,
 * so the client may retry it.
 *
 * A claim is a lease (issue 10): a process killed between claiming a key and storing its answer
 * leaves a row without an answer, and once that row is older than the lease (config
 * IDEMPOTENCY_LEASE_SECONDS, default IDEMPOTENCY_LEASE_MS) the next request with the key takes
 * it over and runs the action afresh. The actions behind these POSTs are transactions, so a crash inside one left nothing behind, and
 * send and cancel check their envelope's state inside it, so a second run of one that did commit
 * answers as a state conflict instead of acting twice. A retry after a crash thus gets the first
 * answer or a fresh run, never a permanent 409. (Left: a create whose commit landed in the moment
 * before its answer was stored would create a second envelope on that retry.)
 * Rows are kept IDEMPOTENCY_RETENTION_MS and then purged (`purgeIdempotencyKeys`, a periodic job).
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
import type { Knex } from 'knex';
import {
  claimIdempotencyKey,
  purgeIdempotencyKeysBefore,
  releaseIdempotencyClaim,
  storeIdempotentAnswer,
  takeOverExpiredClaim,
} from '../workflow/idempotency-keys.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const MAX_KEY_LENGTH = 255;
const KEY_FORMAT = /^[\x21-\x7e]+$/;
/** How long a claimed key without an answer stays "in progress" before a retry may take it over. */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** How long a key and its stored answer are kept: a retry later than this runs as a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;

export interface IdempotentResult {
  status: number;
  body: unknown;
}

/** SHA-256 over the parts that make two requests "the same": method, path and a body fingerprint. */
export function requestFingerprint(req: Request, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([req.method, req.baseUrl + req.path, body])).digest('hex');
}

function headerKey(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY_FORMAT.test(key)) {
    throw new ValidationError(`${IDEMPOTENCY_HEADER} must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters.`);
  }
  return key;
}

/**
 * Runs `action` at most once per (organisation, Idempotency-Key) and answers with its result
 * or the stored one. Without the header it simply runs `action`.
 */
export async function respondIdempotently(
  deps: { db: Knex; clock: () => Date; config: { idempotencyLeaseMs?: number } },
  req: Request,
  res: Response,
  options: { organisationId: string; fingerprint: unknown },
  action: () => Promise<IdempotentResult>,
): Promise<void> {
  const key = headerKey(req);
  if (key === undefined) {
    const result = await action();
    res.status(result.status).json(result.body);
    return;
  }
  const requestSha256 = requestFingerprint(req, options.fingerprint);
  const of = { organisationId: options.organisationId, key };
  const now = deps.clock();
  const claim = await claimIdempotencyKey(deps, of, requestSha256, now);
  if (!claim.claimed) {
    const { row } = claim;
    if (!row) throw inProgress();
    if (row.request_sha256 !== requestSha256) {
      throw new AppError('idempotency_key_reused', 422, `This ${IDEMPOTENCY_HEADER} was already used for a different request.`);
    }
    if (row.response_status === null || row.response_body === null) {
      // Still unanswered: in flight, or its process died. Past the lease, take the claim over
      // (one winner: the condition no longer holds once created_at is moved to now).
      const taken = await takeOverExpiredClaim(deps, of, requestSha256, now, deps.config.idempotencyLeaseMs ?? IDEMPOTENCY_LEASE_MS);
      if (!taken) throw inProgress();
    } else {
      res.status(Number(row.response_status)).set('Idempotent-Replayed', 'true').type('application/json').send(row.response_body);
      return;
    }
  }

  let result: IdempotentResult;
  try {
    result = await action();
  } catch (error) {
    // Nothing happened (the use cases are transactional): free the key for a retry.
    await releaseIdempotencyClaim(deps, of, requestSha256);
    throw error;
  }
  const body = JSON.stringify(result.body);
  await storeIdempotentAnswer(deps, of, result.status, body);
  res.status(result.status).type('application/json').send(body);
}

function inProgress(): ConflictError {
  return new ConflictError('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
}

/** Deletes keys (answered or not) claimed more than `retentionMs` before `now`; returns how many. */
export async function purgeIdempotencyKeys(db: Knex, now: Date, retentionMs = IDEMPOTENCY_RETENTION_MS): Promise<number> {
  return purgeIdempotencyKeysBefore({ db }, now, retentionMs);
}
