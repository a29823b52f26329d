/**
 * The reads of one signature (issue 11, DESIGN §8): in one statement who signs (link or recipient, with the
 * envelope, its organisation and every recipient of it for the routing) and what they sign (documents with
 * their current revision, this recipient's field and whether they read it); and under the write lock the
 * state the signature is appended to. Columns are aliased per table (`e_`, `r_`, …) so one row holds
 * several of them.
 */
import { toEnvelope, type Envelope, type EnvelopeRow } from './envelope-repository.ts';
import { toRecipient, type Recipient, type RecipientRow } from './recipient-repository.ts';
import { toLink, type SigningLink, type SigningLinkRow } from './signing-link-repository.ts';
import { mailLogoOf, type MailLogo } from './organisations.ts';
import { preparedRead, type PreparedRead } from './db.ts';
import { fromJson, isPostgres, isUuid, prepared, type Db } from './sql.ts';

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
  // What the next signer's mail, sent by this signature, says of them.
  'in_place_of', 'corrected_since_acted',
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
  /** Its settings, read in the same statement: whom a completion tells when staff did not send the envelope. */
  settings: Record<string, unknown>;
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
  /** What the recipient signs: the envelope's documents by position, each at its current revision. */
  documents: DocumentForSigning[];
  /**
   * How many revocations our CAs have recorded (revoked_certificates, whose rows are never changed or deleted): a
   * process keeps what it read of them for the B-LT data until this number changes (readRevocations).
   */
  revocationsRecorded: number;
}

/**
 * One statement: the link (by its token's hash) or the recipient (by id), its envelope and organisation,
 * and all recipients of the envelope — one row per recipient —, and on the recipient's own row the documents
 * they sign (DOCUMENTS_COLUMN). Null when nothing matches.
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
      db.raw('(select count(*) from revoked_certificates) as revocations_recorded'),
      db.raw(isPostgres(db) ? DOCUMENTS_COLUMN.postgres : DOCUMENTS_COLUMN.sqlite),
    ])
    .orderBy([{ column: 'r.routing_order' }, { column: 'r.position' }, { column: 'r.id' }]);
  if ('tokenSha256' in by) query.join('signing_links as l', 'l.recipient_id', 'me.id').where('l.token_sha256', by.tokenSha256).select(aliased(db, 'l'));
  else query.where({ 'me.id': by.recipientId, 'me.organisation_id': by.organisationId, 'me.envelope_id': by.envelopeId });
  const rows = (await prepared(db, query)) as Array<Record<string, unknown>>;
  const first = rows[0];
  if (!first) return null;
  const recipients = rows.map((row) => toRecipient(unaliased<RecipientRow>(row, 'r', RECIPIENT_COLUMNS)));
  // The signer's own row: their recipient, and the documents column.
  const own = recipients.findIndex((r) => r.id === first.me_id);
  const recipient = recipients[own];
  if (!recipient) return null;
  const envelope = toEnvelope(unaliased<EnvelopeRow>(first, 'e', ENVELOPE_COLUMNS));
  const settings = fromJson<Record<string, unknown> | null>(first.o_settings) ?? {};
  return {
    link: 'tokenSha256' in by ? toLink(unaliased<SigningLinkRow>(first, 'l', LINK_COLUMNS)) : null,
    envelope,
    organisation: { id: envelope.organisationId, slug: String(first.o_slug), name: String(first.o_name), logo: mailLogoOf(settings), settings },
    recipients,
    recipient,
    hasWebhooks: Number(first.has_webhooks) === 1,
    documents: documentsOf(fromJson<DocumentValues[]>(rows[own].documents)),
    revocationsRecorded: Number(first.revocations_recorded),
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

/**
 * The documents column of the access read, computed on the recipient's own row only: a JSON array of
 * [document id, position, current seq, its blob's SHA-256, the recipient's named field, how they read it] per
 * document and field, by position, then the field's page and id. Reading before signing (issue 12) is on the
 * same rows, so it costs the sign request no statement.
 */
