/**
 * Twenty years on (issue 9): a decision signed by two people and archived (B-LTA) at t0 by the running service;
 * at t0 + 11 years 8 months the development TSA's certificate (12 years) is within the renewal window, the
 * hourly job asks the built-in TSA for a renewal and the development PKI rolls the TSA key over (a new
 * certificate under the root), so the renewed archive timestamp is made by a certificate that outlives the
 * window. Judged at t0 + 20 years from the file alone (no live revocation source) every signature is B-LTA and
 * valid; at t0 + 40 years the root itself has expired and it is not. Checked with pdfsig, qpdf, openssl ts at
 * each token's genTime, and the CLI `verify --at` in its own process.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadOrCreateDevPki, type DevPki } from '../../../src/keys/index.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { createOrganisation } from '../../../src/store/index.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { createEnvelope, sendEnvelope } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { qpdfDss } from '../../helpers/qpdf-dss.ts';
import { extractSignatures, opensslTsVerify, pdfsig, qpdfCheck } from '../../helpers/validators.ts';
import { auditTrail, BASE_URL, fixture, lastToken, type Bench } from '../workflow/helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

function yearsMonthsAfter(date: Date, years: number, months: number): Date {
  const later = new Date(date);
  later.setUTCFullYear(later.getUTCFullYear() + years, later.getUTCMonth() + months);
  return later;
}

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env);
}

describe('TSA key rollover: a workflow-signed decision is B-LTA and valid twenty years on, from the file alone', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'paraaf-rollover-'));
  let offset = 0;
  const clock = (): Date => new Date(Date.now() + offset);
  let t0: Date;
  let pki: DevPki;
  let app: TestApp;
  let bench: Bench;
  let envelopeId: string;
  let documentId: string;

  /** t0: two signers through the app's own deps; the last signature completes the envelope and archives it (B-LTA). */
  async function completedEnvelope(on: TestApp): Promise<{ bench: Bench; envelopeId: string; documentId: string }> {
    const organisation = await createOrganisation(on.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    const actor = { kind: 'api_key' as const, id: randomUUID(), label: 'zaaksysteem' };
    const benchOf: Bench = { app: on, deps: on.deps.workflow, pki, organisation, actor, advance: (ms) => (offset += ms), close: () => on.close() };
    const created = await createEnvelope(benchOf.deps, {
      organisationId: organisation.id,
      actor,
      title: 'Besluit 2026/101',
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [
        { name: 'Karel Vandamme', email: 'karel@zonnebeke.test', function: 'Voorzitter', role: 'signer', routingOrder: 1 },
        { name: 'Els Maes', email: 'els@zonnebeke.test', function: 'Algemeen directeur', role: 'signer', routingOrder: 2 },
      ],
    });
    await sendEnvelope(benchOf.deps, { organisationId: organisation.id, actor, envelopeId: created.id });
    await signAfterReading(benchOf.deps, { token: await lastToken(benchOf, 'karel@zonnebeke.test') });
    const done = await signAfterReading(benchOf.deps, { token: await lastToken(benchOf, 'els@zonnebeke.test') });
    expect(done.envelope.status).to.equal('completed');
    return { bench: benchOf, envelopeId: created.id, documentId: created.documents[0].id };
  }

  // A second service on the same PKI whose built-in TSA keeps the first TSA key (no rollover): its renewal is refused.
  let fixedApp: TestApp;
  let fixed: { bench: Bench; envelopeId: string; documentId: string };

  before(async () => {
    t0 = clock();
    pki = await loadOrCreateDevPki({ directory: join(dir, 'pki'), organisationName: 'Gemeente Zonnebeke', baseUrl: BASE_URL, now: clock });
    app = await bootstrap({ pki, clock, trustAnchors: [pki.rootCertificate], env: { BASE_URL } });
    fixedApp = await bootstrap({ pki: { ...pki, currentTsaKey: undefined }, clock, trustAnchors: [pki.rootCertificate], env: { BASE_URL } });
    ({ bench, envelopeId, documentId } = await completedEnvelope(app));
    fixed = await completedEnvelope(fixedApp);
  });
  after(async () => {
    await app?.close();
    await fixedApp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renews at t0 + 11 years 8 months with a new TSA key, and the job reports nothing failed', async () => {
    expect((await revisionsOf(app.deps.db, documentId)).filter((r) => r.kind === 'timestamp'), 'archived at completion').to.have.length(1);
    const first = pki.tsaKey.certificates[0];

    offset = yearsMonthsAfter(t0, 11, 8).getTime() - t0.getTime();
    const run = await app.handle.jobs.archiveTimestamps();
    expect(run.failed, 'no envelope failed').to.equal(0);
    expect(run.stamped).to.deep.equal([{ organisationId: bench.organisation.id, envelopeId, documents: 1, purpose: 'renewal' }]);
    const failures = await app.deps.metrics.archiveTimestampFailuresTotal.get();
    expect(failures.values.reduce((sum, v) => sum + v.value, 0)).to.equal(0);

    const current = await pki.currentTsaKey();
    expect(current.certificates[0].equals(first), 'the TSA key rolled over').to.equal(false);
    const stamped = (await auditTrail(bench, envelopeId)).filter((e) => e.action === 'document.timestamped').map((e) => e.details as { purpose: string; tsaCertificate: { subject: string; serialNumber: string; notAfter: string } });
    expect(stamped.map((d) => d.purpose)).to.deep.equal(['completion', 'renewal']);
    expect(stamped[0].tsaCertificate.serialNumber).to.equal(new X509Certificate(first).serialNumber);
    expect(stamped[1].tsaCertificate.serialNumber).to.equal(new X509Certificate(current.certificates[0]).serialNumber);
    expect(stamped[1].tsaCertificate.subject).to.contain('CN=Paraaf Development TSA 2');
    expect(Date.parse(stamped[1].tsaCertificate.notAfter)).to.be.greaterThan(yearsMonthsAfter(t0, 20, 0).getTime());

    // Fresh revocation data for everything the file holds before the renewal (ETSI EN 319 102-1 §5.6.3), and the
    // new TSA certificate with its own after it, all dated at the renewal.
    const trail = await auditTrail(bench, envelopeId);
    const renewal = trail.findIndex((e) => e.action === 'document.timestamped' && (e.details as { purpose: string }).purpose === 'renewal');
    const [fresh, tsaData] = [trail[renewal - 1], trail[renewal + 1]];
    type Added = { ocspResponses: number; certificates: number; withoutRevocation: number };
    expect(fresh.action).to.equal('document.validation_data_added');
    expect((fresh.details as Added).ocspResponses).to.be.greaterThan(0);
    expect((fresh.details as Added).withoutRevocation).to.equal(0);
    expect(tsaData.action).to.equal('document.validation_data_added');
    expect(tsaData.details as Added).to.include({ certificates: 1, withoutRevocation: 0 });
    expect(Date.parse(fresh.occurredAt)).to.be.greaterThan(yearsMonthsAfter(t0, 11, 7).getTime());
    // The same pass again: nothing is due any more, the new certificate has twelve years.
    const again = await app.handle.jobs.archiveTimestamps();
    expect([again.stamped, again.failed]).to.deep.equal([[], 0]);
  });

  it('without rollover the job refuses to renew with the expiring TSA certificate: counted by reason, nothing stored', async () => {
    const before = await revisionsOf(fixedApp.deps.db, fixed.documentId);
    const run = await fixedApp.handle.jobs.archiveTimestamps();
    expect([run.stamped, run.failed, run.tsaExpiring]).to.deep.equal([[], 1, 1]);
    const failures = await fixedApp.deps.metrics.archiveTimestampFailuresTotal.get();
    expect(failures.values.map((v) => [v.labels.reason, v.value])).to.deep.equal([['tsa_expiring', 1]]);
    expect(await revisionsOf(fixedApp.deps.db, fixed.documentId)).to.have.length(before.length);
    const stamped = (await auditTrail(fixed.bench, fixed.envelopeId)).filter((e) => e.action === 'document.timestamped');
    expect(stamped).to.have.length(1);
  });

  it('verifies at t0 + 20 years from embedded data only: valid, every signature B-LTA; at t0 + 40 years not valid', async () => {
    const revisions = await revisionsOf(app.deps.db, documentId);
    const pdf = await app.deps.blobs.get(revisions.at(-1)!.blobSha256);
    const anchors = [pki.rootCertificate];

    const at20 = yearsMonthsAfter(t0, 20, 0);
    const report = await verifyPdf(pdf, { trustAnchors: anchors, at: at20 });
    const summary = JSON.stringify(report.signatures.map((s) => [s.subFilter, s.valid, s.level, s.problems, s.timestamp?.chain.reason]));
    expect(report.verdict, summary).to.equal('valid');
    const cades = report.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    const stamps = report.signatures.filter((s) => s.subFilter === 'ETSI.RFC3161');
    expect(cades, summary).to.have.length(2);
    expect(stamps, summary).to.have.length(2);
    for (const signature of cades) {
      expect(signature.level.achieved, summary).to.equal('B-LTA');
      expect(signature.timeSource).to.equal('timestamp');
      expect(signature.revocation.certificates.every((c) => c.origin === 'dss'), 'embedded revocation data only').to.equal(true);
    }
    expect(stamps.at(-1)!.timestamp!.tsa!.subject).to.contain('CN=Paraaf Development TSA 2');
    const rolled = (await pki.currentTsaKey()).certificates[0];
    expect(qpdfDss(pdf).certs.some((c) => c.equals(rolled)), 'the new TSA certificate in the DSS').to.equal(true);

    const at40 = await verifyPdf(pdf, { trustAnchors: anchors, at: yearsMonthsAfter(t0, 40, 0) });
    expect(at40.verdict, 'the root has expired by then').to.not.equal('valid');
    expect(at40.valid).to.equal(false);

    // Independent validators: pdfsig (both signatures, judged today), qpdf, and every document timestamp with
    // openssl ts at its own genTime (the renewal's TSA certificate is not valid yet today).
    const file = join(dir, 'decision.pdf');
    writeFileSync(file, pdf);
    const sig = await pdfsig(file, [pki.rootCertificate.toString()]);
    const signed = sig.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    expect(signed, sig.stdout).to.have.length(2);
    for (const s of signed) expect(s.signatureValid && s.certificateTrusted, sig.stdout).to.equal(true);
    const qpdf = await qpdfCheck(file);
    expect(qpdf.ok, qpdf.stdout + qpdf.stderr).to.equal(true);
    const extracted = extractSignatures(pdf);
    const isStamp = (i: number) => stamps.some((s) => s.integrity.byteRange.join(' ') === extracted[i].byteRange.join(' '));
    const stampIndexes = extracted.map((_, i) => i).filter(isStamp);
    expect(stampIndexes).to.have.length(2);
    for (const [n, i] of stampIndexes.entries()) {
      const genTime = new Date(stamps[n].timestamp!.genTime!);
      const checked = await opensslTsVerify(pdf, i, pki.rootCertificate.toString(), { at: genTime });
      expect(checked.ok, `openssl ts -verify #${i}: ${checked.output}`).to.equal(true);
    }
    expect(Date.parse(stamps[1].timestamp!.genTime!)).to.be.greaterThan(yearsMonthsAfter(t0, 11, 7).getTime());

    // The CLI, in its own process, offline: exit 0 at t0 + 20 years, 1 at t0 + 40.
    writeFileSync(join(dir, 'root.pem'), pki.rootCertificate.toString());
    const env = { CERTS_DIR: join(dir, 'cli-certs'), DATA_DIR: join(dir, 'cli-data'), LOG_LEVEL: 'silent' };
    const ok = await cli(['verify', file, '--trust', join(dir, 'root.pem'), '--at', at20.toISOString()], env);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(`judged as of ${at20.toISOString()}`);
    const late = await cli(['verify', file, '--trust', join(dir, 'root.pem'), '--at', yearsMonthsAfter(t0, 40, 0).toISOString()], env);
    expect(late.code, late.stdout).to.equal(1);
  });
});
