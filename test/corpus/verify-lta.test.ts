/**
 * A real-world B-LTA file made by pyHanko (../shared/pdf-corpus/pyhanko_pades-lta-dss-indirect-arrs-test.pdf,
 * read in place): its /DSS uses indirect arrays and holds an OCSP response for the signer and CRLs for the
 * CAs. Trusting its test root (taken from its own DSS, for this test only), verifyPdf must read it as
 * B-LTA, with the signer judged at the signature timestamp's genTime from embedded revocation data only.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPdf } from '../../src/pades/index.ts';
import { readDss } from '../../src/pdf/dss.ts';
import { PdfReader } from '../../src/pdf/index.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/pdf-corpus/pyhanko_pades-lta-dss-indirect-arrs-test.pdf');

describe('real-world corpus: a pyHanko B-LTA file', () => {
  let pdf: Buffer;
  let root: X509Certificate;
  before(() => {
    expect(existsSync(file), `corpus not found at ${file}`).to.equal(true);
    pdf = readFileSync(file);
    const roots = readDss(PdfReader.open(pdf)).certs.map((der) => new X509Certificate(der)).filter((c) => c.subject === c.issuer);
    expect(roots).to.have.length(1);
    root = roots[0];
  });

  it('is B-LTA: signature timestamp, DSS with OCSP and CRLs, a document timestamp over it', async () => {
    const report = await verifyPdf(pdf, { trustAnchors: [root] });
    expect(report.verdict, JSON.stringify(report.signatures.map((s) => s.problems))).to.equal('valid');
    const [signature, archive] = report.signatures;
    expect(signature.level).to.deep.equal({ achieved: 'B-LTA', reasons: [] });
    expect(signature.timeSource).to.equal('timestamp');
    expect(signature.judgedAt).to.equal(signature.timestamp!.genTime);
    expect(signature.revocation.certificates.map((c) => [c.status, c.source, c.origin])).to.deep.equal([['good', 'ocsp', 'dss'], ['good', 'crl', 'dss']]);
    expect(archive.subFilter).to.equal('ETSI.RFC3161');
    expect(archive).to.include({ valid: true, timeSource: 'timestamp' });
    expect(archive.problems).to.deep.equal([]);
  });

  it('without its root it is untrusted, and nothing is reported revoked', async () => {
    const report = await verifyPdf(pdf, { trustAnchors: [] });
    expect(report.verdict).to.equal('untrusted');
    expect(report.signatures.every((s) => s.revocation.status === 'not_checked')).to.equal(true);
  });
});
