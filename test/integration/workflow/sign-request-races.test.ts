/**
 * A signature signs outside the write lock and checks under it that each document is still the
 * revision it signed (issue 11, DESIGN §8). The beforeWrite seam runs between the signing and the
 * write phase: there a co-signer signs, a revision is appended, or the envelope is cancelled.
 * Run on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { verifyChain } from '../../../src/audit/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { ATTEMPTS } from '../../../src/workflow/apply-signature.ts';
import { cancelEnvelope, createEnvelope, sendEnvelope, type CreateEnvelopeInput } from '../../../src/workflow/index.ts';
import { expectAllValid } from '../engine/check.ts';
import { auditTrail, expectAppError, fixture, lastToken, openBench, type Bench } from './helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

const signer = (name: string, order = 1): CreateEnvelopeInput['recipients'][number] => ({ name, email: `${name.toLowerCase()}@zonnebeke.test`, role: 'signer', routingOrder: order });

describe('a sign request signs outside the lock and re-checks under it', function () {
  this.timeout(120_000);
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  async function createAndSend(recipients: CreateEnvelopeInput['recipients']) {
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'Besluit',
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients,
    });
    return sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
  }
  const tokenOf = (name: string) => lastToken(bench, `${name.toLowerCase()}@zonnebeke.test`);

  async function expectValidFinal(envelope: Awaited<ReturnType<typeof createAndSend>>, names: string[]) {
    const revisions = await revisionsOf(bench.deps.db, envelope.documents[0]!.id);
    const pdf = await bench.deps.blobs.get(revisions.at(-1)!.blobSha256);
    // verifyPdf, pdfsig and qpdf (test/helpers/validators.ts) all find every signature valid.
    const checked = await expectAllValid(pdf, bench.pki.rootPem, { count: names.length });
    const signatures = checked.report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161');
    expect(signatures.map((s) => s.signer?.commonName).sort()).to.deep.equal([...names].sort());
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail), 'the audit chain verifies').to.deep.include({ valid: true });
    return { revisions, trail };
  }

  it('two parallel signers who both signed before either wrote: the second signs again on the new revision, both signatures valid', async () => {
    const envelope = await createAndSend([signer('Jan'), signer('Ann')]);
    const [jan, ann] = await Promise.all([tokenOf('Jan'), tokenOf('Ann')]);
    // A barrier: neither writes before both have signed the same revision.
    let arrived = 0;
    let release!: () => void;
    const bothSigned = new Promise<void>((resolve) => (release = resolve));
    const attempts: Record<string, number[]> = { jan: [], ann: [] };
    const barrier = (who: string) => async (attempt: number) => {
      attempts[who]!.push(attempt);
      if (attempt > 1) return;
      arrived += 1;
      if (arrived === 2) release();
      await bothSigned;
    };
    const results = await Promise.all([
      signAfterReading(bench.deps, { token: jan, beforeWrite: barrier('jan') }),
      signAfterReading(bench.deps, { token: ann, beforeWrite: barrier('ann') }),
    ]);
    expect(results.map((r) => r.alreadyDone)).to.deep.equal([false, false]);
    expect(results.some((r) => r.envelope.status === 'completed')).to.equal(true);
    // Exactly one of them lost the race and signed again.
    expect([attempts.jan, attempts.ann].map((a) => a.length).sort()).to.deep.equal([1, 2]);
    const { revisions, trail } = await expectValidFinal(envelope, ['Ann', 'Jan']);
    expect(revisions.map((r) => r.kind).slice(0, 7)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'signature', 'ltv', 'timestamp']);
    expect(trail.filter((e) => e.action === 'recipient.signed')).to.have.length(2);
    expect(trail.filter((e) => e.action === 'envelope.completed')).to.have.length(1);
  });

  it('a document changed by a co-signer between reading and writing is signed again; what it signed first is not stored', async () => {
    const envelope = await createAndSend([signer('Piet'), signer('Els')]);
    const [piet, els] = await Promise.all([tokenOf('Piet'), tokenOf('Els')]);
    const attempts: number[] = [];
    const result = await signAfterReading(bench.deps, {
      token: piet,
      beforeWrite: async (attempt) => {
        attempts.push(attempt);
        if (attempt === 1) await signAfterReading(bench.deps, { token: els });
      },
    });
    expect(result.alreadyDone).to.equal(false);
    expect(attempts).to.deep.equal([1, 2]);
    const revisions = await revisionsOf(bench.deps.db, envelope.documents[0]!.id);
    expect(revisions.map((r) => r.kind).slice(0, 7)).to.deep.equal(['original', 'prepared', 'signature', 'ltv', 'signature', 'ltv', 'timestamp']);
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail)).to.deep.include({ valid: true });
    const signed = trail.filter((e) => e.action === 'recipient.signed').map((e) => e.details);
    // Piet's signature is over Els's: the revision he signed is the one her signature made.
    expect(signed.map((d) => d.revisionSeq)).to.deep.equal([3, 5]);
    expect(signed[1]!.signedRevisionSha256).to.equal(revisions[3]!.blobSha256);
    await expectValidFinal(envelope, ['Els', 'Piet']);
  });

  it(`a document that keeps changing: ${ATTEMPTS} attempts, then 409 document_changed, nothing stored`, async () => {
    const envelope = await createAndSend([signer('Karel')]);
    const documentId = envelope.documents[0]!.id;
    const token = await tokenOf('Karel');
    const attempts: number[] = [];
    await expectAppError(
      signAfterReading(bench.deps, {
        token,
        beforeWrite: async (attempt) => {
          attempts.push(attempt);
          // Another writer appends a revision (the same bytes again) while we sign.
          const current = (await revisionsOf(bench.deps.db, documentId)).at(-1)!;
          await bench.deps.db('revisions').insert({ id: randomUUID(), document_id: documentId, seq: current.seq + 1, blob_sha256: current.blobSha256, size: current.size, kind: 'ltv', created_at: new Date().toISOString() });
        },
      }),
      'document_changed',
      409,
    );
    expect(attempts).to.deep.equal([1, 2, 3].slice(0, ATTEMPTS));
    const revisions = await revisionsOf(bench.deps.db, documentId);
    expect(revisions.filter((r) => r.kind === 'signature')).to.have.length(0);
    const trail = await auditTrail(bench, envelope.id);
    expect(trail.filter((e) => e.action === 'recipient.signed')).to.have.length(0);
  });

  it('an envelope cancelled between reading and writing: refused (410 link_gone), nothing stored, the recipient not signed', async () => {
    const envelope = await createAndSend([signer('Lies'), signer('Tom')]);
    const token = await tokenOf('Lies');
    const before = await revisionsOf(bench.deps.db, envelope.documents[0]!.id);
    await expectAppError(
      signAfterReading(bench.deps, {
        token,
        beforeWrite: () => cancelEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: envelope.id, reason: 'Verkeerde versie' }).then(() => undefined),
      }),
      'link_gone',
      410,
    );
    expect(await revisionsOf(bench.deps.db, envelope.documents[0]!.id)).to.deep.equal(before);
    const trail = await auditTrail(bench, envelope.id);
    expect(trail.filter((e) => e.action === 'recipient.signed')).to.have.length(0);
    expect(verifyChain(trail)).to.deep.include({ valid: true });
    const recipient = await bench.deps.db('recipients').where({ envelope_id: envelope.id, name: 'Lies' }).first();
    expect(recipient.status).to.not.equal('signed');
  });

  it('the same signer twice at once (a double click): the slower request answers the signature already made, one signature stored', async () => {
    const envelope = await createAndSend([signer('Rik'), signer('Sara')]);
    const token = await tokenOf('Rik');
    const result = await signAfterReading(bench.deps, {
      token,
      // The same signer's other request (a double click) wins the race.
      beforeWrite: async (attempt) => {
        if (attempt === 1) await signAfterReading(bench.deps, { token });
      },
    });
    expect(result.alreadyDone).to.equal(true);
    const revisions = await revisionsOf(bench.deps.db, envelope.documents[0]!.id);
    expect(revisions.filter((r) => r.kind === 'signature')).to.have.length(1);
  });
});
