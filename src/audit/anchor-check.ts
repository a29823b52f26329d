/**
 * What `audit verify` checks about the anchors (src/audit/anchors.ts). Pure functions over rows:
 *
 * - the anchors themselves (`checkAnchors`): seq 1, 2, 3 … without gaps, each pointing at the
 *   previous anchor's digest, each digest recomputed from its heads, each token (RFC 3161 §2.4.2)
 *   over that recomputed digest, signed by a TSA certificate (critical EKU id-kp-timeStamping, §2.3)
 *   whose chain reaches a trust anchor and is valid at the token's genTime, genTime never going back;
 * - each chain against the anchors (`checkChainAnchors`): every anchored head is still the event at
 *   that seq with that hash (so a chain rewritten consistently, all hashes recomputed, is detected);
 *   every event older than the grace period is covered by an anchor, and every envelope completion
 *   was anchored soon after it happened (a late anchor is what re-anchoring a rewrite would produce).
 */
import type { X509Certificate } from 'node:crypto';
import { checkTimestampToken } from '../pades/timestamp-token.ts';
import { subjectOf, validateChain } from '../pades/trust.ts';
import type { AuditAnchorRecord, ChainHead } from '../store/audit-anchors.ts';
import type { AuditEventRecord } from '../store/audit-event-repository.ts';
import { anchorDigest, ANCHOR_INTERVAL_MS } from './anchors.ts';
import { GENESIS_HASH } from './chain.ts';

/** An event must be anchored within two periodic runs (one may fail), plus slack for clocks and transactions. */
export const ANCHOR_GRACE_MS = 2 * ANCHOR_INTERVAL_MS + 10 * 60_000;
/** A completion is anchored within a minute (the poll); an hour leaves room for a TSA outage. */
export const COMPLETION_GRACE_MS = 60 * 60_000;

export type AnchorProblemKind =
  | 'anchor_seq' // anchors missing from the sequence
  | 'anchor_chain' // the anchor does not point at the previous anchor's digest
  | 'anchor_digest' // the stored digest is not the digest of the stored heads
  | 'anchor_heads' // a head goes back or repeats an already anchored seq
  | 'anchor_token' // the token does not verify or is not over this anchor
  | 'anchor_untrusted' // the TSA's chain does not reach a trust anchor at genTime
  | 'anchor_time'; // genTime differs from the stored one, or goes back

export interface AnchorProblem {
  kind: AnchorProblemKind;
  anchorSeq: number;
  message: string;
}

export interface AnchorReport {
  count: number;
  latest: { seq: number; genTime: string; tsa: string | null } | null;
  problems: AnchorProblem[];
}

const short = (hash: string): string => `${hash.slice(0, 16)}…`;

/** The token of one anchor, checked against the digest recomputed from its heads. */
function checkToken(anchor: AuditAnchorRecord, digest: string, trustAnchors: X509Certificate[]): { problems: AnchorProblem[]; genTime: Date | null; tsa: string | null } {
  const problems: AnchorProblem[] = [];
  const at = (kind: AnchorProblemKind, message: string) => problems.push({ kind, anchorSeq: anchor.seq, message: `anchor ${anchor.seq}: ${message}` });
  const token = checkTimestampToken(anchor.token, { digest: Buffer.from(digest, 'hex'), hash: 'sha256' });
  const tsa = token.tsaCertificate ? subjectOf(token.tsaCertificate) : null;
  if (!token.imprintMatches) at('anchor_token', 'the timestamp token is not over this anchor (its imprint differs from the digest of the anchored heads)');
  if (!token.signatureValid) at('anchor_token', `the timestamp token's signature does not verify${token.problems.length ? ` (${token.problems.join('; ')})` : ''}`);
  else if (!token.timeStampingEku) at('anchor_token', 'the token is not signed by a TSA certificate (critical EKU id-kp-timeStamping, RFC 3161 §2.3)');
  if (!token.genTime) return { problems: [...problems, { kind: 'anchor_token', anchorSeq: anchor.seq, message: `anchor ${anchor.seq}: the token has no readable genTime` }], genTime: null, tsa };
  if (token.genTime.toISOString() !== anchor.genTime) at('anchor_time', `stored time ${anchor.genTime} differs from the token's genTime ${token.genTime.toISOString()}`);
  if (token.tsaCertificate) {
    const chain = validateChain(token.tsaCertificate, token.certificates, trustAnchors, token.genTime);
    if (!chain.trusted) at('anchor_untrusted', `TSA ${tsa} is not trusted: ${chain.reason ?? 'no path to a trust anchor'}`);
    else if (!chain.validAtSigningTime) at('anchor_untrusted', `TSA chain not valid at genTime ${token.genTime.toISOString()}: ${chain.reason}`);
  }
  return { problems, genTime: token.genTime, tsa };
}

