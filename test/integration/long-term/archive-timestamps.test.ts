/**
 * B-LTA in the workflow (issue 9): a completed envelope's documents get an archive timestamp (DSS,
 * document timestamp, the TSA's DSS) as new revisions with audit events; the scheduled job gives one to
 * a completed envelope whose timestamp failed at completion, never twice within its minimum interval, and
 * refuses to renew with a TSA certificate that itself expires within the renewal window. Outputs checked with pdfsig, qpdf and openssl ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { TimestampError } from '../../../src/errors.ts';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { createEnvelope, sendEnvelope } from '../../../src/workflow/index.ts';
import { renewArchiveTimestamps, timestampCompletedEnvelope, timestampEnvelope } from '../../../src/workflow/archive-timestamps.ts';
import type { LongTermDeps } from '../../../src/workflow/long-term.ts';
import { qpdfDss } from '../../helpers/qpdf-dss.ts';
import { extractSignatures, pdfsig, qpdfCheck, signedContent } from '../../helpers/validators.ts';
import { auditTrail, fixture, lastToken, openBench, type Bench } from '../workflow/helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const dir = mkdtempSync(join(tmpdir(), 'paraaf-lta-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('workflow: archive timestamps (B-LTA) at completion and their renewal', function () {
  this.timeout(180_000);
  let bench: Bench;
  let longTerm: LongTermDeps;

  before(async () => {
    bench = await openBench();
    longTerm = {
      ...bench.deps,
      timeStamper: createBuiltInTsa({ key: bench.pki.tsaKey, policy: '2.25.1', clock: bench.deps.clock }),
      authorities: bench.pki.authorities,
      pki: bench.pki.provider,
    };
  });
  after(() => bench.close());

  /** Signs through the link as the service does: the completion gets its archive timestamp in the same call. */
  async function completedEnvelope(title: string, signing: typeof bench.deps = bench.deps): Promise<{ envelopeId: string; documentId: string }> {
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title,
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ name: 'Karel Vandamme', email: 'karel@zonnebeke.test', function: 'Voorzitter', role: 'signer', routingOrder: 1 }],
    });
    await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    const signed = await signAfterReading(signing, { token: await lastToken(bench, 'karel@zonnebeke.test') });
    expect(signed.envelope.status).to.equal('completed');
    return { envelopeId: created.id, documentId: created.documents[0].id };
  }

  async function expectArchived(pdf: Buffer, timestamps: number): Promise<void> {
    const path = join(dir, `lta-${Date.now()}.pdf`);
    writeFileSync(path, pdf);
    const check = await qpdfCheck(path);
    expect(check.ok, check.stdout + check.stderr).to.equal(true);
    const sig = await pdfsig(path, [bench.pki.rootCertificate.toString()]);
    const cades = sig.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    expect(cades, sig.stdout).to.have.length(1);
    expect(cades[0].signatureValid && cades[0].certificateTrusted, sig.stdout).to.equal(true);
    const tsa = bench.pki.tsaKey.certificates[0];
    expect(qpdfDss(pdf).certs.some((c) => c.equals(tsa)), 'TSA certificate in the DSS').to.equal(true);
    const stamps = extractSignatures(pdf).filter((s) => pdf.toString('latin1', s.offset - 400, s.offset + 400).includes('/ETSI.RFC3161'));
    expect(stamps).to.have.length(timestamps);
    writeFileSync(join(dir, 'root.pem'), bench.pki.rootCertificate.toString());
    for (const [i, stamp] of stamps.entries()) {
      writeFileSync(join(dir, `t${i}.tst`), stamp.contents);
      writeFileSync(join(dir, `t${i}.bin`), signedContent(pdf, stamp.byteRange));
      const out = execFileSync('openssl', ['ts', '-verify', '-token_in', '-in', `t${i}.tst`, '-data', `t${i}.bin`, '-CAfile', 'root.pem'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
      expect(out).to.match(/Verification: OK/);
    }
  }

  it('stamps an envelope when its last signature completes it, once, with its audit events, and the file stays valid', async () => {
    const { envelopeId, documentId } = await completedEnvelope('Besluit 2026/050');
    const target = { organisationId: bench.organisation.id, envelopeId };
    expect(await timestampEnvelope(longTerm, target, 'completion'), 'a repeat stamps nothing').to.equal(0);
    const revisions = await revisionsOf(bench.deps.db, documentId);
    // After the timestamp a DSS revision only when its TSA brought something new (here it also stamped the signature).
    const kinds = revisions.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'timestamp')).to.have.length(1);
    expect(kinds.slice(kinds.indexOf('timestamp') + 1).every((k) => k === 'ltv')).to.equal(true);
    await expectArchived(await bench.deps.blobs.get(revisions.at(-1)!.blobSha256), 1);
    const trail = await auditTrail(bench, envelopeId);
    expect(verifyChain(trail).valid).to.equal(true);
    const stamped = trail.filter((e) => e.action === 'document.timestamped');
    expect(stamped).to.have.length(1);
    expect(stamped[0].details).to.include({ documentId, purpose: 'completion' });
    const added = trail.filter((e) => e.action === 'document.validation_data_added').map((e) => e.details as { withoutRevocation: number; ocspResponses: number });
    expect(added.length).to.be.greaterThan(0);
    for (const details of added) expect(details.withoutRevocation, 'every certificate has revocation data').to.equal(0);
  });

  it('the job stamps what failed at completion, not twice a week, and never renews with a TSA certificate that expires within the window', async () => {
    // The TSA answers for the signature, then is down when the completion asks for the document timestamp.
    let calls = 0;
    const flaky = { timestamp: (digest: Buffer, hash: 'sha256' | 'sha384' | 'sha512') => (++calls === 1 ? longTerm.timeStamper.timestamp(digest, hash) : Promise.reject(new TimestampError())) };
    const { envelopeId, documentId } = await completedEnvelope('Besluit 2026/051', { ...bench.deps, timeStamper: flaky });
    expect(calls).to.equal(2);
    const target = { organisationId: bench.organisation.id, envelopeId };
    expect((await revisionsOf(bench.deps.db, documentId)).map((r) => r.kind), 'signed at B-LT, no archive timestamp').to.deep.equal(['original', 'prepared', 'signature', 'ltv']);
    await timestampCompletedEnvelope({ ...longTerm, timeStamper: flaky }, target);
    expect((await revisionsOf(bench.deps.db, documentId)).some((r) => r.kind === 'timestamp'), 'nothing stored when the TSA is down').to.equal(false);

    let run = await renewArchiveTimestamps(longTerm);
    expect(run.failed).to.equal(0);
    expect(run.stamped.filter((s) => s.envelopeId === envelopeId)).to.deep.equal([{ ...target, documents: 1, purpose: 'completion' }]);

    // The dev TSA certificate lives 12 years: nothing to renew now, and within a week not even when it is due.
    run = await renewArchiveTimestamps(longTerm);
    expect(run.stamped.filter((s) => s.envelopeId === envelopeId)).to.deep.equal([]);
    run = await renewArchiveTimestamps(longTerm, { renewBeforeMs: 20 * YEAR_MS });
    expect(run.stamped.filter((s) => s.envelopeId === envelopeId)).to.deep.equal([]);
    expect(run.failed).to.equal(0);
    // A week on it is due, but this TSA's certificate (the same one) expires within the 20-year window too: a
    // renewal with it would prove nothing, so the job refuses loudly and stores nothing (tsa-rollover.test.ts
    // renews with a rolled-over TSA key).
    bench.advance(8 * 24 * 60 * 60 * 1000);
    run = await renewArchiveTimestamps(longTerm, { renewBeforeMs: 20 * YEAR_MS });
    expect(run.stamped.filter((s) => s.envelopeId === envelopeId)).to.deep.equal([]);
    expect(run.failed).to.be.greaterThan(0);
    expect(run.tsaExpiring).to.equal(run.failed);

    const revisions = await revisionsOf(bench.deps.db, documentId);
    expect(revisions.filter((r) => r.kind === 'timestamp')).to.have.length(1);
    await expectArchived(await bench.deps.blobs.get(revisions.at(-1)!.blobSha256), 1);
    const trail = await auditTrail(bench, envelopeId);
    expect(verifyChain(trail).valid).to.equal(true);
    expect(trail.filter((e) => e.action === 'document.timestamped').map((e) => (e.details as { purpose: string }).purpose)).to.deep.equal(['completion']);
  });
});
