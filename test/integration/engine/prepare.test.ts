/**
 * prepareForSigning then signing each prepared field by name: a signature page is appended for
 * signers without a placement, no page with explicit placements, and on an already-signed file
 * only invisible fields (a new page would be a change the earlier signature forbids, §12.8.2.2).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PdfReader, prepareForSigning, signPdf, type SignerSlot } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';
import { listFields } from '../../../src/pdf/index.ts';
import { expectAllValid, writeScratch } from './check.ts';
import { FIXTURES, OTHER_TOOL_ROOT, tempDevPki } from './pki.ts';

const exec = promisify(execFile);

async function pdfinfoPages(pdf: Buffer): Promise<number> {
  const { stdout } = await exec('pdfinfo', [await writeScratch(pdf, 'pdfinfo')]);
  const match = /^Pages:\s+(\d+)/m.exec(stdout);
  if (!match) throw new Error(`pdfinfo printed no page count:\n${stdout}`);
  return Number(match[1]);
}

async function pageText(pdf: Buffer, page: number): Promise<string> {
  const { stdout } = await exec('pdftotext', ['-f', String(page), '-l', String(page), '-enc', 'UTF-8', await writeScratch(pdf, 'pdftotext'), '-']);
  return stdout;
}

const SIGNERS: SignerSlot[] = [
  { label: 'De algemeen directeur', name: 'An Peeters', function: 'Algemeen directeur' },
  { label: 'De voorzitter', name: 'Bart De Smet', function: 'Voorzitter van de gemeenteraad' },
];

/** Empty signature fields (no /V) with their widget rectangles. */
function emptySignatureFields(pdf: Buffer): { name: string; rect: number[] }[] {
  const reader = PdfReader.open(pdf);
  return listFields(reader)
    .filter((f) => f.type === 'Sig' && !f.dict.has('V'))
    .map((f) => ({ name: f.name, rect: ((reader.dict(f.widgets[0])?.get('Rect') as number[] | undefined) ?? []).map(Number) }));
}

async function signAll(pki: DevPki, pdf: Buffer, fieldNames: string[], roots: string[], earlier: number, label: string): Promise<Buffer> {
  let out = pdf;
  for (const [i, fieldName] of fieldNames.entries()) {
    const signer = SIGNERS[i];
    const key = await pki.issuer.issueOneShot({ name: signer.name, title: signer.function });
    out = await signPdf(out, { key, fieldName, signer: { name: signer.name, function: signer.function } });
    await expectAllValid(out, roots, { count: earlier + i + 1, emptyFields: fieldNames.length - i - 1, label: `${label} ${fieldName}` });
  }
  expect(emptySignatureFields(out), `${label}: every prepared field is signed`).to.deep.equal([]);
  return out;
}

