/**
 * Staff sessions and mailed password tokens (issue 5). The browser holds a random 256-bit value;
 * the database holds only its SHA-256, so a leaked table opens no session and no reset link.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isoTimestamp, toIso, type Db } from './sql.ts';

/** A session ends 8 hours after login, or 30 minutes after the last request, whichever comes first. */
export const SESSION_ABSOLUTE_MS = 8 * 3600_000;
export const SESSION_IDLE_MS = 30 * 60_000;
/** `last_seen_at` is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export const RESET_TOKEN_MS = 3600_000;
export const INVITE_TOKEN_MS = 7 * 24 * 3600_000;

export type PasswordTokenPurpose = 'reset' | 'invite';

export interface StaffSession {
  /** SHA-256 (hex) of the cookie value. */
  id: string;
  userId: string;
  organisationId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function createSession(
  db: Db,
  options: { userId: string; organisationId: string; now: Date; ip?: string | null; userAgent?: string | null },
): Promise<{ token: string; session: StaffSession }> {
  const token = newSecret();
  const now = isoTimestamp(options.now);
  const session: StaffSession = {
    id: hashSecret(token),
    userId: options.userId,
    organisationId: options.organisationId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: isoTimestamp(new Date(options.now.getTime() + SESSION_ABSOLUTE_MS)),
  };
  await db('sessions').insert({
    id: session.id,
    user_id: session.userId,
    organisation_id: session.organisationId,
    created_at: now,
    last_seen_at: now,
    expires_at: session.expiresAt,
    ip: options.ip?.slice(0, 64) ?? null,
    user_agent: options.userAgent?.slice(0, 512) ?? null,
  });
  return { token, session };
}

/**
 * The live session this cookie value opens, touched; null when unknown, past its absolute end or
 * idle too long (an expired row is deleted on the way).
 */
export async function openSession(db: Db, token: string, now: Date): Promise<StaffSession | null> {
  if (token.length < 32 || token.length > 128) return null;
  const id = hashSecret(token);
  const row = await db('sessions').where({ id }).first();
  if (!row) return null;
  const session: StaffSession = {
    id,
    userId: row.user_id,
    organisationId: row.organisation_id,
    createdAt: toIso(row.created_at),
    lastSeenAt: toIso(row.last_seen_at),
    expiresAt: toIso(row.expires_at),
  };
  const at = now.getTime();
  if (Date.parse(session.expiresAt) <= at || Date.parse(session.lastSeenAt) + SESSION_IDLE_MS <= at) {
    await db('sessions').where({ id }).delete();
    return null;
  }
  if (at - Date.parse(session.lastSeenAt) >= TOUCH_EVERY_MS) {
    session.lastSeenAt = isoTimestamp(now);
    await db('sessions').where({ id }).update({ last_seen_at: session.lastSeenAt });
  }
  return session;
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db('sessions').where({ id }).delete();
}

/** Ends every session of a user, except `keep` (a session id) when given. */
export async function deleteUserSessions(db: Db, organisationId: string, userId: string, keep?: string): Promise<number> {
  const query = db('sessions').where({ organisation_id: organisationId, user_id: userId });
  if (keep) query.andWhereNot({ id: keep });
  return Number(await query.delete());
}

export async function createPasswordToken(db: Db, options: { userId: string; organisationId: string; purpose: PasswordTokenPurpose; now: Date }): Promise<string> {
  const token = newSecret();
  const lifetime = options.purpose === 'reset' ? RESET_TOKEN_MS : INVITE_TOKEN_MS;
  // A newer link supersedes every older one of this user, reset or invite (issue 10).
  await endPasswordTokens(db, options.organisationId, options.userId, options.now);
  await db('password_tokens').insert({
    token_sha256: hashSecret(token),
    user_id: options.userId,
    organisation_id: options.organisationId,
    purpose: options.purpose,
    created_at: isoTimestamp(options.now),
    expires_at: isoTimestamp(new Date(options.now.getTime() + lifetime)),
    used_at: null,
  });
  return token;
}

export interface PasswordToken {
  tokenSha256: string;
  userId: string;
  organisationId: string;
  purpose: PasswordTokenPurpose;
}

/** The token if it exists, is unused and has not expired. */
export async function livePasswordToken(db: Db, token: string, now: Date): Promise<PasswordToken | null> {
  if (token.length < 32 || token.length > 128) return null;
  const row = await db('password_tokens').where({ token_sha256: hashSecret(token) }).first();
  if (!row || row.used_at !== null || Date.parse(toIso(row.expires_at)) <= now.getTime()) return null;
  return { tokenSha256: row.token_sha256, userId: row.user_id, organisationId: row.organisation_id, purpose: row.purpose };
}

/**
 * Marks it used, and every other live link of its user with it (the password is set now);
 * false when another request used it first (single use under concurrency).
 */
export async function consumePasswordToken(db: Db, tokenSha256: string, now: Date): Promise<boolean> {
  const updated = await db('password_tokens').where({ token_sha256: tokenSha256 }).whereNull('used_at').update({ used_at: isoTimestamp(now) });
  if (Number(updated) !== 1) return false;
  const row = await db('password_tokens').where({ token_sha256: tokenSha256 }).first('user_id', 'organisation_id');
  if (row) await endPasswordTokens(db, row.organisation_id, row.user_id, now);
  return true;
}

/** Ends every unused reset and invite link of a user (a newer link, or a password set). */
export async function endPasswordTokens(db: Db, organisationId: string, userId: string, now: Date): Promise<number> {
  return Number(await db('password_tokens').where({ organisation_id: organisationId, user_id: userId }).whereNull('used_at').update({ used_at: isoTimestamp(now) }));
}
