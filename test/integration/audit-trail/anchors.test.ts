/**
 * The audit chain gets a key (issue 9): completions and, hourly, every moved chain head are
 * anchored by an RFC 3161 token; `audit verify` checks the anchors, so a chain rewritten
 * consistently in the database (every hash recomputed) is detected, and so is a completion that
 * was never anchored or anchored late. On SQLite and on PostgreSQL (TEST_DATABASE_URL).
 */
import { expect } from 'chai';
import { createAnchorJob, takeAuditAnchor, type AnchorDeps } from '../../../src/audit/anchors.ts';
import { COMPLETION_GRACE_MS } from '../../../src/audit/anchor-check.ts';
import { computeAuditHash } from '../../../src/audit/index.ts';
import { checkChain, verifyAuditTrails, type ChainReport } from '../../../src/audit/verify-trail.ts';
import { listAnchors } from '../../../src/store/audit-anchors.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { ANCHORS_APPEND_ONLY_MESSAGE } from '../../../src/store/migrations/20261206_0016_audit_anchors.ts';
import { toJson } from '../../../src/store/index.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { opensslTsVerify, testBuiltInTsa } from '../../helpers/test-tsa.ts';
import { openBench, type Bench } from '../workflow/helpers.ts';
import { auditVerifyCli, completedEnvelope, withoutAppendOnly } from './helpers.ts';