describe('engine: prepareForSigning, then sign each field by name', () => {
  let pki: DevPki;
  before(async () => {
    pki = await tempDevPki();
  });

  for (const fixture of ['libreoffice-decision.pdf', 'pdflib-decision.pdf', 'qpdf-linearized.pdf']) {
    it(`${fixture}: appends a signature page with two empty fields, both then signed`, async () => {
      const input = readFileSync(join(FIXTURES, fixture));
      const pagesBefore = await pdfinfoPages(input);
      const prepared = prepareForSigning(input, { signers: SIGNERS, heading: 'Namens de gemeenteraad' });
      expect(prepared.pdf.subarray(0, input.length).equals(input)).to.equal(true);
      expect(prepared.pageCount).to.equal(pagesBefore + 1);
      expect(await pdfinfoPages(prepared.pdf)).to.equal(pagesBefore + 1);
      expect(prepared.fields).to.have.length(2);
      expect(prepared.fields.every((f) => f.placement.page === pagesBefore + 1)).to.equal(true);
      const empty = emptySignatureFields(prepared.pdf);
      expect(empty.map((f) => f.name)).to.have.members(prepared.fields.map((f) => f.fieldName));

      const signed = await signAll(pki, prepared.pdf, prepared.fields.map((f) => f.fieldName), [pki.rootPem], 0, fixture);
      expect(await pdfinfoPages(signed)).to.equal(pagesBefore + 1);
      const text = await pageText(signed, pagesBefore + 1);
      for (const expected of ['De algemeen directeur', 'De voorzitter', 'An Peeters', 'Bart De Smet']) expect(text).to.include(expected);
    });
  }

  it('flows 50 unplaced signers over as many signature pages as they need, 8 blocks a page, none overlapping (issue 10)', async () => {
    const input = readFileSync(join(FIXTURES, 'libreoffice-decision.pdf'));
    const pagesBefore = await pdfinfoPages(input);
    const signers = Array.from({ length: 50 }, (_, i) => ({ label: `Raadslid ${i + 1}`, name: `Lid ${i + 1}`, function: 'Gemeenteraadslid' }));
    const prepared = prepareForSigning(input, { signers, heading: 'Namens de gemeenteraad' });
    expect(prepared.pdf.subarray(0, input.length).equals(input)).to.equal(true);
    expect(prepared.pageCount).to.equal(pagesBefore + 7);
    expect(await pdfinfoPages(prepared.pdf)).to.equal(pagesBefore + 7);
    expect(emptySignatureFields(prepared.pdf)).to.have.length(50);
    const perPage = new Map<number, number>();
    for (const { placement } of prepared.fields) {
      perPage.set(placement.page, (perPage.get(placement.page) ?? 0) + 1);
      expect(placement.y, 'inside the page').to.be.greaterThan(0);
    }
    expect([...perPage.entries()]).to.deep.equal([1, 2, 3, 4, 5, 6, 7].map((n) => [pagesBefore + n, n < 7 ? 8 : 2]));
    const spots = new Set(prepared.fields.map((f) => `${f.placement.page}:${f.placement.x}:${f.placement.y}`));
    expect(spots.size).to.equal(50);
    expect(await pageText(prepared.pdf, pagesBefore + 7)).to.include('Namens de gemeenteraad').and.include('Raadslid 50');
  });

  it('with explicit placements on page 1 adds no page', async () => {
    const input = readFileSync(join(FIXTURES, 'libreoffice-decision.pdf'));
    const pagesBefore = await pdfinfoPages(input);
    const signers = SIGNERS.map((s, i) => ({ ...s, placement: { page: 1, x: 50 + i * 220, y: 60, width: 200, height: 60 } }));
    const prepared = prepareForSigning(input, { signers });
    expect(prepared.pageCount).to.equal(pagesBefore);
    expect(await pdfinfoPages(prepared.pdf)).to.equal(pagesBefore);
    const empty = emptySignatureFields(prepared.pdf);
    expect(empty.map((f) => f.rect)).to.deep.equal([[50, 60, 250, 120], [270, 60, 470, 120]]);
    const signed = await signAll(pki, prepared.pdf, prepared.fields.map((f) => f.fieldName), [pki.rootPem], 0, 'explicit');
    expect(await pdfinfoPages(signed)).to.equal(pagesBefore);
  });

  it('on an already-signed file adds no page, makes the fields invisible and keeps the earlier signature valid', async () => {
    const input = readFileSync(join(FIXTURES, 'signed-by-openssl.pdf'));
    const pagesBefore = await pdfinfoPages(input);
    const prepared = prepareForSigning(input, { signers: SIGNERS });
    expect(prepared.pdf.subarray(0, input.length).equals(input)).to.equal(true);
    expect(prepared.pageCount).to.equal(pagesBefore);
    expect(await pdfinfoPages(prepared.pdf)).to.equal(pagesBefore);
    const empty = emptySignatureFields(prepared.pdf);
    expect(empty).to.have.length(2);
    for (const field of empty) expect(field.rect, field.name).to.deep.equal([0, 0, 0, 0]);
    for (const field of prepared.fields) expect([field.placement.width, field.placement.height]).to.deep.equal([0, 0]);
    // The preparation itself is a permitted change for the earlier signature.
    await expectAllValid(prepared.pdf, [OTHER_TOOL_ROOT], { count: 1, emptyFields: 2, label: 'prepared signed-by-openssl' });

    const signed = await signAll(pki, prepared.pdf, prepared.fields.map((f) => f.fieldName), [pki.rootPem, OTHER_TOOL_ROOT], 1, 'signed-by-openssl');
    expect(await pdfinfoPages(signed)).to.equal(pagesBefore);
  });
});