/** The anchors in seq order, each on its own and against the one before it. */
export function checkAnchors(anchors: readonly AuditAnchorRecord[], trustAnchors: X509Certificate[]): AnchorReport {
  const problems: AnchorProblem[] = [];
  const anchoredSeq = new Map<string, number>();
  let previous: { digest: string; genTime: Date | null } = { digest: GENESIS_HASH, genTime: null };
  let latest: AnchorReport['latest'] = null;
  for (const [index, anchor] of anchors.entries()) {
    const at = (kind: AnchorProblemKind, message: string) => problems.push({ kind, anchorSeq: anchor.seq, message: `anchor ${anchor.seq}: ${message}` });
    const expected = (anchors[index - 1]?.seq ?? 0) + 1;
    if (anchor.seq !== expected) at('anchor_seq', `anchor ${expected === anchor.seq - 1 ? expected : `${expected}–${anchor.seq - 1}`} missing before it`);
    if (anchor.prevDigest !== previous.digest) at('anchor_chain', `points at previous digest ${short(anchor.prevDigest)}, the anchor before it has ${short(previous.digest)}`);
    const digest = anchorDigest(anchor.seq, anchor.prevDigest, anchor.heads);
    if (digest !== anchor.digest) at('anchor_digest', `stored digest ${short(anchor.digest)}, the anchored heads give ${short(digest)}`);
    for (const head of anchor.heads) {
      const before = anchoredSeq.get(head.chain);
      if (before !== undefined && head.seq <= before) at('anchor_heads', `chain ${head.chain} anchored at seq ${head.seq} after an earlier anchor already had seq ${before}`);
      anchoredSeq.set(head.chain, Math.max(before ?? 0, head.seq));
    }
    const token = checkToken(anchor, digest, trustAnchors);
    problems.push(...token.problems);
    if (token.genTime && previous.genTime && token.genTime < previous.genTime) at('anchor_time', `genTime ${token.genTime.toISOString()} is before the previous anchor's ${previous.genTime.toISOString()}`);
    previous = { digest: anchor.digest, genTime: token.genTime ?? previous.genTime };
    latest = { seq: anchor.seq, genTime: anchor.genTime, tsa: token.tsa };
  }
  return { count: anchors.length, latest, problems };
}

/** One anchored head of a chain, with the anchor that holds it. */
export interface AnchoredHead extends ChainHead {
  anchorSeq: number;
  genTime: string;
}

/** Every anchored head per chain, in anchor order. */
export function anchoredHeadsByChain(anchors: readonly AuditAnchorRecord[]): Map<string, AnchoredHead[]> {
  const byChain = new Map<string, AnchoredHead[]>();
  for (const anchor of anchors) {
    for (const head of anchor.heads) {
      const list = byChain.get(head.chain) ?? [];
      list.push({ ...head, anchorSeq: anchor.seq, genTime: anchor.genTime });
      byChain.set(head.chain, list);
    }
  }
  return byChain;
}

export interface ChainAnchorBreak {
  kind: 'anchor_mismatch' | 'unanchored' | 'anchor_late';
  seq: number;
  eventId?: string;
  anchorSeq?: number;
  message: string;
}

/** One chain (events in seq order) against what the anchors fixed of it, as of `now`. */
export function checkChainAnchors(events: readonly AuditEventRecord[], heads: readonly AnchoredHead[], now: Date): ChainAnchorBreak[] {
  const breaks: ChainAnchorBreak[] = [];
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const head of heads) {
    const event = bySeq.get(head.seq);
    const fixed = `anchor ${head.anchorSeq} (${head.genTime}) fixed seq ${head.seq} as ${short(head.hash)}`;
    if (!event) breaks.push({ kind: 'anchor_mismatch', seq: head.seq, anchorSeq: head.anchorSeq, message: `${fixed}, but the chain has no event at seq ${head.seq}` });
    else if (event.hash !== head.hash) {
      breaks.push({ kind: 'anchor_mismatch', seq: head.seq, eventId: event.id, anchorSeq: head.anchorSeq, message: `${fixed}, the event there now has ${short(event.hash)}: the chain was rewritten after it was anchored` });
    }
  }
  const coveredBy = (seq: number): AnchoredHead | undefined => heads.find((h) => h.seq >= seq);
  const age = (event: AuditEventRecord): number => now.getTime() - Date.parse(event.occurredAt);
  const firstUncovered = events.find((e) => !coveredBy(e.seq) && age(e) > ANCHOR_GRACE_MS);
  if (firstUncovered) {
    breaks.push({ kind: 'unanchored', seq: firstUncovered.seq, eventId: firstUncovered.id, message: `seq ${firstUncovered.seq} (${firstUncovered.action}, ${firstUncovered.occurredAt}) and after are covered by no anchor, expected within ${ANCHOR_GRACE_MS / 60_000} minutes` });
  }
  for (const completion of events.filter((e) => e.action === 'envelope.completed')) {
    const head = coveredBy(completion.seq);
    const at = { seq: completion.seq, eventId: completion.id };
    const limit = `expected within ${COMPLETION_GRACE_MS / 60_000} minutes of ${completion.occurredAt}`;
    if (!head && age(completion) > COMPLETION_GRACE_MS && !(firstUncovered && firstUncovered.seq <= completion.seq)) breaks.push({ kind: 'unanchored', ...at, message: `the completion at seq ${completion.seq} is covered by no anchor, ${limit}` });
    if (head && Date.parse(head.genTime) - Date.parse(completion.occurredAt) > COMPLETION_GRACE_MS) {
      breaks.push({ kind: 'anchor_late', ...at, anchorSeq: head.anchorSeq, message: `the completion at seq ${completion.seq} was first anchored by anchor ${head.anchorSeq} at ${head.genTime}, ${limit} (a TSA outage, or the chain re-anchored after a rewrite)` });
    }
  }
  return breaks;
}
