/** An organisation's envelopes, newest first, a page at a time (keyset cursor, stable under inserts). */
import type { EnvelopeStatus } from '../domain/envelope-state.ts';
import { isEnvelopeStatus } from '../domain/envelope-state.ts';
import { ValidationError } from '../errors.ts';
import { listEnvelopeRows } from '../store/envelope-repository.ts';
import type { WorkflowDeps } from './deps.ts';
import { toEnvelopeDtos, type EnvelopeDto } from './envelope-dto.ts';

export interface ListEnvelopesOptions {
  organisationId: string;
  status?: string;
  /** 1–100, default 25. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface EnvelopePage {
  items: EnvelopeDto[];
  nextCursor: string | null;
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown };
    if (typeof value.c === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.c))) return { createdAt: value.c, id: value.i };
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('Invalid cursor.');
}

export async function listEnvelopes(deps: Pick<WorkflowDeps, 'db'>, options: ListEnvelopesOptions): Promise<EnvelopePage> {
  const limit = options.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit must be a whole number from 1 to 100.');
  if (options.status !== undefined && !isEnvelopeStatus(options.status)) throw new ValidationError(`Unknown status '${options.status}'.`);
  const envelopes = await listEnvelopeRows(deps.db, options.organisationId, {
    status: options.status as EnvelopeStatus | undefined,
    limit: limit + 1,
    before: options.cursor ? decodeCursor(options.cursor) : undefined,
  });
  const page = envelopes.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = envelopes.length > limit && last ? Buffer.from(JSON.stringify({ c: last.createdAt, i: last.id })).toString('base64url') : null;
  return { items: await toEnvelopeDtos(deps.db, options.organisationId, page), nextCursor };
}
