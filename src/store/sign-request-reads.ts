/**
 * The reads of one signature, each in a single statement (issue 11, DESIGN §8): who signs (link or
 * recipient, with the envelope, its organisation and every recipient of it for the routing), what they
 * sign (documents with their current revision, this recipient's field and whether they read it, and what
 * our CAs have revoked, for the B-LT revision), and under the write lock the
 * state the signature is appended to. Columns are aliased per table (`e_`, `r_`, …) so one row holds
 * several of them.
 */
import { toEnvelope, type Envelope, type EnvelopeRow } from './envelope-repository.ts';
import { toRecipient, type Recipient, type RecipientRow } from './recipient-repository.ts';
import { toLink, type SigningLink, type SigningLinkRow } from './signing-link-repository.ts';
import { mailLogoOf, type MailLogo } from './organisations.ts';
import type { Knex } from 'knex';
import type { RevokedCertificate } from './revoked-certificates.ts';
import { fromJson, isPostgres, isUuid, prepared, toIso, type Db } from './sql.ts';

const ENVELOPE_COLUMNS = [
  'id', 'organisation_id', 'title', 'message', 'status', 'created_by_kind', 'created_by_id', 'expires_at', 'sent_at', 'completed_at',
  'declined_at', 'cancelled_at', 'expired_at', 'cancel_reason', 'require_code', 'route_name', 'meeting_id', 'agenda_item',
  'agenda_position', 'kind', 'created_at', 'updated_at',
] as const;
const RECIPIENT_COLUMNS = [
  'id', 'envelope_id', 'organisation_id', 'person_id', 'name', 'email', 'function', 'language', 'role', 'signature_level', 'routing_order',
  'position', 'status', 'sent_at', 'opened_at', 'completed_at', 'declined_at', 'decline_reason', 'created_at',
  // How a function step was resolved (issue 12): the signature says "wnd." or "bij opdracht" from these.
  'function_id', 'capacity', 'delegation_id', 'acting_statement',
] as const;
const LINK_COLUMNS = ['id', 'recipient_id', 'token_sha256', 'expires_at', 'revoked_at', 'created_at'] as const;

/**
 * `"t"."c" as "t_c", …` as one raw piece: knex wrapped each of these ~70 identifiers anew at every sign request,
 * four times the compile time of the same select written out (issue 11). Standard double quotes, which SQLite and
 * PostgreSQL both read; the names are this file's constants, never input.
 */
const aliasedSql = (table: string, columns: readonly string[]) => columns.map((c) => `"${table}"."${c}" as "${table}_${c}"`).join(', ');
const ALIASED = { e: aliasedSql('e', ENVELOPE_COLUMNS), r: aliasedSql('r', RECIPIENT_COLUMNS), l: aliasedSql('l', LINK_COLUMNS) };
const aliased = (db: Db, table: keyof typeof ALIASED) => db.raw(ALIASED[table]);

/** The columns of one table out of a joined row, without their alias prefix. */
function unaliased<T>(row: Record<string, unknown>, table: string, columns: readonly string[]): T {
  return Object.fromEntries(columns.map((c) => [c, row[`${table}_${c}`]])) as T;
}

/** The organisation fields a signature needs: its CA is chosen by them, its name heads the mails. */
export interface SigningOrganisation {
  id: string;
  slug: string;
  name: string;
  /** Its PNG logo for the mails a signature sets off (issue 12), read in the same statement. */
  logo: MailLogo | null;
}

export interface SigningAccessRead {
  link: SigningLink | null;
  envelope: Envelope;
  organisation: SigningOrganisation;
  /** Every recipient of the envelope, in routing order. */
  recipients: Recipient[];
  recipient: Recipient;
  /** Whether the organisation has any live webhook (only then are they read). */
  hasWebhooks: boolean;
}

/**
 * One statement: the link (by its token's hash) or the recipient (by id), its envelope and organisation,
 * and all recipients of the envelope — one row per recipient. Null when nothing matches.
 */
