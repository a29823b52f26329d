/**
 * Anchors of the audit trail, as pure functions: the digest the TSA timestamps, the checks of the
 * anchor sequence and its tokens (each token also checked with `openssl ts -verify`), and the check
 * of one chain against what the anchors fixed of it.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { anchorDigest } from '../../../src/audit/anchors.ts';
import { ANCHOR_GRACE_MS, checkAnchors, checkChainAnchors, COMPLETION_GRACE_MS, type AnchoredHead } from '../../../src/audit/anchor-check.ts';
import { GENESIS_HASH } from '../../../src/audit/chain.ts';
import type { AuditEventRecord } from '../../../src/audit/index.ts';
import type { AuditAnchorRecord, ChainHead } from '../../../src/store/audit-anchors.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { opensslTsVerify, testBuiltInTsa } from '../../helpers/test-tsa.ts';

const hex = (c: string): string => c.repeat(64);
const ENVELOPE = '3f1c2d4e-0000-4000-8000-000000000001';
const ORG_CHAIN = 'org:3f1c2d4e-0000-4000-8000-0000000000aa';

async function anchorAt(seq: number, prevDigest: string, heads: ChainHead[], at: Date): Promise<AuditAnchorRecord> {
  const digest = anchorDigest(seq, prevDigest, heads);
  const token = await testBuiltInTsa(() => at).timestamp(Buffer.from(digest, 'hex'), 'sha256');
  return { seq, prevDigest, digest, token, genTime: at.toISOString(), reason: 'periodic', createdAt: at.toISOString(), heads };
}

/**
 * Anchor times: whole hours from tomorrow on, since the test TSA's certificate is made when the tests
 * run and refuses a time before it (fixed dates broke the day they passed).
 */
const HOUR = 3_600_000;
const BASE = Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR;
const hourAt = (hours: number, ms = 0): Date => new Date(BASE + hours * HOUR + ms);

/** Two anchors an hour apart: the first over two chains, the second over the envelope chain that moved. */
async function twoAnchors(): Promise<AuditAnchorRecord[]> {
  const first = await anchorAt(1, GENESIS_HASH, [{ chain: ORG_CHAIN, seq: 2, hash: hex('a') }, { chain: ENVELOPE, seq: 3, hash: hex('b') }], hourAt(1, 123));
  const second = await anchorAt(2, first.digest, [{ chain: ENVELOPE, seq: 7, hash: hex('c') }], hourAt(2, 456));
  return [first, second];
}

const kinds = (problems: Array<{ kind: string }>): string[] => problems.map((p) => p.kind);

describe('audit anchors: digest and anchor checks', function () {
  this.timeout(60_000);
  const trust = () => [pki().root.cert];

  it('the digest is SHA-256 over the label, seq, previous digest and sorted head lines', () => {
    const heads = [{ chain: ENVELOPE, seq: 3, hash: hex('b') }, { chain: ORG_CHAIN, seq: 2, hash: hex('a') }];
    const text = `paraaf audit anchor v1\nseq:1\nprev:${GENESIS_HASH}\n${ENVELOPE}:3:${hex('b')}\n${ORG_CHAIN}:2:${hex('a')}\n`;
    expect(anchorDigest(1, GENESIS_HASH, heads)).to.equal(createHash('sha256').update(text).digest('hex'));
    expect(anchorDigest(1, GENESIS_HASH, [...heads].reverse())).to.equal(anchorDigest(1, GENESIS_HASH, heads));
    expect(anchorDigest(2, GENESIS_HASH, heads)).to.not.equal(anchorDigest(1, GENESIS_HASH, heads));
    expect(anchorDigest(1, hex('f'), heads)).to.not.equal(anchorDigest(1, GENESIS_HASH, heads));
  });

  it('a valid anchor sequence has no problems, and OpenSSL verifies each token over its digest', async () => {
    const anchors = await twoAnchors();
    const report = checkAnchors(anchors, trust());
    expect(report.problems).to.deep.equal([]);
    expect(report.count).to.equal(2);
    expect(report.latest).to.deep.equal({ seq: 2, genTime: hourAt(2, 456).toISOString(), tsa: report.latest!.tsa });
    expect(report.latest!.tsa).to.include('CN=Paraaf Test TSA tsa');
    for (const anchor of anchors) {
      const verified = opensslTsVerify({ token: anchor.token, digest: Buffer.from(anchor.digest, 'hex') });
      expect(verified.ok, verified.output).to.equal(true);
    }
  });

  it('a head changed in the anchor table: the digest and the token no longer match', async () => {
    const [first, second] = await twoAnchors();
    const edited = { ...first, heads: [first.heads[0], { ...first.heads[1], hash: hex('d') }] };
    expect(kinds(checkAnchors([edited, second], trust()).problems)).to.deep.equal(['anchor_digest', 'anchor_token']);
    // Also the stored digest recomputed: the TSA's token still says otherwise, and the next anchor points elsewhere.
    const consistent = { ...edited, digest: anchorDigest(1, GENESIS_HASH, edited.heads) };
    const problems = checkAnchors([consistent, second], trust()).problems;
    expect(kinds(problems)).to.deep.equal(['anchor_token', 'anchor_chain']);
    expect(problems[0].message).to.equal('anchor 1: the timestamp token is not over this anchor (its imprint differs from the digest of the anchored heads)');
  });

  it('a deleted anchor: seq gap and a broken link to the previous digest', async () => {
    const [, second] = await twoAnchors();
    const third = await anchorAt(3, second.digest, [{ chain: ORG_CHAIN, seq: 5, hash: hex('e') }], hourAt(3));
    const problems = checkAnchors([second, third], trust()).problems;
    expect(problems.map((p) => [p.kind, p.anchorSeq])).to.deep.equal([['anchor_seq', 2], ['anchor_chain', 2]]);
    expect(problems[0].message).to.equal('anchor 2: anchor 1 missing before it');
  });

  it('a TSA nobody trusts, a stored time that differs from the token, and a head that goes back', async () => {
    const [first, second] = await twoAnchors();
    const untrusted = checkAnchors([first, second], []).problems;
    expect(kinds(untrusted)).to.deep.equal(['anchor_untrusted', 'anchor_untrusted']);
    expect(untrusted[0].message).to.match(/^anchor 1: TSA CN=Paraaf Test TSA tsa.* is not trusted: /);

    expect(kinds(checkAnchors([{ ...first, genTime: hourAt(0).toISOString() }, second], trust()).problems)).to.deep.equal(['anchor_time']);

    const back = await anchorAt(2, first.digest, [{ chain: ENVELOPE, seq: 3, hash: hex('b') }], hourAt(2));
    expect(kinds(checkAnchors([first, back], trust()).problems)).to.deep.equal(['anchor_heads']);
  });

  it('a token taken earlier than the anchor before it', async () => {
    const [first] = await twoAnchors();
    const earlier = await anchorAt(2, first.digest, [{ chain: ENVELOPE, seq: 9, hash: hex('c') }], hourAt(0));
    expect(kinds(checkAnchors([first, earlier], trust()).problems)).to.deep.equal(['anchor_time']);
  });
});