const documentsSelect = (aggregate: (values: string, order: string) => string) => `(case when r.id = me.id then (select ${aggregate(
  'd.id, d.position, v.seq, v.blob_sha256, f.field_name, dr.how',
  'd.position, d.id, f.page, f.id',
)}
  from documents d
  join revisions v on v.document_id = d.id and v.seq = (select max(v2.seq) from revisions v2 where v2.document_id = d.id)
  left join fields f on f.document_id = d.id and f.recipient_id = me.id and f.field_name is not null
  left join document_reads dr on dr.document_id = d.id and dr.recipient_id = me.id
  where d.organisation_id = e.organisation_id and d.envelope_id = e.id) end) as documents`;
const DOCUMENTS_COLUMN = {
  postgres: documentsSelect((values, order) => `coalesce(json_agg(json_build_array(${values}) order by ${order}), '[]'::json)`),
  sqlite: documentsSelect((values, order) => `json_group_array(json_array(${values}) order by ${order})`),
};

type DocumentValues = [string, number, number, string, string | null, string | null];

/** The documents column's rows, one per document: several fields on one document, the first (page, then id), as the signing always took. */
function documentsOf(values: DocumentValues[]): DocumentForSigning[] {
  const documents = new Map<string, DocumentForSigning>();
  for (const [id, position, seq, blobSha256, fieldName, readHow] of values) {
    if (documents.has(id)) continue;
    documents.set(id, { documentId: id, position: Number(position), seq: Number(seq), blobSha256, fieldName: fieldName ?? null, read: readHow !== null && readHow !== undefined });
  }
  return [...documents.values()];
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

/** Which of the envelope's recipients hold a signing link not revoked (a new link revokes theirs, DESIGN §3). */
export interface LinkHolders {
  linkHolders: ReadonlySet<string>;
}

/**
 * PostgreSQL: the row locks a signature is appended under, FOR UPDATE of the envelope and its documents (position
 * order, as every locker takes them), as the statement withTransaction sends with BEGIN (`lockFirst`): one round
 * trip for both, and lockedForSigning, read after it, sees everything committed before the lock was granted (a read
 * in the same statement as a lock waited for would see only the locked rows anew). Literal ids, checked to be UUIDs:
 * a statement sent with BEGIN takes no parameters. SQLite: none, the transaction's `BEGIN IMMEDIATE` is the lock.
 */
export function signingLocks(organisationId: string, envelopeId: string): string {
  if (!isUuid(organisationId) || !isUuid(envelopeId)) throw new Error('signingLocks: the ids must be UUIDs');
  return `select 1 from envelopes e join documents d on d.envelope_id = e.id and d.organisation_id = e.organisation_id where e.id = '${envelopeId}' and e.organisation_id = '${organisationId}' order by d.position, d.id for update of e, d`;
}

/**
 * Every recipient of the envelope as one JSON array of their RECIPIENT_COLUMNS values, in routing order, then whether
 * they hold a link not revoked (the index on signing_links.recipient_id): the next signer's mail revokes none when
 * nobody holds one, as in a first round (issue 11).
 */
const recipientsJson = (trx: Db) => {
  const holdsLink = 'exists (select 1 from signing_links l where l.recipient_id = r.id and l.revoked_at is null)';
  const values = [...RECIPIENT_COLUMNS.map((c) => `r.${c}`), holdsLink].join(', ');
  const order = 'r.routing_order, r.position, r.id';
  const aggregate = isPostgres(trx) ? `json_agg(json_build_array(${values}) order by ${order})` : `json_group_array(json_array(${values}) order by ${order})`;
  return trx.raw(`(select ${aggregate} from recipients r where r.organisation_id = e.organisation_id and r.envelope_id = e.id) as recipients`);
};

/**
 * One statement, under the lock (signingLocks on PostgreSQL, `BEGIN IMMEDIATE` on SQLite): the envelope as it is
 * now, each document's current revision, every recipient and the last link of the envelope's audit chain (a
 * co-signer may have signed while we waited). Null when the envelope is not there. `rows`: what
 * `lockedForSigningSql` answered, sent with BEGIN and the lock on PostgreSQL (withTransaction's `readFirst`);
 * without them the statement is sent now.
 */
export async function lockedForSigning(trx: Db, organisationId: string, envelopeId: string, rows?: unknown[]): Promise<(LockedForSigning & RecipientsAndChainHead & LinkHolders) | null> {
  return lockedFrom((rows ?? (await prepared(trx, lockedForSigningQuery(trx, organisationId, envelopeId)))) as Array<Record<string, unknown>>);
}

/**
 * PostgreSQL: lockedForSigning's statement, to send with BEGIN and the lock in one round trip, where the server runs
 * it while the B-LT revision is built (issue 11); prepared once per connection (PreparedRead), its UUIDs as literals.
 * SQLite: none, its statements cost no round trip.
 */
export function lockedForSigningSql(db: Db, organisationId: string, envelopeId: string): PreparedRead | undefined {
  if (!isPostgres(db)) return undefined;
  if (!isUuid(organisationId) || !isUuid(envelopeId)) throw new Error('lockedForSigningSql: the ids must be UUIDs');
  const { read, organisationAt } = lockedForSigningText(db);
  return { ...read, args: read.args.map((_, i) => (organisationAt.has(i) ? organisationId : envelopeId)) };
}

/**
 * lockedForSigningQuery compiled once per database, with stand-in ids: knex built and compiled it anew at every sign
 * request (~0.15 ms, issue 11) to the same text. Which of its arguments is the organisation's id, the rest being the
 * envelope's.
 */
function lockedForSigningText(db: Db): { read: PreparedRead; organisationAt: ReadonlySet<number> } {
  let compiled = lockedForSigningTexts.get(db.client);
  if (!compiled) {
    const native = lockedForSigningQuery(db, STAND_IN.organisation, STAND_IN.envelope).toSQL().toNative();
    const args = native.bindings.map(String);
    compiled = { read: preparedRead(native.sql, args), organisationAt: new Set(args.flatMap((arg, i) => (arg === STAND_IN.organisation ? [i] : []))) };
    lockedForSigningTexts.set(db.client, compiled);
  }
  return compiled;
}
const lockedForSigningTexts = new WeakMap<object, ReturnType<typeof lockedForSigningText>>();
const STAND_IN = { organisation: '00000000-0000-4000-8000-00000000000a', envelope: '00000000-0000-4000-8000-00000000000b' };

function lockedForSigningQuery(trx: Db, organisationId: string, envelopeId: string) {
  return trx('envelopes as e')
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
      ...chainHeadColumns(trx, envelopeId),
      recipientsJson(trx),
    ]);
}

