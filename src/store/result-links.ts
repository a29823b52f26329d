/**
 * `result_links` (issue 12): the completion mail's link to the signed PDFs. Only the SHA-256 of the token is
 * stored, as for signing links; the token exists only in the mail.
 */
import type { Knex } from 'knex';
import { toIso, type Db } from './sql.ts';

export interface ResultLink {
  id: string;
  organisationId: string;
  envelopeId: string;
  /** Set when the link covers every completed envelope of a meeting this person had a part in. */
  meetingId: string | null;
  recipientId: string | null;
  userId: string | null;
  name: string;
  email: string;
  expiresAt: string;
  createdAt: string;
}

interface ResultLinkRow {
  id: string;
  organisation_id: string;
  envelope_id: string;
  meeting_id: string | null;
  recipient_id: string | null;
  user_id: string | null;
  name: string;
  email: string;
  expires_at: unknown;
  created_at: unknown;
}

function toResultLink(row: ResultLinkRow): ResultLink {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    envelopeId: row.envelope_id,
    meetingId: row.meeting_id ?? null,
    recipientId: row.recipient_id ?? null,
    userId: row.user_id ?? null,
    name: row.name,
    email: row.email,
    expiresAt: toIso(row.expires_at),
    createdAt: toIso(row.created_at),
  };
}

/** Inserts the links of one completion in one statement. */
export async function insertResultLinks(db: Db, links: ReadonlyArray<ResultLink & { tokenSha256: string }>): Promise<void> {
  const insert = resultLinksInsert(db, links);
  if (insert) await insert;
}

/** The statement that inserts `links` (none for none), to be sent with other writes (writeTogether). */
export function resultLinksInsert(db: Db, links: ReadonlyArray<ResultLink & { tokenSha256: string }>): Knex.QueryBuilder | undefined {
  if (links.length === 0) return undefined;
  return db('result_links').insert(
    links.map((link) => ({
      id: link.id,
      organisation_id: link.organisationId,
      envelope_id: link.envelopeId,
      meeting_id: link.meetingId,
      recipient_id: link.recipientId,
      user_id: link.userId,
      name: link.name,
      email: link.email,
      token_sha256: link.tokenSha256,
      expires_at: link.expiresAt,
      created_at: link.createdAt,
    })),
  );
}

export async function resultLinkByTokenHash(db: Db, tokenSha256: string): Promise<ResultLink | null> {
  const row = (await db('result_links').where({ token_sha256: tokenSha256 }).first()) as ResultLinkRow | undefined;
  return row ? toResultLink(row) : null;
}
