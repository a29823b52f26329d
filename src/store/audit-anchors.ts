/**
 * Rows of the append-only `audit_anchors` and `audit_anchor_heads` tables (migration
 * 20261206_0016): RFC 3161 anchors of the audit chain heads. Only inserts and reads.
 */
import { toIso, type Db } from './sql.ts';

/** One chain's last link as anchored (or as it is now): `chain:seq:hash`. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

export type AnchorReason = 'periodic' | 'completion';

export interface AuditAnchorRecord {
  seq: number;
  prevDigest: string;
  digest: string;
  /** The DER TimeStampToken over `digest`. */
  token: Buffer;
  genTime: string;
  reason: AnchorReason;
  createdAt: string;
  /** The heads this anchor covers, sorted by chain. */
  heads: ChainHead[];
}

interface AnchorRow {
  seq: number | string;
  prev_digest: string;
  digest: string;
  head_count: number | string;
  token: Buffer | Uint8Array;
  gen_time: unknown;
  reason: string;
  created_at: unknown;
}

const byChain = (a: ChainHead, b: ChainHead): number => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0);

const toHead = (row: { chain: string; seq: number | string; hash: string }): ChainHead => ({ chain: row.chain, seq: Number(row.seq), hash: row.hash });

/** Every chain's last event now (the highest seq of each chain), sorted by chain. */
export async function currentChainHeads(db: Db): Promise<ChainHead[]> {
  const last = db('audit_events').select('chain').max({ seq: 'seq' }).groupBy('chain').as('last');
  const rows = await db('audit_events as e').join(last, function () {
    this.on('e.chain', '=', 'last.chain').andOn('e.seq', '=', 'last.seq');
  }).select('e.chain', 'e.seq', 'e.hash');
  return rows.map(toHead).sort(byChain);
}

/** Every chain's highest anchored seq. */
export async function anchoredSeqs(db: Db): Promise<Map<string, number>> {
  const rows = (await db('audit_anchor_heads').select('chain').max({ seq: 'seq' }).groupBy('chain')) as Array<{ chain: string; seq: number | string }>;
  return new Map(rows.map((row) => [row.chain, Number(row.seq)]));
}

export async function lastAnchor(db: Db): Promise<{ seq: number; digest: string; genTime: string } | null> {
  const row = await db<AnchorRow>('audit_anchors').orderBy('seq', 'desc').first('seq', 'digest', 'gen_time');
  return row ? { seq: Number(row.seq), digest: row.digest, genTime: toIso(row.gen_time) } : null;
}

/**
 * Whether a completion (`envelope.completed` event) that occurred at or after `since` is covered
 * by no anchor yet (the anchored seq of its chain is lower).
 */
export async function hasUnanchoredCompletion(db: Db, since: Date | null): Promise<boolean> {
  const query = db('audit_events as e').where('e.action', 'envelope.completed');
  if (since) query.andWhere('e.occurred_at', '>=', since.toISOString());
  const row = await query
    .whereNotExists(function () {
      this.select(db.raw('1')).from('audit_anchor_heads as h').whereRaw('h.chain = e.chain').andWhereRaw('h.seq >= e.seq');
    })
    .first('e.id');
  return Boolean(row);
}

export async function insertAnchor(db: Db, anchor: AuditAnchorRecord): Promise<void> {
  await db('audit_anchors').insert({
    seq: anchor.seq,
    prev_digest: anchor.prevDigest,
    digest: anchor.digest,
    head_count: anchor.heads.length,
    token: anchor.token,
    gen_time: anchor.genTime,
    reason: anchor.reason,
    created_at: anchor.createdAt,
  });
  // Batches keep each INSERT under SQLite's bound-parameter limit.
  const rows = anchor.heads.map((h) => ({ anchor_seq: anchor.seq, chain: h.chain, seq: h.seq, hash: h.hash }));
  for (let i = 0; i < rows.length; i += 200) await db('audit_anchor_heads').insert(rows.slice(i, i + 200));
}

/** Every anchor with its heads, in seq order. */
export async function listAnchors(db: Db): Promise<AuditAnchorRecord[]> {
  const anchors = await db<AnchorRow>('audit_anchors').orderBy('seq', 'asc');
  const heads = new Map<number, ChainHead[]>();
  const rows = await db('audit_anchor_heads').select('anchor_seq', 'chain', 'seq', 'hash').orderBy([{ column: 'anchor_seq' }, { column: 'chain' }]);
  for (const row of rows as Array<{ anchor_seq: number | string; chain: string; seq: number | string; hash: string }>) {
    const list = heads.get(Number(row.anchor_seq)) ?? [];
    list.push(toHead(row));
    heads.set(Number(row.anchor_seq), list);
  }
  return anchors.map((row) => ({
    seq: Number(row.seq),
    prevDigest: row.prev_digest,
    digest: row.digest,
    token: Buffer.from(row.token),
    genTime: toIso(row.gen_time),
    reason: row.reason as AnchorReason,
    createdAt: toIso(row.created_at),
    heads: (heads.get(Number(row.seq)) ?? []).sort(byChain),
  }));
}