export async function signingAccessRead(db: Db, by: { tokenSha256: string } | { organisationId: string; envelopeId: string; recipientId: string }): Promise<SigningAccessRead | null> {
  if ('recipientId' in by && ![by.organisationId, by.envelopeId, by.recipientId].every(isUuid)) return null;
  const query = db('recipients as me')
    .join('envelopes as e', function () {
      this.on('e.id', '=', 'me.envelope_id').andOn('e.organisation_id', '=', 'me.organisation_id');
    })
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .join('recipients as r', function () {
      this.on('r.envelope_id', '=', 'e.id').andOn('r.organisation_id', '=', 'e.organisation_id');
    })
    .select([
      'me.id as me_id',
      'o.slug as o_slug',
      'o.name as o_name',
      'o.settings as o_settings',
      aliased(db, 'e'),
      aliased(db, 'r'),
      db.raw('(case when exists (select 1 from webhooks w where w.organisation_id = e.organisation_id and w.disabled_at is null) then 1 else 0 end) as has_webhooks'),
    ])
    .orderBy([{ column: 'r.routing_order' }, { column: 'r.position' }, { column: 'r.id' }]);
  if ('tokenSha256' in by) query.join('signing_links as l', 'l.recipient_id', 'me.id').where('l.token_sha256', by.tokenSha256).select(aliased(db, 'l'));
  else query.where({ 'me.id': by.recipientId, 'me.organisation_id': by.organisationId, 'me.envelope_id': by.envelopeId });
  const rows = (await prepared(db, query)) as Array<Record<string, unknown>>;
  const first = rows[0];
  if (!first) return null;
  const recipients = rows.map((row) => toRecipient(unaliased<RecipientRow>(row, 'r', RECIPIENT_COLUMNS)));
  const recipient = recipients.find((r) => r.id === first.me_id);
  if (!recipient) return null;
  const envelope = toEnvelope(unaliased<EnvelopeRow>(first, 'e', ENVELOPE_COLUMNS));
  return {
    link: 'tokenSha256' in by ? toLink(unaliased<SigningLinkRow>(first, 'l', LINK_COLUMNS)) : null,
    envelope,
    organisation: { id: envelope.organisationId, slug: String(first.o_slug), name: String(first.o_name), logo: mailLogoOf(fromJson<Record<string, unknown> | null>(first.o_settings)) },
    recipients,
    recipient,
    hasWebhooks: Number(first.has_webhooks) === 1,
  };
}

/** A document of the envelope with its current revision and this recipient's prepared field. */
export interface DocumentForSigning {
  documentId: string;
  position: number;
  seq: number;
  blobSha256: string;
  /** Null when the recipient has no prepared field on it. */
  fieldName: string | null;
  /** The recipient has opened it (issue 12: viewed to its last page or downloaded); signing needs it. */
  read: boolean;
}

/** A revocation recorded by one of our CAs (`cert revoke`), as the B-LT data of a signature needs it. */
export type Revocation = Pick<RevokedCertificate, 'issuerSha256' | 'serialHex' | 'revokedAt' | 'reason'>;

export interface DocumentsForSigning {
  documents: DocumentForSigning[];
  /** Everything the CAs named by `revokedBy` have revoked, read in the same statement (issue 11). */
  revoked: Revocation[];
}

/**
 * One statement: the envelope's documents by position, each with its current revision and the recipient's
 * first named field; and on the same rows, what the CAs whose certificates' SHA-256 are `revokedBy` have
 * revoked (the revocation data of the signature's B-LT revision, read before the signing, not after it).
 */
export async function documentsForSigning(db: Db, organisationId: string, envelopeId: string, recipientId: string, revokedBy: readonly string[] = []): Promise<DocumentsForSigning> {
  const issuers = [...new Set(revokedBy)];
  const query = db('documents as d')
    .join('revisions as v', function () {
      this.on('v.document_id', '=', 'd.id').andOn('v.seq', '=', db.raw('(select max(v2.seq) from revisions v2 where v2.document_id = d.id)'));
    })
    .leftJoin('fields as f', function () {
      this.on('f.document_id', '=', 'd.id').andOn('f.recipient_id', '=', db.raw('?', [recipientId])).andOnNotNull('f.field_name');
    })
    // Reading before signing (issue 12) is checked on this same row, so it costs the sign request no statement.
    .leftJoin('document_reads as dr', function () {
      this.on('dr.document_id', '=', 'd.id').andOn('dr.recipient_id', '=', db.raw('?', [recipientId]));
    })
    .where({ 'd.organisation_id': organisationId, 'd.envelope_id': envelopeId })
    .orderBy([{ column: 'd.position' }, { column: 'd.id' }, { column: 'f.page' }, { column: 'f.id' }])
    .select('d.id as document_id', 'd.position', 'v.seq', 'v.blob_sha256', 'f.field_name', 'dr.how as read_how');
  if (issuers.length > 0) query.select(revocationsColumn(db, issuers));
  const rows = (await prepared(db, query)) as Array<Record<string, unknown>>;
  const documents = new Map<string, DocumentForSigning>();
  for (const row of rows) {
    const id = String(row.document_id);
    // Several fields on one document: the first, as the signing always took (page, then id).
    if (documents.has(id)) continue;
    documents.set(id, { documentId: id, position: Number(row.position), seq: Number(row.seq), blobSha256: String(row.blob_sha256), fieldName: (row.field_name as string | null) ?? null, read: row.read_how !== null && row.read_how !== undefined });
  }
  const revoked = rows[0] && issuers.length > 0 ? fromJson<Array<[string, string, unknown, string | null]>>(rows[0].revocations) : [];
  return { documents: [...documents.values()], revoked: revoked.map(([issuerSha256, serialHex, revokedAt, reason]) => ({ issuerSha256, serialHex, revokedAt: toIso(revokedAt), reason })) };
}

