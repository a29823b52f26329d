/**
 * `Idempotency-Key` on POST (DESIGN §7). The first request with a key claims a row in
 * `idempotency_keys` (organisation, key, SHA-256 of the request) before acting and stores its
 * answer afterwards; a retry with the same key and the same request gets that stored answer
 * (same status and body, header `Idempotent-Replayed: true`) instead of acting twice. The same
 * key with a different request is 422 `idempotency_key_reused`; while the first is still in
 * flight a retry is 409 `idempotency_request_in_progress`. A failed action releases its key,
 * so the client may retry it.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
import { isUniqueViolation, type Knex } from '../store/index.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const MAX_KEY_LENGTH = 255;
const KEY_FORMAT = /^[\x21-\x7e]+$/;

export interface IdempotentResult {
  status: number;
  body: unknown;
}

interface IdempotencyRow {
  request_sha256: string;
  response_status: number | string | null;
  response_body: string | null;
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
  db: Knex,
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
  const where = { organisation_id: options.organisationId, key };
  try {
    await db('idempotency_keys').insert({ ...where, request_sha256: requestSha256 });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const row = await db<IdempotencyRow>('idempotency_keys').where(where).first('request_sha256', 'response_status', 'response_body');
    if (!row) throw new ConflictError('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    if (row.request_sha256 !== requestSha256) {
      throw new AppError('idempotency_key_reused', 422, `This ${IDEMPOTENCY_HEADER} was already used for a different request.`);
    }
    if (row.response_status === null || row.response_body === null) {
      throw new ConflictError('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
    }
    res.status(Number(row.response_status)).set('Idempotent-Replayed', 'true').type('application/json').send(row.response_body);
    return;
  }

  let result: IdempotentResult;
  try {
    result = await action();
  } catch (error) {
    // Nothing happened (the use cases are transactional): free the key for a retry.
    await db('idempotency_keys').where({ ...where, request_sha256: requestSha256 }).whereNull('response_status').delete();
    throw error;
  }
  const body = JSON.stringify(result.body);
  await db('idempotency_keys').where(where).update({ response_status: result.status, response_body: body });
  res.status(result.status).type('application/json').send(body);
}
