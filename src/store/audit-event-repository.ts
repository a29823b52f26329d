/** Rows of the append-only `audit_events` table (DESIGN §6). Only inserts and reads: never update or delete. */
import type { Knex } from 'knex';
import { fromJson, isPostgres, isUuid, toIso, toJson, type Db } from './sql.ts';

/** One audit row as the application sees it; `details` parsed, timestamps ISO strings. */
export interface AuditEventRecord {
  id: string;
  organisationId: string;
  envelopeId: string | null;
  chain: string;
  seq: number;
  occurredAt: string;
  actorKind: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  documentSha256: string | null;
  prevHash: string;
  hash: string;
}

interface AuditEventRow {
  id: string;
  organisation_id: string;
  envelope_id: string | null;
  chain: string;
  seq: number | string;
  occurred_at: unknown;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  details: unknown;
  document_sha256: string | null;
  prev_hash: string | null;
  hash: string;
}

function toRecord(row: AuditEventRow): AuditEventRecord {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    envelopeId: row.envelope_id,
    chain: row.chain,
    seq: Number(row.seq),
    occurredAt: toIso(row.occurred_at),
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    ip: row.ip,
    userAgent: row.user_agent,
    details: fromJson<Record<string, unknown>>(row.details) ?? {},
    documentSha256: row.document_sha256,
    prevHash: row.prev_hash ?? '',
    hash: row.hash,
  };
}

/** The last link of a chain, or null for an empty chain. */
export async function lastAuditLink(db: Db, chain: string): Promise<{ seq: number; hash: string } | null> {
  const row = await db('audit_events').where({ chain }).orderBy('seq', 'desc').first('seq', 'hash');
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : null;
}

/**
 * Makes the other writers of an organisation's `chain` wait for this transaction (PostgreSQL; SQLite has one
 * writer at a time). An organisation's chain has no row to lock, and two staff edits at once would otherwise
 * both read the same head and one fail on unique(chain, seq).
 */
export async function lockAuditChain(db: Db, chain: string): Promise<void> {
  if (!isPostgres(db)) return;
  await db.raw(`select pg_advisory_xact_lock(('x' || left(md5('audit-chain/' || current_schema() || '/' || ?), 16))::bit(64)::bigint)`, [chain]);
}

/**
 * Makes the other writers of an envelope's chain wait for this transaction (PostgreSQL; SQLite has one writer
 * at a time) by locking the envelope's row, the lock every envelope use case that changes it takes first
 * (FOR UPDATE; the sign request with its documents). Not an advisory lock: the sign request holds the row and
 * then appends, and an appender holding an advisory lock would wait for that same row (its insert checks the
 * envelope foreign key), so the two would deadlock. FOR NO KEY UPDATE still waits for FOR UPDATE and for
 * another appender, but not for the key-share locks a transaction's own earlier inserts (outbox rows, events)
 * hold, so two such transactions do not deadlock upgrading them. Already held, it costs one indexed read.
 */
export async function lockEnvelopeChain(db: Db, organisationId: string, envelopeId: string): Promise<void> {
  if (!isPostgres(db) || !isUuid(envelopeId)) return;
  await db('envelopes').where({ id: envelopeId, organisation_id: organisationId }).forNoKeyUpdate().first('id');
}

export async function insertAuditEvent(db: Db, record: AuditEventRecord): Promise<void> {
  await insertAuditEvents(db, [record]);
}

/** Several events in one statement (one use case's events of one chain, in seq order). */
export async function insertAuditEvents(db: Db, records: readonly AuditEventRecord[]): Promise<void> {
  await auditEventsInsert(db, records);
}

/** The insert of `records` in one statement, not yet sent (for writeTogether); undefined when there are none. */
export function auditEventsInsert(db: Db, records: readonly AuditEventRecord[]): Knex.QueryBuilder | undefined {
  if (records.length === 0) return undefined;
  return db('audit_events').insert(
    records.map((record) => ({
      id: record.id,
      organisation_id: record.organisationId,
      envelope_id: record.envelopeId,
      chain: record.chain,
      seq: record.seq,
      occurred_at: record.occurredAt,
      actor_kind: record.actorKind,
      actor_id: record.actorId,
      actor_label: record.actorLabel,
      action: record.action,
      ip: record.ip,
      user_agent: record.userAgent,
      details: toJson(record.details),
      document_sha256: record.documentSha256,
      prev_hash: record.prevHash,
      hash: record.hash,
    })),
  );
}

/** An envelope's chain in order, scoped by organisation. */
export async function listEnvelopeAuditEvents(db: Db, organisationId: string, envelopeId: string): Promise<AuditEventRecord[]> {
  if (!isUuid(envelopeId)) return [];
  const rows = await db<AuditEventRow>('audit_events').where({ organisation_id: organisationId, envelope_id: envelopeId }).orderBy('seq', 'asc');
  return rows.map(toRecord);
}

/** Every chain's name, for `audit verify` over a whole database. */
export async function listAuditChains(db: Db): Promise<string[]> {
  const rows = await db('audit_events').distinct('chain').orderBy('chain');
  return rows.map((row: { chain: string }) => row.chain);
}

export async function listAuditChain(db: Db, chain: string): Promise<AuditEventRecord[]> {
  const rows = await db<AuditEventRow>('audit_events').where({ chain }).orderBy('seq', 'asc');
  return rows.map(toRecord);
}