function lockedFrom(rows: Array<Record<string, unknown>>): (LockedForSigning & RecipientsAndChainHead & LinkHolders) | null {
  const first = rows[0];
  if (!first) return null;
  const revisions = new Map(rows.map((row) => [String(row.document_id), { seq: Number(row.current_seq), blobSha256: String(row.current_sha256) }]));
  const recipients: Recipient[] = [];
  const linkHolders = new Set<string>();
  for (const values of fromJson<unknown[][]>(first.recipients)) {
    const recipient = toRecipient(Object.fromEntries(RECIPIENT_COLUMNS.map((c, i) => [c, values[i]])) as unknown as RecipientRow);
    recipients.push(recipient);
    // PostgreSQL's json says true, SQLite's 1.
    if (values[RECIPIENT_COLUMNS.length] === true || values[RECIPIENT_COLUMNS.length] === 1) linkHolders.add(recipient.id);
  }
  return { envelope: toEnvelope(unaliased<EnvelopeRow>(first, 'e', ENVELOPE_COLUMNS)), revisions, recipients, head: chainHeadOf(first), linkHolders };
}

/** The last link of the envelope's audit chain, on each row of a read. */
const chainHeadColumns = (trx: Db, envelopeId: string) => [
  trx.raw('(select a.seq from audit_events a where a.chain = ? order by a.seq desc limit 1) as head_seq', [envelopeId]),
  trx.raw('(select a.hash from audit_events a where a.chain = ? order by a.seq desc limit 1) as head_hash', [envelopeId]),
];
const chainHeadOf = (row: Record<string, unknown> | undefined): RecipientsAndChainHead['head'] =>
  row && row.head_seq !== null && row.head_seq !== undefined ? { seq: Number(row.head_seq), hash: String(row.head_hash) } : null;
