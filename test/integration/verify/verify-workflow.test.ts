/**
 * Verification of what the workflow produces (issue 9): a decision signed through an envelope with the
 * organisation's own CA and archived (B-LTA) verifies valid now and ten years ahead from embedded data
 * only (twenty needs the renewed archive timestamp: the development TSA certificate lives 12 years); after `cert revoke` (the revoked_certificates store, revocation time = notBefore) our own CA's
 * live answer reports it revoked, while the file's own /DSS alone still says what it said at signing.
 */
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { revokeCertificate } from '../../../src/store/revoked-certificates.ts';
import { timestampEnvelope } from '../../../src/workflow/archive-timestamps.ts';
import { createEnvelope, sendEnvelope } from '../../../src/workflow/index.ts';
import type { LongTermDeps } from '../../../src/workflow/long-term.ts';
import { certificateSha256 } from '../../../src/workflow/pki-publication.ts';
import { fixture, lastToken, openBench, type Bench } from '../workflow/helpers.ts';
import { signAfterReading } from '../../helpers/reading.ts';

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

describe('verifyPdf on workflow output: B-LTA, twenty years ahead, and cert revoke', function () {
  this.timeout(180_000);
  let bench: Bench;
  let pdf: Buffer;

  before(async () => {
    bench = await openBench();
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'Besluit 2026/077',
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ name: 'Karel Vandamme', email: 'karel@zonnebeke.test', function: 'Voorzitter', role: 'signer', routingOrder: 1 }],
    });
    await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    await signAfterReading(bench.deps, { token: await lastToken(bench, 'karel@zonnebeke.test') });
    const longTerm: LongTermDeps = {
      ...bench.deps,
      timeStamper: createBuiltInTsa({ key: bench.pki.tsaKey, policy: '2.25.1', clock: bench.deps.clock }),
      authorities: bench.pki.authorities,
      pki: bench.pki.provider,
    };
    await timestampEnvelope(longTerm, { organisationId: bench.organisation.id, envelopeId: created.id }, 'completion');
    const revisions = await revisionsOf(bench.deps.db, created.documents[0].id);
    pdf = await bench.deps.blobs.get(revisions.at(-1)!.blobSha256);
  });
  after(() => bench.close());

  const anchors = (): X509Certificate[] => [bench.pki.rootCertificate];

  it('is B-LTA and valid now and ten years ahead on embedded data only; twenty years ahead needs a renewed archive timestamp', async () => {
    const now = await verifyPdf(pdf, { trustAnchors: anchors() });
    expect(now.verdict, JSON.stringify(now.signatures.map((s) => [s.problems, s.level]))).to.equal('valid');
    const signature = now.signatures.find((s) => s.subFilter === 'ETSI.CAdES.detached')!;
    expect(signature.level.achieved, JSON.stringify(signature.level)).to.equal('B-LTA');
    expect(signature.signer?.organisation).to.equal('Gemeente Zonnebeke');
    expect(signature.timeSource).to.equal('timestamp');
    expect(signature.revocation.certificates.every((c) => c.status === 'good' && c.origin === 'dss')).to.equal(true);

    const ahead = await verifyPdf(pdf, { trustAnchors: anchors(), at: new Date(Date.now() + 10 * YEAR_MS) });
    expect(ahead.verdict, JSON.stringify(ahead.signatures.map((s) => [s.problems, s.timestamp?.chain]))).to.equal('valid');
    // Past the development TSA certificate's 12 years only a renewed archive timestamp (the scheduled job) keeps it valid.
    const beyond = await verifyPdf(pdf, { trustAnchors: anchors(), at: new Date(Date.now() + 20 * YEAR_MS) });
    expect(beyond.verdict).to.equal('untrusted');
    expect(beyond.signatures.at(-1)!.timestamp!.chain.reason).to.match(/^certificate expired on \S+, before the time it is judged at \(CN=Paraaf Development TSA/);
  });

  it('after cert revoke, the live answer of our own CA reports the signer revoked', async () => {
    const signature = (await verifyPdf(pdf, { trustAnchors: anchors() })).signatures.find((s) => s.subFilter === 'ETSI.CAdES.detached')!;
    const issuer = (await bench.pki.provider.forOrganisation(bench.organisation)).caCertificates[0];
    const leaf = signature.signer!;
    await revokeCertificate(bench.deps.db, {
      issuerSha256: certificateSha256(issuer.raw),
      serial: leaf.serialNumber,
      organisationId: bench.organisation.id,
      revokedAt: new Date(leaf.validFrom),
      reason: 'keyCompromise',
      now: new Date(),
    });
    const live = await verifyPdf(pdf, { trustAnchors: anchors(), revocation: bench.deps.revocation });
    const revoked = live.signatures.find((s) => s.subFilter === 'ETSI.CAdES.detached')!;
    expect(live.verdict).to.equal('invalid');
    expect(revoked.valid).to.equal(false);
    expect(revoked.revocation.certificates[0]).to.include({ status: 'revoked', origin: 'live', source: 'ocsp', reason: 'keyCompromise' });
    const offline = await verifyPdf(pdf, { trustAnchors: anchors() });
    expect(offline.verdict, 'the embedded data predates the revocation').to.equal('valid');
  });
});
