/**
 * API keys (DESIGN §3, §7): `pk_<43 base64url characters>` (32 random bytes). Only the SHA-256
 * of a key is stored; the key itself is returned once, by `createApiKey`. A key of 256 random
 * bits needs no slow hash: SHA-256 cannot be inverted and there is nothing to guess.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
import { isoTimestamp, isUuid, toIso, type Db } from './sql.ts';

export const API_KEY_PREFIX_LENGTH = 12;
const API_KEY_FORMAT = /^pk_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per key, so authenticating is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKey {
  id: string;
  organisationId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The key itself: show it once, it is not stored. */
  plaintext: string;
}

export interface ApiKeyPrincipal {
  organisationId: string;
  apiKeyId: string;
}

interface ApiKeyRow {
  id: string;
  organisation_id: string;
  name: string;
  prefix: string;
  key_sha256: string;
  created_at: unknown;
  last_used_at: unknown;
  revoked_at: unknown;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: toIso(row.created_at),
    lastUsedAt: toIso(row.last_used_at, 'nullable'),
    revokedAt: toIso(row.revoked_at, 'nullable'),
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export async function createApiKey(db: Db, organisationId: string, options: { name: string; now?: Date }): Promise<CreatedApiKey> {
  const name = options.name.trim();
  if (!name) throw new ValidationError('An API key needs a name.');
  const plaintext = `pk_${randomBytes(32).toString('base64url')}`;
  const row: ApiKeyRow = {
    id: randomUUID(),
    organisation_id: organisationId,
    name,
    prefix: plaintext.slice(0, API_KEY_PREFIX_LENGTH),
    key_sha256: sha256(plaintext).toString('hex'),
    created_at: isoTimestamp(options.now ?? new Date()),
    last_used_at: null,
    revoked_at: null,
  };
  await db('api_keys').insert(row);
  return { apiKey: toApiKey(row), plaintext };
}

/**
 * The organisation and key a bearer key stands for, or null (unknown, malformed or revoked).
 * The row is found by the hash's unique index; the hashes are then compared in constant time
 * so the answer does not depend on how much of a stored hash a guess matched.
 */
export async function authenticateApiKey(db: Db, plaintext: string, options: { now?: Date } = {}): Promise<ApiKeyPrincipal | null> {
  if (!API_KEY_FORMAT.test(plaintext)) return null;
  const digest = sha256(plaintext);
  const row = await db<ApiKeyRow>('api_keys').where({ key_sha256: digest.toString('hex') }).first();
  if (!row || !timingSafeEqual(Buffer.from(row.key_sha256, 'hex'), digest) || row.revoked_at !== null) return null;

  const now = options.now ?? new Date();
  const lastUsed = row.last_used_at === null ? 0 : Date.parse(toIso(row.last_used_at));
  if (now.getTime() - lastUsed >= LAST_USED_RESOLUTION_MS) {
    await db('api_keys').where({ id: row.id }).update({ last_used_at: isoTimestamp(now) });
  }
  return { organisationId: row.organisation_id, apiKeyId: row.id };
}

export async function listApiKeys(db: Db, organisationId: string): Promise<ApiKey[]> {
  const rows = await db<ApiKeyRow>('api_keys').where({ organisation_id: organisationId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
  return rows.map(toApiKey);
}

export async function apiKeyById(db: Db, organisationId: string, id: string): Promise<ApiKey | null> {
  if (!isUuid(id)) return null;
  const row = await db<ApiKeyRow>('api_keys').where({ organisation_id: organisationId, id }).first();
  return row ? toApiKey(row) : null;
}

/**
 * Revokes the organisation's key with this id or this prefix (as shown by a listing).
 * Revoking a revoked key is a no-op that returns it; a prefix matching several keys is refused.
 */
export async function revokeApiKey(db: Db, organisationId: string, idOrPrefix: string, options: { now?: Date } = {}): Promise<ApiKey> {
  const query = db<ApiKeyRow>('api_keys').where({ organisation_id: organisationId });
  const rows = isUuid(idOrPrefix) ? await query.where({ id: idOrPrefix }) : await query.where({ prefix: idOrPrefix });
  if (rows.length === 0) throw new AppError('api_key_not_found', 404, `No API key '${idOrPrefix}' in this organisation.`);
  if (rows.length > 1) throw new ConflictError('api_key_ambiguous', `Several API keys start with '${idOrPrefix}'; revoke by id.`);
  const row = rows[0];
  if (row.revoked_at === null) {
    row.revoked_at = isoTimestamp(options.now ?? new Date());
    await db('api_keys').where({ id: row.id, organisation_id: organisationId }).update({ revoked_at: row.revoked_at });
  }
  return toApiKey(row);
}