/** A column of a JSON array of [issuer_sha256, serial_hex, revoked_at, reason], one per revocation by `issuers` (`[]` when none). */
function revocationsColumn(db: Db, issuers: string[]): Knex.Raw {
  const list = issuers.map(() => '?').join(', ');
  return isPostgres(db)
    ? db.raw(`(select coalesce(json_agg(json_build_array(rc.issuer_sha256, rc.serial_hex, rc.revoked_at, rc.reason)), '[]'::json) from revoked_certificates rc where rc.issuer_sha256 in (${list})) as revocations`, issuers)
    : db.raw(`(select json_group_array(json_array(rc.issuer_sha256, rc.serial_hex, rc.revoked_at, rc.reason)) from revoked_certificates rc where rc.issuer_sha256 in (${list})) as revocations`, issuers);
}

/** What the write phase finds under the lock: the envelope as it is now and each document's current revision. */
export interface LockedForSigning {
  envelope: Envelope;
  revisions: Map<string, { seq: number; blobSha256: string }>;
}

/** Every recipient of the envelope as committed now, in routing order, and the last link of its audit chain. */
export interface RecipientsAndChainHead {
  recipients: Recipient[];
  head: { seq: number; hash: string } | null;
}

/**
 * The lock a signature is appended under, then every recipient and the chain head as committed now
 * (a co-signer may have signed while we waited). On SQLite one statement: the caller's `BEGIN IMMEDIATE`
 * already holds the write lock, so everything it reads is current. On PostgreSQL two: a row lock waited
 * for re-reads only the locked rows, so the recipients are read after it (recipientsAndChainHead).
 */
export async function lockForSigning(trx: Db, organisationId: string, envelopeId: string): Promise<(LockedForSigning & RecipientsAndChainHead) | null> {
  const postgres = isPostgres(trx);
  const query = trx('envelopes as e')
    .join('documents as d', function () {
      this.on('d.envelope_id', '=', 'e.id').andOn('d.organisation_id', '=', 'e.organisation_id');
    })
    .where({ 'e.id': envelopeId, 'e.organisation_id': organisationId })
    .orderBy([{ column: 'd.position' }, { column: 'd.id' }])
    .select([
      aliased(trx, 'e'),
      'd.id as document_id',
      trx.raw('(select max(v.seq) from revisions v where v.document_id = d.id) as current_seq'),
      trx.raw('(select v.blob_sha256 from revisions v where v.document_id = d.id order by v.seq desc limit 1) as current_sha256'),
    ]);
  // PostgreSQL: FOR UPDATE of the envelope row and its document rows (position order, as every locker takes them).
  if (postgres) query.forUpdate('e', 'd');
  else query.select([...chainHeadColumns(trx, envelopeId), trx.raw(`(select json_group_array(json_array(${RECIPIENT_COLUMNS.map((c) => `r.${c}`).join(', ')}) order by r.routing_order, r.position, r.id) from recipients r where r.organisation_id = e.organisation_id and r.envelope_id = e.id) as recipients`)]);
  const rows = (await prepared(trx, query)) as Array<Record<string, unknown>>;
  const first = rows[0];
  if (!first) return null;
  // The revisions may be read from a snapshot taken before the lock was granted; a writer who appended meanwhile is then caught by unique(document_id, seq).
  const revisions = new Map(rows.map((row) => [String(row.document_id), { seq: Number(row.current_seq), blobSha256: String(row.current_sha256) }]));
  const locked = { envelope: toEnvelope(unaliased<EnvelopeRow>(first, 'e', ENVELOPE_COLUMNS)), revisions };
  if (postgres) return { ...locked, ...(await recipientsAndChainHead(trx, organisationId, envelopeId)) };
  const recipients = fromJson<unknown[][]>(first.recipients).map((values) => toRecipient(Object.fromEntries(RECIPIENT_COLUMNS.map((c, i) => [c, values[i]])) as unknown as RecipientRow));
  return { ...locked, recipients, head: chainHeadOf(first) };
}

/** The last link of the envelope's audit chain, on each row of a read. */
const chainHeadColumns = (trx: Db, envelopeId: string) => [
  trx.raw('(select a.seq from audit_events a where a.chain = ? order by a.seq desc limit 1) as head_seq', [envelopeId]),
  trx.raw('(select a.hash from audit_events a where a.chain = ? order by a.seq desc limit 1) as head_hash', [envelopeId]),
];
const chainHeadOf = (row: Record<string, unknown> | undefined): RecipientsAndChainHead['head'] =>
  row && row.head_seq !== null && row.head_seq !== undefined ? { seq: Number(row.head_seq), hash: String(row.head_hash) } : null;

/** One statement, after the lock (PostgreSQL): every recipient of the envelope as committed now, with the chain head on each row. */
async function recipientsAndChainHead(trx: Db, organisationId: string, envelopeId: string): Promise<RecipientsAndChainHead> {
  const rows = (await prepared(
    trx,
    trx('recipients as r')
      .where({ 'r.organisation_id': organisationId, 'r.envelope_id': envelopeId })
      .orderBy([{ column: 'r.routing_order' }, { column: 'r.position' }, { column: 'r.id' }])
      .select([aliased(trx, 'r'), ...chainHeadColumns(trx, envelopeId)]),
  )) as Array<Record<string, unknown>>;
  return { recipients: rows.map((row) => toRecipient(unaliased<RecipientRow>(row, 'r', RECIPIENT_COLUMNS))), head: chainHeadOf(rows[0]) };
}
