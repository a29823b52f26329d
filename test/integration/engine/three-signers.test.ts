/**
 * Three signers in a row on every good fixture (discovered from the folder, so a new fixture is
 * covered without touching this file): two visible signatures side by side on page 1, then an
 * invisible one. After each step every signature must be valid for verifyPdf, pdfsig, qpdf and
 * openssl, and the update must only append (ISO 32000-2 §7.5.6).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PdfReader, signPdf, type SignaturePlacement } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';
import { listFields } from '../../../src/pdf/index.ts';
import { extractSignatures } from '../../helpers/validators.ts';
import { expectAllValid } from './check.ts';
import { FIXTURES, OTHER_TOOL_ROOT, tempDevPki } from './pki.ts';

const FORM_FIELDS: Record<string, string[]> = {
  'libreoffice-form.pdf': ['opmerking', 'akkoord'],
  'reportlab-acroform.pdf': ['opmerking', 'akkoord'],
};
const FOREIGN_ROOTS: Record<string, string[]> = { 'signed-by-openssl.pdf': [OTHER_TOOL_ROOT] };

interface Step {
  name: string;
  function?: string;
  placement?: SignaturePlacement;
  invisible?: boolean;
}

const STEPS: Step[] = [
  { name: 'An Peeters', function: 'Algemeen directeur', placement: { page: 1, x: 50, y: 50, width: 160, height: 50 } },
  { name: 'Bart De Smet', function: 'Voorzitter', placement: { page: 1, x: 220, y: 50, width: 160, height: 50 } },
  { name: 'Chloé Vermeulen', invisible: true },
];

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.pdf')).sort();

describe('engine: three signers on every good fixture', () => {
  let pki: DevPki;
  before(async () => {
    pki = await tempDevPki();
  });

  it('finds the good fixtures', () => {
    expect(fixtures.length).to.be.greaterThanOrEqual(16);
  });

  for (const fixture of fixtures) {
    it(`${fixture}: signs three times, every signature valid after each step`, async () => {
      const input = readFileSync(join(FIXTURES, fixture));
      const inputReader = PdfReader.open(input);
      const inputKind = inputReader.xref.kind;
      const repaired = inputReader.repaired;
      const earlier = extractSignatures(input).length;
      const roots = [pki.rootPem, ...(FOREIGN_ROOTS[fixture] ?? [])];
      let pdf: Buffer = input;
      for (const [i, step] of STEPS.entries()) {
        const previous = pdf;
        const key = await pki.issuer.issueOneShot({ name: step.name, title: step.function });
        pdf = await signPdf(pdf, { key, signer: { name: step.name, function: step.function }, placement: step.placement, invisible: step.invisible, reason: 'Goedkeuring' });
        const label = `${fixture} step ${i + 1}`;

        expect(pdf.subarray(0, input.length).equals(input), `${label}: input is a prefix`).to.equal(true);
        expect(pdf.subarray(0, previous.length).equals(previous), `${label}: previous revision is a prefix`).to.equal(true);
        const reader = PdfReader.open(pdf);
        if (!repaired) expect(reader.xref.kind, `${label}: xref kind`).to.equal(inputKind);
        // A signature dictionary inside an object stream would be invisible to the raw scan (and to many validators).
        expect(extractSignatures(pdf), `${label}: raw scan`).to.have.length(earlier + i + 1);
        const names = listFields(reader).map((f) => f.name);
        expect(new Set(names).size, `${label}: unique field names ${names.join(', ')}`).to.equal(names.length);
        for (const field of FORM_FIELDS[fixture] ?? []) expect(names, `${label}: original form field`).to.include(field);

        await expectAllValid(pdf, roots, { count: earlier + i + 1, label });
      }
    });
  }
});
