/**
 * The per-envelope hash chain (DESIGN §6): `hash = SHA-256(prev_hash ‖ canonical JSON of the
 * event)`, where the canonical JSON holds every column DESIGN §6 lists except `hash` itself,
 * with keys sorted at every level and no whitespace. The first event's prev_hash is 64 zeros.
 * Writers of one chain take turns (lockChain): on PostgreSQL each use case reads the head only once it
 * holds the chain, so a user's concurrent requests all append. unique(chain, seq) stays the last guard:
 * a writer that appended without the lock makes the other fail instead of forking the chain, and the
 * use case's transaction is then retried (see src/workflow/transaction.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { insertAuditEvent, insertAuditEvents, lastAuditLink, lockAuditChain, lockEnvelopeChain, type AuditEventRecord } from '../store/audit-event-repository.ts';
import { currentRevisions, documentsOf } from '../store/document-repository.ts';
import type { Db } from '../store/sql.ts';
import { auditEventSchema, type AuditActor, type AuditEvent, type RequestOrigin } from './events.ts';
import { ipAddress } from './origin.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level and no whitespace; `undefined` becomes null. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: not a finite number');
  return JSON.stringify(value);
}

/** The hashed fields of an event, named as the columns of DESIGN §6. */
export function hashedFields(record: AuditEventRecord): Record<string, unknown> {
  return {
    id: record.id,
    organisation_id: record.organisationId,
    envelope_id: record.envelopeId,
    seq: record.seq,
    occurred_at: record.occurredAt,
    actor_kind: record.actorKind,
    actor_id: record.actorId,
    actor_label: record.actorLabel,
    action: record.action,
    ip: record.ip,
    user_agent: record.userAgent,
    details: record.details,
    document_sha256: record.documentSha256,
    prev_hash: record.prevHash,
  };
}

export function computeAuditHash(record: AuditEventRecord): string {
  return createHash('sha256').update(record.prevHash, 'utf8').update(canonicalJson(hashedFields(record)), 'utf8').digest('hex');
}

/** An envelope's events chain on the envelope id; organisation-level ones on `org:<id>` (see the migration). */
export function chainName(organisationId: string, envelopeId: string | null): string {
  return envelopeId ?? `org:${organisationId}`;
}

export interface AppendAuditEventOptions {
  organisationId: string;
  envelopeId: string | null;
  event: AuditEvent;
  actor: AuditActor;
  origin?: RequestOrigin;
  /** The document this event is about (a signature's new revision); by default the envelope's current state. */
  documentSha256?: string | null;
  occurredAt: Date;
}

/**
 * What the envelope's documents are at this moment (DESIGN §6: every event carries the current
 * document hash): the SHA-256 of the current revision of its one document, or for several
 * documents the SHA-256 over their `position:sha256` lines in position order, so one value
 * still pins the state of all of them. Null before any document exists.
 */
export async function currentDocumentHash(trx: Db, organisationId: string, envelopeId: string): Promise<string | null> {
  const documents = await documentsOf(trx, organisationId, envelopeId);
  const revisions = await currentRevisions(trx, documents.map((d) => d.id));
  return documentStateHash(documents.map((d) => ({ position: d.position, sha256: revisions.get(d.id)?.blobSha256 ?? null })));
}

/** currentDocumentHash from documents already known (position order, as documentsOf gives them). */
export function documentStateHash(documents: ReadonlyArray<{ position: number; sha256: string | null }>): string | null {
  const hashes = documents.map((d) => d.sha256).filter((h): h is string => Boolean(h));
  if (hashes.length === 0) return null;
  if (documents.length === 1) return hashes[0];
  return createHash('sha256')
    .update(documents.map((d) => `${d.position}:${d.sha256 ?? ''}\n`).join(''))
    .digest('hex');
}

/**
 * Makes the chain's other writers wait until this transaction ends (PostgreSQL; SQLite's transactions
 * already take the write lock at their start). An envelope's chain: its envelope row, as the envelope's
 * use cases lock it (a use case that reads the trail to hand it out locks first, so what it hands out
 * ends just before its own event); an organisation's: an advisory lock, as it has no row.
 */
export async function lockChain(trx: Db, organisationId: string, envelopeId: string | null): Promise<void> {
  if (envelopeId === null) await lockAuditChain(trx, chainName(organisationId, null));
  else await lockEnvelopeChain(trx, organisationId, envelopeId);
}

/**
 * Appends one event inside the caller's transaction: takes the chain (lockChain), reads its last
 * (seq, hash) and inserts seq + 1. Taken before the head is read, so concurrent writers of one chain
 * (downloads of an envelope's documents at once) each append after the other instead of colliding
 * on unique(chain, seq).
 */
