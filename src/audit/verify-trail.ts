/**
 * `audit verify` (DESIGN §6): recomputes every hash chain and checks every stored revision
 * against its blob and against what the trail recorded about it. The checks are pure functions
 * over rows (`checkChain`, `checkRevisions`); `verifyAuditTrails` does the few store reads, so
 * the CLI and the service's scheduled check share one implementation.
 *
 * What this can and cannot prove: a chain alone is keyless, so someone who can write the database
 * and recomputes every hash after an edit leaves a chain that verifies. What it does catch is any
 * edit, deletion, insertion or reordering that was not followed by such a rewrite, any change of
 * a stored PDF, and a revision row that no longer matches the trail's record of it. The anchors
 * (src/audit/anchors.ts, checked in src/audit/anchor-check.ts) give the chains a key: a TSA's
 * RFC 3161 token over the heads, so a consistent rewrite of an anchored chain no longer matches
 * its anchor, and a trail that stops being anchored is reported too.
 */
import type { X509Certificate } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { listAuditChain, listAuditChains, type AuditEventRecord } from '../store/audit-event-repository.ts';
import { listAnchors } from '../store/audit-anchors.ts';
import { documentsOf, revisionsOf, type Revision } from '../store/document-repository.ts';
import { envelopeKeys } from '../store/envelope-repository.ts';
import type { Db } from '../store/sql.ts';
import { anchoredHeadsByChain, checkAnchors, checkChainAnchors, type AnchorReport } from './anchor-check.ts';
import { chainName, computeAuditHash, GENESIS_HASH, verifyChain } from './chain.ts';

export type TrailBreakKind =
  | 'hash' // the row's content no longer gives its stored hash
  | 'prev_hash' // the row does not point at the hash of the row before it
  | 'seq_gap' // seq numbers skip: rows are missing in the middle
  | 'reordered' // the row was written at another place in the chain
  | 'missing' // the chain lacks its start, or an envelope has no events at all
  | 'chain' // the row's chain column does not match its organisation/envelope
  | 'blob_missing' // a revision's blob is not in the blob store
  | 'blob_mismatch' // a revision's blob does not hash to (or is not the size) the revision row says
  | 'revision_mismatch' // a revision row's hash differs from what the trail recorded for that revision
  | 'revision_unrecorded' // no event records this revision (events at the end of the chain may be gone)
  | 'anchor_mismatch' // an anchored head is no longer the event at that seq: the chain was rewritten
  | 'unanchored' // events older than the grace period that no anchor covers
  | 'anchor_late'; // a completion first anchored long after it happened

export interface TrailBreak {
  kind: TrailBreakKind;
  /** The event (for chain breaks). */
  seq?: number;
  eventId?: string;
  /** The revision (for blob and revision breaks). */
  documentId?: string;
  revisionSeq?: number;
  /** The anchor (for anchor breaks). */
  anchorSeq?: number;
  /** One line for people: what differs. */
  message: string;
}

export interface ChainReport {
  chain: string;
  organisationId: string | null;
  envelopeId: string | null;
  events: number;
  firstHash: string | null;
  lastHash: string | null;
  revisions: number;
  breaks: TrailBreak[];
}

export interface TrailReport {
  chains: ChainReport[];
  /** Chains with at least one break. */
  broken: number;
  /** The anchors of the whole trail (whatever the scope): their tokens, TSA chains and sequence. */
  anchors: AnchorReport;
  /** No broken chain and no anchor problem. */
  ok: boolean;
}

export interface VerifyTrailOptions {
  /** Roots a TSA's chain must reach for an anchor to count (the deployment's root). */
  trustAnchors?: readonly X509Certificate[];
  /** The moment of the check, for what should have been anchored by then; now by default. */
  now?: Date;
}

export interface TrailScope {
  organisationId?: string;
  envelopeId?: string;
}

const short = (hash: string): string => (hash.length > 16 ? `${hash.slice(0, 16)}…` : hash || '(empty)');

/** The seq under which an event's stored hash was computed, if another than its own (a moved row). */
function writtenAtSeq(event: AuditEventRecord, length: number): number | null {
  for (let seq = 1; seq <= length + 1; seq++) {
    if (seq !== event.seq && computeAuditHash({ ...event, seq }) === event.hash) return seq;
  }
  return null;
}

