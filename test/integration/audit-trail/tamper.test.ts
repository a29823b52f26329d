/**
 * Tamper evidence (DESIGN §6): each edit an operator with database or disk access could make is
 * named by `audit verify` — which check broke, at which event seq or revision — on SQLite and
 * on PostgreSQL (TEST_DATABASE_URL). Each test tampers with its own fresh envelope.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { computeAuditHash } from '../../../src/audit/index.ts';
import { verifyAuditTrails, type ChainReport, type TrailBreak } from '../../../src/audit/verify-trail.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { toJson } from '../../../src/store/index.ts';
import { openBench, type Bench } from '../workflow/helpers.ts';
import { auditVerifyCli, blobPath, completedEnvelope, overwriteBlob, revisionsOfEnvelope, withoutAppendOnly } from './helpers.ts';

describe('audit trail: tamper evidence', function () {
  this.timeout(120_000);
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  async function verifyEnvelope(envelopeId: string): Promise<ChainReport> {
    const report = await verifyAuditTrails(bench.deps.db, bench.deps.blobs, { envelopeId });
    expect(report.chains).to.have.length(1);
    return report.chains[0];
  }
  const events = (envelopeId: string) => listAuditChain(bench.deps.db, envelopeId);
  const kinds = (chain: ChainReport) => chain.breaks.map((b) => b.kind);

  it('an untouched envelope verifies, directly and through the CLI (exit 0)', async () => {
    const envelopeId = await completedEnvelope(bench);
    const trail = await events(envelopeId);
    expect(trail.map((e) => e.action)).to.include.members(['envelope.created', 'envelope.sent', 'link.opened', 'recipient.signed', 'envelope.completed']);
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks).to.deep.equal([]);
    // original, prepared, signature, its DSS revision (B-LT), the archive timestamp at completion (B-LTA)
    expect(chain).to.include({ events: trail.length, firstHash: trail[0].hash, lastHash: trail.at(-1)!.hash, revisions: 5 });

    const run = await auditVerifyCli(bench, ['--envelope', envelopeId]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include(`envelope ${envelopeId}: OK — ${trail.length} event(s), 5 revision(s), first ${trail[0].hash}, last ${trail.at(-1)!.hash}`);
    expect(run.stdout).to.include('all OK');
  });

  it("an edited row's details: hash mismatch at that seq", async () => {
    const envelopeId = await completedEnvelope(bench);
    const opened = (await events(envelopeId)).find((e) => e.action === 'link.opened')!;
    await withoutAppendOnly(bench.deps.db, () => bench.deps.db('audit_events').where({ id: opened.id }).update({ details: toJson({ recipientId: randomUUID() }) }));
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks[0]).to.deep.include({ kind: 'hash', seq: opened.seq, eventId: opened.id });
    expect(chain.breaks[0].message).to.match(new RegExp(`^hash mismatch at seq ${opened.seq} \\(event ${opened.id}, link.opened\\): stored [0-9a-f]{16}…, recomputed [0-9a-f]{16}…$`));

    // Once through the CLI: exit 1, and the same break named.
    const run = await auditVerifyCli(bench, ['--envelope', envelopeId]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.include(`envelope ${envelopeId}: BROKEN`);
    expect(run.stdout).to.include(`  [hash] hash mismatch at seq ${opened.seq} (event ${opened.id}, link.opened)`);
    expect(run.stdout).to.include('1 BROKEN');
  });

  it('a deleted row: seq gap naming the missing seq; a deleted first row: missing start', async () => {
    const envelopeId = await completedEnvelope(bench);
    const trail = await events(envelopeId);
    await withoutAppendOnly(bench.deps.db, () => bench.deps.db('audit_events').where({ id: trail[2].id }).del());
    let chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks[0]).to.deep.include({ kind: 'seq_gap', seq: 4, eventId: trail[3].id, message: `seq gap after seq 2: seq 3 missing (next is seq 4, event ${trail[3].id})` });

    await withoutAppendOnly(bench.deps.db, () => bench.deps.db('audit_events').where({ id: trail[0].id }).del());
    chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks[0]).to.deep.include({ kind: 'missing', seq: 2, eventId: trail[1].id, message: `chain starts at seq 2 (event ${trail[1].id}): seq 1 missing` });
  });

  it('every row deleted: the envelope has no trail', async () => {
    const envelopeId = await completedEnvelope(bench);
    await withoutAppendOnly(bench.deps.db, () => bench.deps.db('audit_events').where({ chain: envelopeId }).del());
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.events).to.equal(0);
    expect(chain.breaks.find((b) => b.kind === 'missing')?.message).to.equal(`envelope ${envelopeId} has no audit events`);
    // Its revisions are now recorded by nothing either.
    expect(kinds(chain)).to.include('revision_unrecorded');
  });

  it('a forged row appended to the chain: hash mismatch at its seq', async () => {
    const envelopeId = await completedEnvelope(bench);
    const last = (await events(envelopeId)).at(-1)!;
    const forged = { ...last, id: randomUUID(), seq: last.seq + 1, action: 'envelope.cancelled', details: { reason: 'Nooit gebeurd' }, prevHash: last.hash };
    // A plausible hash, but not over this content (computed before the details were changed).
    const hash = computeAuditHash({ ...forged, details: { reason: 'Iets anders' } });
    await bench.deps.db('audit_events').insert({
      id: forged.id, organisation_id: forged.organisationId, envelope_id: forged.envelopeId, chain: forged.chain, seq: forged.seq, occurred_at: forged.occurredAt,
      actor_kind: forged.actorKind, actor_id: forged.actorId, actor_label: forged.actorLabel, action: forged.action, ip: forged.ip, user_agent: forged.userAgent,
      details: toJson(forged.details), document_sha256: forged.documentSha256, prev_hash: forged.prevHash, hash,
    });
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks).to.have.length(1);
    expect(chain.breaks[0]).to.deep.include({ kind: 'hash', seq: forged.seq, eventId: forged.id });
  });

  it('two rows with their seq swapped: reordered, naming the seq each was written at', async () => {
    const envelopeId = await completedEnvelope(bench);
    const trail = await events(envelopeId);
    const [a, b] = [trail[2], trail[3]];
    await withoutAppendOnly(bench.deps.db, async () => {
      await bench.deps.db('audit_events').where({ id: a.id }).update({ seq: 10_000 });
      await bench.deps.db('audit_events').where({ id: b.id }).update({ seq: a.seq });
      await bench.deps.db('audit_events').where({ id: a.id }).update({ seq: b.seq });
    });
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks[0]).to.deep.include({ kind: 'reordered', seq: a.seq, eventId: b.id, message: `event ${b.id} (${b.action}) sits at seq ${a.seq} but was written as seq ${b.seq}` });
  });

  it('a stored PDF changed on disk: blob mismatch with the revision seq', async () => {
    const envelopeId = await completedEnvelope(bench);
    const revisions = await revisionsOfEnvelope(bench, envelopeId);
    const current = revisions.at(-1)!;
    const bytes = await fs.readFile(blobPath(bench, current.blobSha256));
    const edited = Buffer.from(bytes);
    edited[Math.floor(edited.length / 2)] ^= 0x01;
    await overwriteBlob(bench, current.blobSha256, edited);
    const chain = await verifyEnvelope(envelopeId);
    expect(chain.breaks).to.have.length(1);
    expect(chain.breaks[0]).to.deep.include({ kind: 'blob_mismatch', documentId: current.documentId, revisionSeq: current.seq });
    expect(chain.breaks[0].message).to.include(`document ${current.documentId} revision seq ${current.seq} (${current.kind}): blob mismatch`);

    await fs.rm(blobPath(bench, revisions[0].blobSha256));
    const again = await verifyEnvelope(envelopeId);
    expect(again.breaks.map((b: TrailBreak) => [b.kind, b.revisionSeq])).to.deep.include(['blob_missing', 1]);
  });

  // The documents in the database (BLOB_STORE=db), where each instance keeps the blobs it read or stored in memory
  // (blob-cache.ts): the check reads the store, so the copy that still serves signing hides nothing.
  if (process.env.TEST_DATABASE_URL) {
    it('a stored PDF changed in the database (BLOB_STORE=db) while this instance holds a copy: blob mismatch', async () => {
      const onDb = await openBench({ BLOB_STORE: 'db' });
      try {
        const envelopeId = await completedEnvelope(onDb);
        const current = (await revisionsOfEnvelope(onDb, envelopeId)).at(-1)!;
        const bytes = await onDb.deps.blobs.get(current.blobSha256);
        const edited = Buffer.from(bytes);
        edited[Math.floor(edited.length / 2)] ^= 0x01;
        await onDb.deps.db('blob_chunks').where({ sha256: current.blobSha256 }).update({ bytes: edited });
        const report = await verifyAuditTrails(onDb.deps.db, onDb.deps.blobs, { envelopeId });
        expect(report.chains[0]!.breaks.map((b: TrailBreak) => [b.kind, b.revisionSeq])).to.deep.equal([['blob_mismatch', current.seq]]);
        expect((await onDb.deps.blobs.get(current.blobSha256)).equals(bytes), 'signing still reads the verified copy').to.equal(true);
      } finally {
        await onDb.close();
      }
    });
  }

  it("a revision's blob hash changed in the database: the trail's record contradicts it", async () => {
    const envelopeId = await completedEnvelope(bench);
    const revisions = await revisionsOfEnvelope(bench, envelopeId);
    const [prepared, signed] = [revisions[1], revisions[2]];
    // Point the signed revision at the prepared PDF: the blob itself is intact, but not what was signed.
    await bench.deps.db('revisions').where({ id: signed.id }).update({ blob_sha256: prepared.blobSha256 });
    const chain = await verifyEnvelope(envelopeId);
    const signedEvent = (await events(envelopeId)).find((e) => e.action === 'recipient.signed')!;
    expect(chain.breaks[0]).to.deep.include({ kind: 'revision_mismatch', documentId: signed.documentId, revisionSeq: signed.seq });
    expect(chain.breaks[0].message).to.include(`audit event seq ${signedEvent.seq} recorded ${signed.blobSha256.slice(0, 16)}…`);

    // A made-up hash: contradicted, and no such blob.
    await bench.deps.db('revisions').where({ id: signed.id }).update({ blob_sha256: 'f'.repeat(64) });
    const again = await verifyEnvelope(envelopeId);
    expect(kinds(again)).to.deep.equal(['revision_mismatch', 'blob_missing']);
  });
});