export async function appendAuditEvent(trx: Db, options: AppendAuditEventOptions): Promise<AuditEventRecord> {
  await lockChain(trx, options.organisationId, options.envelopeId);
  return appendAuditEventUnderLock(trx, options);
}

/** appendAuditEvent for a caller whose transaction took the chain's lock already (lockChain, or its envelope row FOR UPDATE). */
export async function appendAuditEventUnderLock(trx: Db, options: AppendAuditEventOptions): Promise<AuditEventRecord> {
  const chain = chainName(options.organisationId, options.envelopeId);
  const last = await lastAuditLink(trx, chain);
  const documentSha256 = options.documentSha256 !== undefined ? options.documentSha256 : options.envelopeId ? await currentDocumentHash(trx, options.organisationId, options.envelopeId) : null;
  const record = chainedRecord(options, last, documentSha256);
  await insertAuditEvent(trx, record);
  return record;
}

/**
 * Several events of one chain in one statement (issue 11), hashed exactly as appendAuditEvent hashes
 * them one by one: `head` is the chain's last link as the caller read it under its lock, and events
 * without their own documentSha256 get `documentSha256` (the envelope's state after the use case).
 * As for one event, unique(chain, seq) makes a writer who appended meanwhile fail the whole insert.
 */
export async function appendAuditEvents(trx: Db, events: readonly AppendAuditEventOptions[], context: ChainContext): Promise<AuditEventRecord[]> {
  const records = chainAuditEvents(events, context);
  await insertAuditEvents(trx, records);
  return records;
}

/** Where appended events go: after `head` (the chain's last link, read under the caller's lock), with this state. */
export interface ChainContext {
  head: { seq: number; hash: string } | null;
  documentSha256: string | null;
}

/** appendAuditEvents' records, linked and hashed but not written: for a caller who sends their insert with other writes (writeTogether). */
export function chainAuditEvents(events: readonly AppendAuditEventOptions[], context: ChainContext): AuditEventRecord[] {
  let last = context.head;
  const records: AuditEventRecord[] = [];
  for (const options of events) {
    if (records[0] && chainName(options.organisationId, options.envelopeId) !== records[0].chain) throw new Error('appendAuditEvents: events of one chain only');
    const record = chainedRecord(options, last, options.documentSha256 !== undefined ? options.documentSha256 : context.documentSha256);
    records.push(record);
    last = record;
  }
  return records;
}

/** The next link after `last`, its hash computed (DESIGN §6). */
function chainedRecord(options: AppendAuditEventOptions, last: { seq: number; hash: string } | null, documentSha256: string | null): AuditEventRecord {
  const event = auditEventSchema.parse(options.event);
  const record: AuditEventRecord = {
    id: randomUUID(),
    organisationId: options.organisationId,
    envelopeId: options.envelopeId,
    chain: chainName(options.organisationId, options.envelopeId),
    seq: (last?.seq ?? 0) + 1,
    occurredAt: options.occurredAt.toISOString(),
    actorKind: options.actor.kind,
    actorId: options.actor.id ?? null,
    actorLabel: options.actor.label ?? null,
    action: event.action,
    // Validated here too, whoever the caller: the trail keeps an address or nothing.
    ip: ipAddress(options.origin?.ip),
    userAgent: options.origin?.userAgent ?? null,
    // A round trip through JSON, so the hash is over exactly what the column gives back.
    details: JSON.parse(JSON.stringify(event.details)) as Record<string, unknown>,
    documentSha256,
    prevHash: last?.hash ?? GENESIS_HASH,
    hash: '',
  };
  record.hash = computeAuditHash(record);
  return record;
}

export type ChainVerification =
  | { valid: true; length: number }
  | { valid: false; length: number; brokenAt: number; reason: 'seq' | 'prev_hash' | 'hash' | 'chain'; eventId: string };

/** Checks one chain, given in seq order; answers the first broken link. */
export function verifyChain(events: readonly AuditEventRecord[]): ChainVerification {
  let previous = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    const broken = (reason: 'seq' | 'prev_hash' | 'hash' | 'chain') => ({ valid: false as const, length: events.length, brokenAt: event.seq, reason, eventId: event.id });
    if (event.seq !== index + 1) return broken('seq');
    if (event.chain !== events[0].chain || event.chain !== chainName(event.organisationId, event.envelopeId)) return broken('chain');
    if (event.prevHash !== previous) return broken('prev_hash');
    if (computeAuditHash(event) !== event.hash) return broken('hash');
    previous = event.hash;
  }
  return { valid: true, length: events.length };
}