/** The first broken link of one chain (events in seq order), named as precisely as the rows allow; null when intact. */
export function checkChain(events: readonly AuditEventRecord[]): TrailBreak | null {
  const verdict = verifyChain(events);
  if (verdict.valid) return null;
  const index = events.findIndex((e) => e.id === verdict.eventId);
  const event = events[index];
  const at = { seq: event.seq, eventId: event.id };
  const previousHash = index === 0 ? GENESIS_HASH : events[index - 1].hash;
  const movedFrom = (): TrailBreak | null => {
    const written = writtenAtSeq(event, events.length);
    if (written !== null) return { kind: 'reordered', ...at, message: `event ${event.id} (${event.action}) sits at seq ${event.seq} but was written as seq ${written}` };
    // Only a row whose prev_hash is wrong can point elsewhere in the chain.
    const predecessor = verdict.reason === 'prev_hash' ? events.find((e) => e.hash === event.prevHash && e.id !== event.id) : undefined;
    if (predecessor) return { kind: 'reordered', ...at, message: `event ${event.id} (${event.action}) at seq ${event.seq} follows seq ${predecessor.seq} (its prev_hash), not seq ${index === 0 ? 'none' : events[index - 1].seq}` };
    return null;
  };
  switch (verdict.reason) {
    case 'seq': {
      const expected = index + 1;
      if (event.seq < expected) return { kind: 'reordered', ...at, message: `event ${event.id} has seq ${event.seq} where seq ${expected} was expected` };
      const range = event.seq - 1 === expected ? `seq ${expected}` : `seq ${expected}–${event.seq - 1}`;
      if (index === 0) return { kind: 'missing', ...at, message: `chain starts at seq ${event.seq} (event ${event.id}): ${range} missing` };
      return { kind: 'seq_gap', ...at, message: `seq gap after seq ${events[index - 1].seq}: ${range} missing (next is seq ${event.seq}, event ${event.id})` };
    }
    case 'chain':
      return { kind: 'chain', ...at, message: `event ${event.id} is stored in chain ${event.chain} but belongs to chain ${chainName(event.organisationId, event.envelopeId)}` };
    case 'prev_hash':
      return movedFrom() ?? { kind: 'prev_hash', ...at, message: `prev_hash mismatch at seq ${event.seq} (event ${event.id}): stored ${short(event.prevHash)}, hash of seq ${index} is ${short(previousHash)}` };
    case 'hash':
      return movedFrom() ?? { kind: 'hash', ...at, message: `hash mismatch at seq ${event.seq} (event ${event.id}, ${event.action}): stored ${short(event.hash)}, recomputed ${short(computeAuditHash(event))}` };
  }
}

/** A revision as the trail recorded it: by seq where the event names it, else by hash only. */
interface RevisionClaim {
  documentId: string;
  revisionSeq: number | null;
  sha256: string;
  eventSeq: number;
}

function claimsOf(events: readonly AuditEventRecord[]): RevisionClaim[] {
  const claims: RevisionClaim[] = [];
  const list = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? (value as Array<Record<string, unknown>>) : []);
  for (const event of events) {
    const d = event.details;
    const add = (documentId: unknown, revisionSeq: unknown, sha256: unknown) => {
      if (typeof documentId === 'string' && typeof sha256 === 'string') claims.push({ documentId, revisionSeq: typeof revisionSeq === 'number' ? revisionSeq : null, sha256, eventSeq: event.seq });
    };
    if (event.action === 'envelope.created') for (const doc of list(d.documents)) add(doc.documentId, 1, doc.sha256);
    if (event.action === 'envelope.sent') for (const doc of list(d.documents)) add(doc.documentId, null, doc.preparedSha256);
    if (event.action === 'envelope.completed') for (const doc of list(d.documents)) add(doc.documentId, doc.revisionSeq, doc.sha256);
    // The long-term revisions of issue 9: a DSS (B-LT) and a document timestamp (B-LTA) each record their revision.
    if (event.action === 'document.validation_data_added' || event.action === 'document.timestamped') add(d.documentId, d.revisionSeq, d.revisionSha256);
    // Correct and resend (issue 12): a corrected original and its preparation; each document's new current revision.
    if (event.action === 'document.replaced') {
      const corrected = (d.corrected ?? {}) as Record<string, unknown>;
      add(d.documentId, corrected.revisionSeq, corrected.sha256);
      add(d.documentId, typeof corrected.revisionSeq === 'number' ? corrected.revisionSeq + 1 : null, corrected.preparedSha256);
    }
    if (event.action === 'envelope.resent') for (const change of list(d.changes)) if (change.field === 'document') add(change.documentId, null, change.to);
    if (event.action === 'recipient.signed') {
      add(d.documentId, d.revisionSeq, d.revisionSha256);
      add(d.documentId, typeof d.revisionSeq === 'number' ? d.revisionSeq - 1 : null, d.signedRevisionSha256);
    }
  }
  return claims;
}

