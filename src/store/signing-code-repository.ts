/** `signing_codes` (issue 4): the second factor mailed to a recipient; only a salted SHA-256 is stored. */
import { isoTimestamp, isPostgres, toCount, toIso, type Db } from './sql.ts';

export interface SigningCode {
  id: string;
  recipientId: string;
  codeSha256: string;
  expiresAt: string;
  attempts: number;
  usedAt: string | null;
  invalidatedAt: string | null;
  createdAt: string;
}

interface SigningCodeRow {
  id: string;
  recipient_id: string;
  code_sha256: string;
  expires_at: unknown;
  attempts: number | string;
  used_at: unknown;
  invalidated_at: unknown;
  created_at: unknown;
}

function toCode(row: SigningCodeRow): SigningCode {
  return {
    id: row.id,
    recipientId: row.recipient_id,
    codeSha256: row.code_sha256,
    expiresAt: toIso(row.expires_at),
    attempts: Number(row.attempts),
    usedAt: toIso(row.used_at, 'nullable'),
    invalidatedAt: toIso(row.invalidated_at, 'nullable'),
    createdAt: toIso(row.created_at),
  };
}

/** Invalidates the recipient's earlier codes and stores the new one. */
export async function replaceSigningCode(db: Db, code: Pick<SigningCode, 'id' | 'recipientId' | 'codeSha256' | 'expiresAt' | 'createdAt'>): Promise<void> {
  await db('signing_codes').where({ recipient_id: code.recipientId }).whereNull('used_at').whereNull('invalidated_at').update({ invalidated_at: code.createdAt });
  await db('signing_codes').insert({ id: code.id, recipient_id: code.recipientId, code_sha256: code.codeSha256, expires_at: code.expiresAt, attempts: 0, created_at: code.createdAt });
}

/** How many codes were issued to the recipient since `since` (the per-recipient rate limit). */
export async function countSigningCodesSince(db: Db, recipientId: string, since: Date): Promise<number> {
  return toCount(await db('signing_codes').where({ recipient_id: recipientId }).andWhere('created_at', '>=', isoTimestamp(since)).count({ count: '*' }).first());
}

/** The recipient's newest code, locked (PostgreSQL `FOR UPDATE`) so concurrent attempts count one by one. */
export async function latestSigningCode(db: Db, recipientId: string): Promise<SigningCode | null> {
  const query = db<SigningCodeRow>('signing_codes').where({ recipient_id: recipientId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (isPostgres(db)) query.forUpdate();
  const row = await query.first();
  return row ? toCode(row as SigningCodeRow) : null;
}

export async function updateSigningCode(db: Db, id: string, patch: { attempts?: number; usedAt?: string }): Promise<void> {
  const values: Record<string, unknown> = {};
  if (patch.attempts !== undefined) values.attempts = patch.attempts;
  if (patch.usedAt !== undefined) values.used_at = patch.usedAt;
  await db('signing_codes').where({ id }).update(values);
}
