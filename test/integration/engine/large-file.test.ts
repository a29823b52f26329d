/**
 * A ~20 MB document (one page showing a large uncompressed image of random bytes, generated
 * here with pdf-lib): three signatures, each a small update — signing appends, it never rewrites
 * or re-encodes the big stream.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { PDFDocument, PDFName, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState } from 'pdf-lib';
import { signPdf } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';
import { expectAllValid, scratchDir } from './check.ts';
import { tempDevPki } from './pki.ts';

const WIDTH = 2048;
const HEIGHT = 3413; // 2048 × 3413 × 3 bytes ≈ 20 MB of DeviceRGB samples
const MAX_UPDATE = 64 * 1024;

async function largePdf(): Promise<Buffer> {
  const document = await PDFDocument.create();
  const page = document.addPage([595, 842]);
  const image = document.context.register(
    document.context.stream(randomBytes(WIDTH * HEIGHT * 3), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: WIDTH,
      Height: HEIGHT,
      ColorSpace: 'DeviceRGB',
      BitsPerComponent: 8,
    }),
  );
  page.node.setXObject(PDFName.of('Noise'), image);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(495, 0, 0, 742, 50, 50), drawObject('Noise'), popGraphicsState());
  page.drawText('Bijlage: ruis', { x: 50, y: 810, size: 14 });
  return Buffer.from(await document.save());
}

describe('engine: a ~20 MB file', () => {
  let pki: DevPki;
  let input: Buffer;
  before(async () => {
    [pki, input] = await Promise.all([tempDevPki(), largePdf()]);
    await writeFile(join(scratchDir(), 'large-input.pdf'), input);
  });

  it('is signed three times, every signature valid, each update under 64 KB', async () => {
    expect(input.length).to.be.within(19 * 1024 * 1024, 24 * 1024 * 1024);
    let pdf = input;
    const names = ['An Peeters', 'Bart De Smet', 'Chloé Vermeulen'];
    for (const [i, name] of names.entries()) {
      const previous = pdf;
      const key = await pki.issuer.issueOneShot({ name });
      pdf = await signPdf(pdf, { key, signer: { name }, placement: i < 2 ? { page: 1, x: 50 + i * 170, y: 10, width: 160, height: 36 } : undefined, invisible: i === 2 });
      expect(pdf.subarray(0, previous.length).equals(previous), `step ${i + 1}: prefix`).to.equal(true);
      expect(pdf.length - previous.length, `step ${i + 1}: update size`).to.be.below(MAX_UPDATE);
      await expectAllValid(pdf, pki.rootPem, { count: i + 1, label: `large step ${i + 1}` });
    }
  });
});