/** What reading a revision's blob gave: its bytes' hash and size, or why there are none. */
export type BlobCheck = { state: 'ok'; size: number } | { state: 'missing' | 'corrupt'; detail: string };

/** Each revision against the trail's record of it and against its blob. Pure. */
export function checkRevisions(events: readonly AuditEventRecord[], revisions: ReadonlyArray<{ revision: Revision; blob: BlobCheck }>): TrailBreak[] {
  const claims = claimsOf(events);
  const breaks: TrailBreak[] = [];
  for (const { revision, blob } of revisions) {
    const at = { documentId: revision.documentId, revisionSeq: revision.seq };
    const where = `document ${revision.documentId} revision seq ${revision.seq} (${revision.kind})`;
    const own = claims.filter((c) => c.documentId === revision.documentId);
    const contradiction = own.find((c) => c.revisionSeq === revision.seq && c.sha256 !== revision.blobSha256);
    if (contradiction) breaks.push({ kind: 'revision_mismatch', ...at, message: `${where}: row says ${short(revision.blobSha256)}, audit event seq ${contradiction.eventSeq} recorded ${short(contradiction.sha256)}` });
    else if (!own.some((c) => c.sha256 === revision.blobSha256)) breaks.push({ kind: 'revision_unrecorded', ...at, message: `${where}: ${short(revision.blobSha256)} is recorded by no audit event (events may be missing)` });
    if (blob.state === 'missing') breaks.push({ kind: 'blob_missing', ...at, message: `${where}: blob ${short(revision.blobSha256)} missing — ${blob.detail}` });
    else if (blob.state === 'corrupt') breaks.push({ kind: 'blob_mismatch', ...at, message: `${where}: blob mismatch — ${blob.detail}` });
    else if (blob.state === 'ok' && blob.size !== revision.size) breaks.push({ kind: 'blob_mismatch', ...at, message: `${where}: blob mismatch — ${blob.size} bytes, the row says ${revision.size}` });
  }
  return breaks;
}

/** Reads a blob through the store, which hashes it against its name (never a copy in memory: BlobStore.check). */
async function readBlob(blobs: BlobStore, sha256: string): Promise<BlobCheck> {
  try {
    return { state: 'ok', size: await blobs.check(sha256) };
  } catch (error) {
    if (error instanceof AppError && (error.code === 'blob_missing' || error.code === 'blob_id_invalid')) return { state: 'missing', detail: error.detail ?? error.code };
    if (error instanceof AppError && error.code === 'blob_corrupt') return { state: 'corrupt', detail: error.detail ?? error.code };
    throw error;
  }
}

/** The chains in scope: every envelope (with events or not) and the organisations' own chains. */
async function chainsInScope(db: Db, scope: TrailScope, anchoredChains: Iterable<string>): Promise<Array<{ chain: string; organisationId: string | null; envelopeId: string | null }>> {
  const envelopes = scope.envelopeId ? (await envelopeKeys(db, scope)).filter((e) => e.id === scope.envelopeId) : await envelopeKeys(db, scope);
  const chains = new Map(envelopes.map((e) => [e.id, { chain: e.id, organisationId: e.organisationId as string | null, envelopeId: e.id as string | null }]));
  if (scope.envelopeId) {
    if (!chains.has(scope.envelopeId)) chains.set(scope.envelopeId, { chain: scope.envelopeId, organisationId: null, envelopeId: scope.envelopeId });
    return [...chains.values()];
  }
  // A chain that an anchor names but that has no rows any more is checked too (and found missing).
  for (const chain of new Set([...(await listAuditChains(db)), ...anchoredChains])) {
    if (chains.has(chain)) continue;
    const orgChain = chain.startsWith('org:') ? chain.slice(4) : null;
    if (scope.organisationId && orgChain !== scope.organisationId) continue;
    chains.set(chain, { chain, organisationId: orgChain, envelopeId: orgChain ? null : chain });
  }
  return [...chains.values()].sort((a, b) => a.chain.localeCompare(b.chain));
}

