/** `signing_links` (DESIGN §3): only the SHA-256 of a token is stored; the token lives in the e-mail. */
import type { Knex } from 'knex';
import { isoTimestamp, toIso, type Db } from './sql.ts';

export interface SigningLink {
  id: string;
  recipientId: string;
  tokenSha256: string;
  expiresAt: string;
  revokedAt: string | null;
  createdAt: string;
}

export interface SigningLinkRow {
  id: string;
  recipient_id: string;
  token_sha256: string;
  expires_at: unknown;
  revoked_at: unknown;
  created_at: unknown;
}

export function toLink(row: SigningLinkRow): SigningLink {
  return {
    id: row.id,
    recipientId: row.recipient_id,
    tokenSha256: row.token_sha256,
    expiresAt: toIso(row.expires_at),
    revokedAt: toIso(row.revoked_at, 'nullable'),
    createdAt: toIso(row.created_at),
  };
}

export async function insertSigningLink(db: Db, link: Omit<SigningLink, 'revokedAt'>): Promise<void> {
  await signingLinkInsert(db, link);
}

/** The statement insertSigningLink sends, to be sent with other writes (writeTogether). */
export function signingLinkInsert(db: Db, link: Omit<SigningLink, 'revokedAt'>): Knex.QueryBuilder {
  return db('signing_links').insert({
    id: link.id,
    recipient_id: link.recipientId,
    token_sha256: link.tokenSha256,
    expires_at: link.expiresAt,
    created_at: link.createdAt,
  });
}

/** A link and the organisation and envelope of its recipient, found by the token's hash. */
export async function signingLinkByTokenHash(db: Db, tokenSha256: string): Promise<(SigningLink & { organisationId: string; envelopeId: string }) | null> {
  const row = await db('signing_links as l')
    .join('recipients as r', 'r.id', 'l.recipient_id')
    .where('l.token_sha256', tokenSha256)
    .first('l.*', 'r.organisation_id', 'r.envelope_id');
  if (!row) return null;
  return { ...toLink(row as SigningLinkRow), organisationId: row.organisation_id, envelopeId: row.envelope_id };
}

/** Revokes every live link of these recipients; returns how many. */
export async function revokeSigningLinks(db: Db, recipientIds: readonly string[], at: Date): Promise<number> {
  const revoke = signingLinksRevoke(db, recipientIds, at);
  return revoke ? Number(await revoke) : 0;
}

/** The statement revokeSigningLinks sends (none for nobody), to be sent with other writes (writeTogether). */
export function signingLinksRevoke(db: Db, recipientIds: readonly string[], at: Date): Knex.QueryBuilder | undefined {
  if (recipientIds.length === 0) return undefined;
  return db('signing_links').whereIn('recipient_id', recipientIds).whereNull('revoked_at').update({ revoked_at: isoTimestamp(at) });
}

export async function signingLinksOf(db: Db, recipientIds: readonly string[]): Promise<SigningLink[]> {
  if (recipientIds.length === 0) return [];
  const rows = await db<SigningLinkRow>('signing_links').whereIn('recipient_id', recipientIds).orderBy('created_at');
  return (rows as SigningLinkRow[]).map(toLink);
}

/** Which of these recipients hold a link that still works at `now` (neither revoked nor past its expiry). */
export async function recipientsWithLiveLink(db: Db, recipientIds: readonly string[], now: Date): Promise<Set<string>> {
  const links = await signingLinksOf(db, recipientIds);
  return new Set(links.filter((l) => l.revokedAt === null && new Date(l.expiresAt).getTime() > now.getTime()).map((l) => l.recipientId));
}