describe('audit anchors: one chain against its anchored heads', () => {
  const start = Date.parse('2026-12-06T09:00:00Z');
  const event = (seq: number, action = 'link.opened', minutes = seq): AuditEventRecord => ({
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, organisationId: 'o', envelopeId: ENVELOPE, chain: ENVELOPE, seq,
    occurredAt: new Date(start + minutes * 60_000).toISOString(), actorKind: 'system', actorId: null, actorLabel: null, action,
    ip: null, userAgent: null, details: {}, documentSha256: null, prevHash: '', hash: hex(String(seq % 10)),
  });
  const events = [event(1, 'envelope.created'), event(2, 'envelope.sent'), event(3, 'envelope.completed')];
  const head = (seq: number, hash: string, anchorSeq: number, minutes: number): AnchoredHead => ({
    chain: ENVELOPE, seq, hash, anchorSeq, genTime: new Date(start + minutes * 60_000).toISOString(),
  });
  const soon = new Date(start + 10 * 60_000);

  it('heads that match, anchored in time: nothing to report', () => {
    expect(checkChainAnchors(events, [head(2, hex('2'), 1, 2.5), head(3, hex('3'), 2, 4)], new Date(start + 86_400_000))).to.deep.equal([]);
  });

  it('an anchored head that differs or is gone: the chain was rewritten after it was anchored', () => {
    const breaks = checkChainAnchors(events, [head(2, hex('f'), 1, 2.5), head(5, hex('5'), 2, 6)], soon);
    expect(breaks.map((b) => [b.kind, b.seq, b.anchorSeq])).to.deep.equal([['anchor_mismatch', 2, 1], ['anchor_mismatch', 5, 2]]);
    expect(breaks[0].message).to.equal(`anchor 1 (2026-12-06T09:02:30.000Z) fixed seq 2 as ${hex('f').slice(0, 16)}…, the event there now has ${hex('2').slice(0, 16)}…: the chain was rewritten after it was anchored`);
    expect(breaks[1].message).to.include('but the chain has no event at seq 5');
  });

  it('events nobody anchored: reported once the grace period has passed, a completion sooner', () => {
    expect(checkChainAnchors(events, [], soon)).to.deep.equal([]);
    const afterCompletionGrace = new Date(start + 3 * 60_000 + COMPLETION_GRACE_MS + 1);
    expect(checkChainAnchors(events, [head(2, hex('2'), 1, 2.5)], afterCompletionGrace).map((b) => [b.kind, b.seq])).to.deep.equal([['unanchored', 3]]);
    const late = new Date(start + ANCHOR_GRACE_MS + 60 * 60_000);
    const breaks = checkChainAnchors(events, [], late);
    expect(breaks.map((b) => [b.kind, b.seq])).to.deep.equal([['unanchored', 1]]);
    expect(breaks[0].message).to.equal(`seq 1 (envelope.created, 2026-12-06T09:01:00.000Z) and after are covered by no anchor, expected within ${ANCHOR_GRACE_MS / 60_000} minutes`);
  });

  it('a completion first anchored hours later: late (what re-anchoring a rewritten chain looks like)', () => {
    const breaks = checkChainAnchors(events, [head(3, hex('3'), 1, 3 + 180)], new Date(start + 86_400_000));
    expect(breaks.map((b) => [b.kind, b.seq, b.anchorSeq])).to.deep.equal([['anchor_late', 3, 1]]);
  });
});