/** Verifies every chain in scope and every revision of its envelope's documents. */
export async function verifyAuditTrails(db: Db, blobs: BlobStore, scope: TrailScope = {}, options: VerifyTrailOptions = {}): Promise<TrailReport> {
  const reports: ChainReport[] = [];
  const anchors = await listAnchors(db);
  const anchored = anchoredHeadsByChain(anchors);
  const now = options.now ?? new Date();
  for (const target of await chainsInScope(db, scope, anchored.keys())) {
    const events = await listAuditChain(db, target.chain);
    const breaks: TrailBreak[] = [];
    const chainBreak = checkChain(events);
    if (chainBreak) breaks.push(chainBreak);
    if (target.envelopeId && events.length === 0) breaks.push({ kind: 'missing', message: `envelope ${target.envelopeId} has no audit events` });
    let revisionCount = 0;
    const organisationId = target.organisationId ?? events[0]?.organisationId ?? null;
    if (target.envelopeId && organisationId) {
      const checked: Array<{ revision: Revision; blob: BlobCheck }> = [];
      for (const document of await documentsOf(db, organisationId, target.envelopeId)) {
        for (const revision of await revisionsOf(db, document.id)) checked.push({ revision, blob: await readBlob(blobs, revision.blobSha256) });
      }
      revisionCount = checked.length;
      breaks.push(...checkRevisions(events, checked));
    }
    // Last, so the first break stays the chain's own when both exist.
    breaks.push(...checkChainAnchors(events, anchored.get(target.chain) ?? [], now));
    reports.push({ ...target, organisationId, events: events.length, firstHash: events[0]?.hash ?? null, lastHash: events.at(-1)?.hash ?? null, revisions: revisionCount, breaks });
  }
  const broken = reports.filter((r) => r.breaks.length > 0).length;
  const anchorReport = checkAnchors(anchors, [...(options.trustAnchors ?? [])]);
  return { chains: reports, broken, anchors: anchorReport, ok: broken === 0 && anchorReport.problems.length === 0 };
}

/** The report as `audit verify` prints it: one line per chain, one indented line per break, a summary. */
export function formatTrailReport(report: TrailReport): string[] {
  const lines: string[] = [];
  for (const chain of report.chains) {
    const what = chain.envelopeId ? `envelope ${chain.envelopeId}` : `organisation ${chain.organisationId} (org chain)`;
    const status = chain.breaks.length === 0 ? 'OK' : 'BROKEN';
    lines.push(`${what}: ${status} — ${chain.events} event(s), ${chain.revisions} revision(s), first ${chain.firstHash ?? '-'}, last ${chain.lastHash ?? '-'}`);
    for (const b of chain.breaks) lines.push(`  [${b.kind}] ${b.message}`);
  }
  const { anchors } = report;
  const latest = anchors.latest ? `, latest ${anchors.latest.seq} at ${anchors.latest.genTime} by ${anchors.latest.tsa ?? 'an unknown TSA'}` : '';
  lines.push(`anchors: ${anchors.problems.length === 0 ? 'OK' : 'BROKEN'} — ${anchors.count} anchor(s)${latest}`);
  for (const p of anchors.problems) lines.push(`  [${p.kind}] ${p.message}`);
  const events = report.chains.reduce((n, c) => n + c.events, 0);
  const revisions = report.chains.reduce((n, c) => n + c.revisions, 0);
  const verdict = report.ok ? 'all OK' : [report.broken > 0 ? `${report.broken} BROKEN` : '', anchors.problems.length > 0 ? `${anchors.problems.length} anchor problem(s)` : ''].filter(Boolean).join(', ');
  lines.push(`${report.chains.length} chain(s), ${events} event(s), ${revisions} revision(s), ${anchors.count} anchor(s): ${verdict}`);
  return lines;
}
