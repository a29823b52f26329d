/**
 * Tampering with a file signed three times: a byte changed in the original part breaks all three
 * signatures; a byte changed in the third update breaks only the third; a later update that
 * changes what a reader shows keeps every signature's integrity but makes the file invalid
 * (ISO 32000-2 §12.8.2.2: only signatures, form filling and validation data may follow).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PdfReader, signPdf, verifyPdf, type ValidationReport } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';
import { IncrementalUpdate, PdfRef, PdfStream, appendToArray, dict, name, pageRefs, updateDict } from '../../../src/pdf/index.ts';
import { extractSignatures, pdfsig, type PdfsigSignature } from '../../helpers/validators.ts';
import { expectAllValid, unsignedPdfsigFields, writeScratch } from './check.ts';
import { FIXTURES, tempDevPki } from './pki.ts';

const SIGNERS = [
  { name: 'An Peeters', placement: { page: 1, x: 50, y: 50, width: 160, height: 50 } },
  { name: 'Bart De Smet', placement: { page: 1, x: 220, y: 50, width: 160, height: 50 } },
  { name: 'Chloé Vermeulen', placement: { page: 1, x: 390, y: 50, width: 160, height: 50 } },
];

function flipped(pdf: Buffer, offset: number, to?: number): Buffer {
  const copy = Buffer.from(pdf);
  copy[offset] = to ?? copy[offset] ^ 0x01;
  return copy;
}

async function judge(pdf: Buffer, root: string): Promise<{ report: ValidationReport; theirs: PdfsigSignature[] }> {
  const path = await writeScratch(pdf, 'tampered');
  const [report, sig] = await Promise.all([verifyPdf(pdf, { trustAnchors: [new X509Certificate(root)] }), pdfsig(path, [root])]);
  const unsigned = unsignedPdfsigFields(sig.stdout);
  return { report, theirs: sig.signatures.filter((s) => !unsigned.has(s.index)) };
}

describe('engine: tampering with a file signed three times', () => {
  let pki: DevPki;
  let root: string;
  const input = readFileSync(join(FIXTURES, 'libreoffice-decision.pdf'));
  const revisions: Buffer[] = [];
  let signed: Buffer;

  before(async () => {
    pki = await tempDevPki();
    root = readFileSync(pki.rootPem, 'utf8');
    signed = input;
    for (const signer of SIGNERS) {
      const key = await pki.issuer.issueOneShot({ name: signer.name });
      signed = await signPdf(signed, { key, signer: { name: signer.name }, placement: signer.placement });
      revisions.push(signed);
    }
    await expectAllValid(signed, root, { count: 3, label: 'untampered' });
  });

  it('a byte changed in the original part invalidates all three signatures', async () => {
    // Inside a stream's data: the file still parses, only the signed bytes differ.
    const streamAt = input.indexOf('stream\n', input.length / 3, 'latin1') + 'stream\n'.length;
    const offset = streamAt + 16;
    expect(input.indexOf('endstream', streamAt, 'latin1')).to.be.greaterThan(offset);
    const { report, theirs } = await judge(flipped(signed, offset), root);
    expect(report.signatures).to.have.length(3);
    expect(report.signatures.map((s) => s.integrity.valid)).to.deep.equal([false, false, false]);
    expect(report.verdict).to.equal('invalid');
    expect(theirs).to.have.length(3);
    expect(theirs.map((s) => s.signatureValid), theirs.map((s) => s.rawStatus).join('; ')).to.deep.equal([false, false, false]);
  });

  it('one character of the third appearance text changed invalidates only the third signature', async () => {
    const third = extractSignatures(signed)[2];
    const [, gapStart, gapEnd] = third.byteRange;
    const text = signed.toString('latin1');
    const nameHex = Buffer.from('Vermeulen', 'latin1').toString('hex');
    // The appearance draws text as `<hex> Tj`; the CMS in the /Contents gap holds the same name, so skip the gap.
    const re = /<([0-9a-f]+)> Tj/g;
    re.lastIndex = revisions[1].length;
    let at = -1;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const inGap = m.index >= gapStart && m.index < gapEnd;
      if (!inGap && m[1].includes(nameHex)) {
        at = m.index + 1 + m[1].indexOf(nameHex) + 1; // second hex digit of 'V' (0x56 → 0x57, 'W')
        break;
      }
    }
    expect(at, 'appearance text of the third signer').to.be.greaterThan(revisions[1].length);
    expect(signed[at]).to.equal('6'.charCodeAt(0));
    const { report, theirs } = await judge(flipped(signed, at, '7'.charCodeAt(0)), root);
    expect(report.signatures.map((s) => s.integrity.valid)).to.deep.equal([true, true, false]);
    expect(report.signatures.map((s) => s.valid)).to.deep.equal([true, true, false]);
    expect(report.verdict).to.equal('invalid');
    expect(theirs.map((s) => s.signatureValid), theirs.map((s) => s.rawStatus).join('; ')).to.deep.equal([true, true, false]);
  });

  it("a later update that changes a page's /Contents keeps integrity but makes the file invalid", async () => {
    const reader = PdfReader.open(signed);
    const update = new IncrementalUpdate(reader);
    const page = pageRefs(reader)[0];
    const old = reader.dict(page)!.get('Contents');
    const overlay = update.add(new PdfStream(dict({}), Buffer.from('q 1 0 0 rg 100 400 200 50 re f Q\n', 'latin1')));
    const contents = Array.isArray(old) ? [...old, overlay] : old ? [old, overlay] : [overlay];
    updateDict(update, page, { Contents: contents });
    const tampered = Buffer.concat([signed, update.build().bytes]);
    await expectTamperedAfterwards(tampered);
  });

  it('a later update that adds a page keeps integrity but makes the file invalid', async () => {
    const reader = PdfReader.open(signed);
    const update = new IncrementalUpdate(reader);
    const pagesRoot = reader.catalog().get('Pages') as PdfRef;
    const contents = update.add(new PdfStream(dict({}), Buffer.from('q 0 0 1 rg 100 400 200 50 re f Q\n', 'latin1')));
    const page = update.add(dict({ Type: name('Page'), Parent: pagesRoot, MediaBox: [0, 0, 595, 842], Resources: dict({}), Contents: contents }));
    appendToArray(update, pagesRoot, 'Kids', page);
    updateDict(update, pagesRoot, { Count: pageRefs(reader).length + 1 });
    const tampered = Buffer.concat([signed, update.build().bytes]);
    expect(pageRefs(PdfReader.open(tampered))).to.have.length(pageRefs(reader).length + 1);
    await expectTamperedAfterwards(tampered);
  });

  async function expectTamperedAfterwards(tampered: Buffer): Promise<void> {
    expect(tampered.subarray(0, signed.length).equals(signed)).to.equal(true);
    const { report, theirs } = await judge(tampered, root);
    expect(report.signatures).to.have.length(3);
    for (const s of report.signatures) {
      expect(s.integrity.valid, s.fieldName).to.equal(true);
      expect(s.coverage.modificationsAfter, `${s.fieldName}: ${s.coverage.changes.join('; ')}`).to.equal('other');
      expect(s.valid, s.fieldName).to.equal(false);
    }
    expect(report.verdict).to.equal('invalid');
    // pdfsig checks each signature's bytes only; the changes after it are what our verifier adds.
    expect(theirs.map((s) => s.signatureValid), theirs.map((s) => s.rawStatus).join('; ')).to.deep.equal([true, true, true]);
    expect(theirs.map((s) => s.totalDocumentSigned)).to.deep.equal([false, false, false]);
  }
});
