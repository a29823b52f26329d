/**
 * Anchors of the audit trail (issue 9, DESIGN §6). A hash chain has no key: whoever can write the
 * database can rewrite a whole chain and recompute every hash. An anchor fixes the chain heads in
 * time with an RFC 3161 timestamp token (RFC 3161 §2.4.2) from a TSA whose key the database writer
 * does not hold, so such a rewrite no longer matches what was anchored (src/audit/anchor-check.ts).
 *
 * Each anchor covers the heads (`chain:seq:hash`) that moved since the previous anchor, and its
 * digest includes the previous anchor's digest: the anchors form a chain of their own, so together
 * they commit to every head ever anchored, while each stores only what changed (an hourly anchor of
 * every envelope's head would grow with the number of envelopes, not with the activity).
 *
 * When anchors are taken (`createAnchorJob`): as soon as an envelope completion is not covered yet,
 * checked every minute outside the signing transaction (a TSA outage never blocks a signature, and a
 * crash between the commit and the anchor is caught up on the next tick), and otherwise hourly.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { TimeStamper } from '../keys/types.ts';
import { checkTimestampToken } from '../pades/timestamp-token.ts';
import { anchoredSeqs, currentChainHeads, hasUnanchoredCompletion, insertAnchor, lastAnchor, type AnchorReason, type AuditAnchorRecord, type ChainHead } from '../store/audit-anchors.ts';
import { isUniqueViolation } from '../store/sql.ts';
import { GENESIS_HASH } from './chain.ts';

/** Domain separation: this digest can never be mistaken for another SHA-256 we timestamp. */
const DIGEST_LABEL = 'paraaf audit anchor v1';
/** How often a periodic anchor is taken when the trail has moved. */
export const ANCHOR_INTERVAL_MS = 60 * 60_000;
/** How often the job looks for completions to anchor. */
export const ANCHOR_POLL_MS = 60_000;
/** Two takers (two instances, or the poll and the hourly run) may race for the same seq: the loser tries again. */
const ATTEMPTS = 3;

/** One head as the digest sees it: `chain:seq:hash`. */
export const headLine = (head: ChainHead): string => `${head.chain}:${head.seq}:${head.hash}`;

/**
 * SHA-256 over the label, the anchor's seq, the previous anchor's digest (64 zeros for the first)
 * and the heads sorted by chain name (byte order), one `chain:seq:hash` line each. Hex.
 */
export function anchorDigest(seq: number, prevDigest: string, heads: readonly ChainHead[]): string {
  const lines = heads.map(headLine).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = [DIGEST_LABEL, `seq:${seq}`, `prev:${prevDigest}`, ...lines].join('\n') + '\n';
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface AnchorDeps {
  db: Knex;
  timeStamper: TimeStamper;
  clock: () => Date;
}

/** The heads that moved since they were last anchored (new chains and longer chains). */
async function movedHeads(db: Knex): Promise<ChainHead[]> {
  const [current, anchored] = await Promise.all([currentChainHeads(db), anchoredSeqs(db)]);
  // A chain that is now shorter than anchored, or changed at the same seq, is not re-anchored:
  // that would launder a rewrite. audit verify reports it.
  return current.filter((head) => head.seq > (anchored.get(head.chain) ?? 0));
}

/**
 * Takes one anchor of every head that moved; null when nothing moved. The TSA is asked outside any
 * transaction; the insert fails on a seq another taker used meanwhile, and this one starts over.
 * A TSA failure propagates (TimestampError, `timestamp_unavailable`): the caller logs and retries.
 */
export async function takeAuditAnchor(deps: AnchorDeps, reason: AnchorReason): Promise<AuditAnchorRecord | null> {
  for (let attempt = 1; ; attempt++) {
    const [last, heads] = await Promise.all([lastAnchor(deps.db), movedHeads(deps.db)]);
    if (heads.length === 0) return null;
    const seq = (last?.seq ?? 0) + 1;
    const prevDigest = last?.digest ?? GENESIS_HASH;
    const digest = anchorDigest(seq, prevDigest, heads);
    const token = await deps.timeStamper.timestamp(Buffer.from(digest, 'hex'), 'sha256');
    const check = checkTimestampToken(token, { digest: Buffer.from(digest, 'hex'), hash: 'sha256' });
    if (!check.genTime || !check.imprintMatches || !check.signatureValid) {
      throw new Error(`the TSA's token for audit anchor ${seq} does not verify: ${check.problems.join('; ') || 'no genTime'}`);
    }
    const anchor: AuditAnchorRecord = { seq, prevDigest, digest, token, genTime: check.genTime.toISOString(), reason, createdAt: deps.clock().toISOString(), heads };
    try {
      await deps.db.transaction((trx) => insertAnchor(trx, anchor));
      return anchor;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

export interface AnchorJobResult {
  anchor: AuditAnchorRecord | null;
  /** Why an anchor was due, or null when none was. */
  due: AnchorReason | null;
}

export interface AnchorJob {
  /** One tick: anchors when a completion is unanchored, or when the last anchor is older than the interval. */
  run(): Promise<AnchorJobResult>;
}

/**
 * Completions older than a day before the last anchor are not looked at again: one that committed
 * that long after it occurred is still covered by the next periodic anchor.
 */
function completionsSince(last: { genTime: string } | null): Date | null {
  return last ? new Date(Date.parse(last.genTime) - 24 * 60 * 60_000) : null;
}

/** The scheduled anchoring, ticked every ANCHOR_POLL_MS by the server (src/server.ts). */
export function createAnchorJob(deps: AnchorDeps, intervalMs: number = ANCHOR_INTERVAL_MS): AnchorJob {
  // The last periodic attempt, so an idle trail is not re-read every minute.
  let lastPeriodic = 0;
  return {
    async run() {
      const last = await lastAnchor(deps.db);
      if (await hasUnanchoredCompletion(deps.db, completionsSince(last))) return { due: 'completion', anchor: await takeAuditAnchor(deps, 'completion') };
      const now = deps.clock().getTime();
      if (now - lastPeriodic < intervalMs) return { due: null, anchor: null };
      if (last && now - Date.parse(last.genTime) < intervalMs) return { due: null, anchor: null };
      const anchor = await takeAuditAnchor(deps, 'periodic');
      // Only after it worked (or nothing had moved): a TSA outage is retried on the next tick.
      lastPeriodic = now;
      return { due: 'periodic', anchor };
    },
  };
}
