/**
 * The Document Security Store (ETSI EN 319 142-1 §5.4.2): readDss against a pyHanko B-LTA file, and
 * appendDss on a classic-table and an xref-stream file, checked with qpdf (--check and --json), not only
 * with our own reader; earlier bytes stay untouched and an existing /DSS is merged, not replaced.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { appendDss, readDss } from '../../../src/pdf/dss.ts';
import { PdfReader } from '../../../src/pdf/index.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { qpdfCheck } from '../../helpers/validators.ts';
import { qpdfDss } from '../../helpers/qpdf-dss.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/pdf');
const CORPUS = join(import.meta.dirname, '../../../../shared/pdf-corpus');

const dir = mkdtempSync(join(tmpdir(), 'paraaf-dss-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('pdf/dss', () => {
  it('reads the DSS of a pyHanko B-LTA file (indirect arrays) as qpdf does', () => {
    const pdf = readFileSync(join(CORPUS, 'pyhanko_pades-lta-dss-indirect-arrs-test.pdf'));
    const ours = readDss(PdfReader.open(pdf));
    const theirs = qpdfDss(pdf);
    expect(ours.certs.length).to.be.greaterThan(0);
    expect(ours.certs).to.deep.equal(theirs.certs);
    expect(ours.ocsps).to.deep.equal(theirs.ocsps);
    expect(ours.crls).to.deep.equal(theirs.crls);
    for (const cert of ours.certs) expect(() => new X509Certificate(cert)).not.to.throw();
  });

  it('returns empty lists for a file without DSS', () => {
    expect(readDss(PdfReader.open(readFileSync(join(FIXTURES, 'qpdf-classic.pdf'))))).to.deep.equal({ certs: [], ocsps: [], crls: [] });
  });

  for (const fixture of ['qpdf-classic.pdf', 'qpdf-objstm.pdf', 'hybrid-xref.pdf']) {
    it(`${fixture}: appends a DSS in the file's xref style and merges a second one`, async () => {
      const input = readFileSync(join(FIXTURES, fixture));
      const p = pki();
      const ocsp = Buffer.from('3003 0a0101'.replace(/ /g, ''), 'hex'); // OCSPResponse { malformedRequest }: any DER will do here
      const crl = Buffer.from('300a300802010130030201ff', 'hex');
      const first = appendDss(input, { certs: [p.root.cert.raw, p.intermediate.cert.raw], ocsps: [ocsp] });
      expect(first.pdf.subarray(0, input.length).equals(input)).to.equal(true);
      expect(first.added).to.deep.equal({ certs: 2, ocsps: 1, crls: 0 });
      expect(PdfReader.open(first.pdf).xref.kind).to.equal(PdfReader.open(input).xref.kind);
      const second = appendDss(first.pdf, { certs: [p.intermediate.cert.raw, p.rsa.cert.raw], crls: [crl], ocsps: [ocsp] });
      expect(second.added).to.deep.equal({ certs: 1, ocsps: 0, crls: 1 });
      expect(second.pdf.subarray(0, first.pdf.length).equals(first.pdf)).to.equal(true);
      expect(appendDss(second.pdf, { certs: [p.root.cert.raw] }).pdf).to.equal(second.pdf);

      const path = join(dir, `${fixture}-dss.pdf`);
      writeFileSync(path, second.pdf);
      const check = await qpdfCheck(path);
      expect(check.errors, check.stdout + check.stderr).to.deep.equal([]);
      expect(check.ok, check.stdout + check.stderr).to.equal(true);
      const theirs = qpdfDss(second.pdf);
      expect(theirs.certs).to.deep.equal([p.root.cert.raw, p.intermediate.cert.raw, p.rsa.cert.raw]);
      expect(theirs.ocsps).to.deep.equal([ocsp]);
      expect(theirs.crls).to.deep.equal([crl]);
      expect(JSON.stringify(theirs.extensions)).to.match(/ESIC/);
      expect(readDss(PdfReader.open(second.pdf))).to.deep.equal({ certs: theirs.certs, ocsps: theirs.ocsps, crls: theirs.crls });
    });
  }
});