describe('audit trail: RFC 3161 anchors of the chain heads', function () {
  this.timeout(120_000);
  let bench: Bench;
  /** How far ahead of real time the TSA's clock runs. */
  let tsaAhead = 0;
  const tsa = testBuiltInTsa(() => new Date(Date.now() + tsaAhead));
  const anchorDeps = (): AnchorDeps => ({ db: bench.app.deps.db, timeStamper: tsa, clock: bench.deps.clock });

  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  async function verifyEnvelope(envelopeId: string, now?: Date): Promise<{ chain: ChainReport; anchorProblems: string[] }> {
    const report = await verifyAuditTrails(bench.deps.db, bench.deps.blobs, { envelopeId }, { trustAnchors: [pki().root.cert], now });
    expect(report.chains).to.have.length(1);
    return { chain: report.chains[0], anchorProblems: report.anchors.problems.map((p) => p.message) };
  }

  it('a completion is anchored on the next tick, the token is over the chain heads, and an idle trail gets no new anchor', async () => {
    const envelopeId = await completedEnvelope(bench);
    const trail = await listAuditChain(bench.deps.db, envelopeId);
    const job = createAnchorJob(anchorDeps());
    const first = await job.run();
    expect(first.due).to.equal('completion');
    expect(first.anchor!.heads).to.deep.include({ chain: envelopeId, seq: trail.at(-1)!.seq, hash: trail.at(-1)!.hash });

    const stored = await listAnchors(bench.deps.db);
    expect(stored.map((a) => [a.seq, a.reason, a.digest])).to.deep.equal([[1, 'completion', first.anchor!.digest]]);
    expect(stored[0].token.equals(first.anchor!.token)).to.equal(true);
    const openssl = opensslTsVerify({ token: stored[0].token, digest: Buffer.from(stored[0].digest, 'hex') });
    expect(openssl.ok, openssl.output).to.equal(true);

    // Nothing completed since and the last anchor is recent: not due. Asked anyway: nothing moved.
    expect(await job.run()).to.deep.equal({ due: null, anchor: null });
    expect(await takeAuditAnchor(anchorDeps(), 'periodic')).to.equal(null);

    const { chain, anchorProblems } = await verifyEnvelope(envelopeId);
    expect(chain.breaks).to.deep.equal([]);
    expect(anchorProblems).to.deep.equal([]);
    const run = await auditVerifyCli(bench, ['--envelope', envelopeId, '--trust', pki().root.certPath]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^anchors: OK — 1 anchor\(s\), latest 1 at \S+ by .*CN=Paraaf Test TSA tsa/m);
    expect(run.stdout).to.include('1 anchor(s): all OK');

    // Without the TSA's root, the anchor does not count.
    const untrusted = await auditVerifyCli(bench, ['--envelope', envelopeId, '--trust', pki().otherRoot.certPath]);
    expect(untrusted.code).to.equal(1);
    expect(untrusted.stdout).to.match(/^ {2}\[anchor_untrusted\] anchor 1: TSA .*CN=Paraaf Test TSA tsa.* is not trusted/m);
  });

  it('a whole chain rewritten consistently, every hash recomputed: the chain verifies on its own, its anchor does not', async () => {
    const envelopeId = await completedEnvelope(bench);
    await createAnchorJob(anchorDeps()).run();
    const trail = await listAuditChain(bench.deps.db, envelopeId);
    const from = trail.findIndex((e) => e.action === 'link.opened');
    // The signer "opened the link" from elsewhere: that event and every later one get new hashes.
    let previous = trail[from - 1].hash;
    const rewritten = trail.slice(from).map((event, index) => {
      const next = { ...event, prevHash: previous, ...(index === 0 ? { ip: '203.0.113.66', userAgent: 'curl/8.0' } : {}) };
      next.hash = computeAuditHash(next);
      previous = next.hash;
      return next;
    });
    await withoutAppendOnly(bench.deps.db, async () => {
      for (const event of rewritten) {
        await bench.deps.db('audit_events').where({ id: event.id }).update({ ip: event.ip, user_agent: event.userAgent, details: toJson(event.details), prev_hash: event.prevHash, hash: event.hash });
      }
    });
    const after = await listAuditChain(bench.deps.db, envelopeId);
    expect(checkChain(after), 'the rewrite is consistent').to.equal(null);

    const { chain } = await verifyEnvelope(envelopeId);
    const last = trail.at(-1)!;
    expect(chain.breaks.map((b) => [b.kind, b.seq])).to.deep.equal([['anchor_mismatch', last.seq]]);
    expect(chain.breaks[0].message).to.include(`fixed seq ${last.seq} as ${last.hash.slice(0, 16)}…, the event there now has ${after.at(-1)!.hash.slice(0, 16)}…: the chain was rewritten after it was anchored`);

    const run = await auditVerifyCli(bench, ['--envelope', envelopeId, '--trust', pki().root.certPath]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.include(`envelope ${envelopeId}: BROKEN`);
    expect(run.stdout).to.include(`  [anchor_mismatch] anchor `);

    // The rewritten head is not re-anchored: that would launder the rewrite.
    expect(await takeAuditAnchor(anchorDeps(), 'periodic')).to.equal(null);
  });

  it('a completion nobody anchored is reported after the grace period; one anchored hours later is late', async () => {
    const envelopeId = await completedEnvelope(bench);
    const completed = (await listAuditChain(bench.deps.db, envelopeId)).find((e) => e.action === 'envelope.completed')!;
    expect((await verifyEnvelope(envelopeId)).chain.breaks).to.deep.equal([]);
    const later = new Date(Date.parse(completed.occurredAt) + COMPLETION_GRACE_MS + 60_000);
    const unanchored = (await verifyEnvelope(envelopeId, later)).chain.breaks;
    expect(unanchored.map((b) => [b.kind, b.seq])).to.deep.equal([['unanchored', completed.seq]]);

    // What re-anchoring after a rewrite would give: a token hours after the completion.
    tsaAhead = 3 * 60 * 60_000;
    const late = await createAnchorJob(anchorDeps()).run();
    expect(late.due).to.equal('completion');
    const { chain, anchorProblems } = await verifyEnvelope(envelopeId, new Date(Date.now() + 4 * 60 * 60_000));
    expect(chain.breaks.map((b) => [b.kind, b.seq, b.anchorSeq])).to.deep.equal([['anchor_late', completed.seq, late.anchor!.seq]]);
    expect(anchorProblems).to.deep.equal([]);
  });

  it('the anchor tables are append-only', async () => {
    const [anchor] = await listAnchors(bench.deps.db);
    for (const attempt of [
      () => bench.deps.db('audit_anchors').where({ seq: anchor.seq }).update({ digest: '0'.repeat(64) }),
      () => bench.deps.db('audit_anchor_heads').where({ anchor_seq: anchor.seq }).del(),
      () => bench.deps.db('audit_anchors').where({ seq: anchor.seq }).del(),
    ]) {
      let caught: unknown;
      await attempt().catch((error: unknown) => {
        caught = error;
      });
      expect(String((caught as Error | undefined)?.message)).to.include(ANCHORS_APPEND_ONLY_MESSAGE);
    }
  });
});

describe("audit trail: anchors by the development PKI's built-in TSA", function () {
  this.timeout(120_000);
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  it('verify against the development root, the file `audit verify` trusts by default', async () => {
    const envelopeId = await completedEnvelope(bench);
    const result = await createAnchorJob({ db: bench.app.deps.db, timeStamper: bench.deps.timeStamper, clock: bench.deps.clock }).run();
    expect(result.due).to.equal('completion');
    const run = await auditVerifyCli(bench, ['--envelope', envelopeId, '--trust', bench.pki.rootPem]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^anchors: OK — 1 anchor\(s\), latest 1 at /m);
    const openssl = opensslTsVerify({ token: result.anchor!.token, digest: Buffer.from(result.anchor!.digest, 'hex'), caFile: bench.pki.rootPem, untrusted: bench.pki.rootPem });
    expect(openssl.ok, openssl.output).to.equal(true);
  });

  it('two takers at once (two instances): one anchor, the other finds nothing left to anchor', async () => {
    const envelopeId = await completedEnvelope(bench);
    const deps = { db: bench.app.deps.db, timeStamper: bench.deps.timeStamper, clock: bench.deps.clock };
    const results = await Promise.all([takeAuditAnchor(deps, 'completion'), takeAuditAnchor(deps, 'periodic')]);
    const taken = results.filter((r) => r !== null);
    expect(taken).to.have.length(1);
    expect(taken[0]!.heads.map((h) => h.chain)).to.include(envelopeId);
    expect((await listAnchors(bench.deps.db)).map((a) => a.seq)).to.deep.equal([1, 2]);
    const report = await verifyAuditTrails(bench.deps.db, bench.deps.blobs, {}, { trustAnchors: [bench.pki.rootCertificate] });
    expect(report.anchors.problems).to.deep.equal([]);
    expect(report.ok).to.equal(true);
  });
});
