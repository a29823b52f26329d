/**
 * Our OCSP answers in the B-LT data of sign requests (issue 11): the answer about the organisation's CA and
 * the TSA's certificate is signed once and given again to the next signatures (deps.validationDataCache),
 * the signer's own certificate gets a new answer every signature, and a revocation of the CA recorded in
 * revoked_certificates (`cert revoke`) is in the very next signature's data. Each file verifies.
 */
import { expect } from 'chai';
import { PdfReader, readDss } from '../../../src/pdf/index.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { revokeCertificate } from '../../../src/store/revoked-certificates.ts';
import { createEnvelope, sendEnvelope } from '../../../src/workflow/index.ts';
import { certificateSha256 } from '../../../src/workflow/pki-publication.ts';
import { signAfterReading } from '../../helpers/reading.ts';
import { fixture, lastToken, openBench, type Bench } from '../workflow/helpers.ts';

describe('long-term: our OCSP answers about CAs are reused across sign requests, the signer’s never', function () {
  this.timeout(120_000);
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  /** One envelope, one signer, signed: the revision the sign request ended with (B-LT) and its /DSS OCSP responses, hex. */
  async function signOne(title: string): Promise<{ pdf: Buffer; ocsps: Set<string> }> {
    const email = `${title.toLowerCase().replace(/\W+/g, '-')}@zonnebeke.test`;
    const created = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title,
      documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ name: 'Karel Vandamme', email, function: 'Voorzitter', role: 'signer', routingOrder: 1 }],
    });
    await sendEnvelope(bench.deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    await signAfterReading(bench.deps, { token: await lastToken(bench, email) });
    const revisions = await revisionsOf(bench.deps.db, created.documents[0].id);
    // The signature and its B-LT revision; then the completion's archive timestamp (B-LTA), not looked at here.
    const signed = revisions.findIndex((r) => r.kind === 'signature');
    expect(revisions[signed + 1]?.kind).to.equal('ltv');
    const pdf = await bench.deps.blobs.get(revisions[signed + 1].blobSha256);
    return { pdf, ocsps: new Set(readDss(PdfReader.open(pdf)).ocsps.map((der) => der.toString('hex'))) };
  }
  const shared = (a: Set<string>, b: Set<string>) => [...a].filter((der) => b.has(der)).length;
  const signature = async (pdf: Buffer) => (await verifyPdf(pdf, { trustAnchors: [bench.pki.rootCertificate] })).signatures.find((s) => s.subFilter === 'ETSI.CAdES.detached')!;

  it('gives the CA’s and the TSA’s answers again, signs the signer’s anew, and answers a revoked CA as revoked at once', async () => {
    const first = await signOne('Besluit 2026/101');
    // Seconds later: an answer signed anew would differ even from one by the root's RSA key, which signs deterministically.
    bench.advance(5_000);
    const second = await signOne('Besluit 2026/102');
    // Signer, organisation CA (by the root) and TSA (by the root): three answers each, two of them the very same bytes.
    expect(first.ocsps.size).to.equal(3);
    expect(second.ocsps.size).to.equal(3);
    expect(shared(first.ocsps, second.ocsps)).to.equal(2);
    for (const { pdf } of [first, second]) {
      const signed = await signature(pdf);
      expect(signed.valid, JSON.stringify(signed.problems)).to.equal(true);
      expect(signed.level.achieved).to.equal('B-LT');
      expect(signed.revocation.certificates.every((c) => c.status === 'good' && c.origin === 'dss')).to.equal(true);
    }

    const ca = (await bench.pki.provider.forOrganisation(bench.organisation)).caCertificates[0];
    await revokeCertificate(bench.deps.db, {
      issuerSha256: certificateSha256(bench.pki.rootCertificate.raw),
      serial: ca.serialNumber,
      organisationId: null,
      revokedAt: new Date(Date.now() - 60_000),
      reason: 'cACompromise',
      now: new Date(),
    });
    bench.advance(5_000);
    const third = await signOne('Besluit 2026/103');
    expect(shared(first.ocsps, third.ocsps), 'only the TSA’s answer is given again').to.equal(1);
    const signed = await signature(third.pdf);
    expect(signed.valid).to.equal(false);
    expect(signed.revocation.certificates.map((c) => c.status)).to.include('revoked');
  });
});
