/**
 * The real-world corpus (../shared/pdf-corpus, read its README): every file is signed by three
 * signers in a row, and after each signature every signature — earlier ones by other parties
 * included — must still be what it was, in pdfsig and in our own validation, with no new
 * `qpdf --check` errors. Files whose certification forbids changes must be refused.
 * The files are read in place, never copied into the project.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateDevPki, type DevPki } from '../../src/keys/index.ts';
import { signPdf, verifyPdf } from '../../src/pades/index.ts';
import { inspectPdf } from '../../src/pdf/index.ts';
import { isAppError } from '../../src/errors.ts';
import { pdfsig, qpdfCheck } from '../helpers/validators.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.resolve(here, '../../../shared/pdf-corpus');

/** Files where refusing is right, with the code we must give. */
const REFUSED: Record<string, string> = {
  // Certified with DocMDP /P 1: no change of any kind is allowed (ISO 32000-2 §12.8.2.2).
  'pyhanko_certified-with-indirect-refs-in-dir.pdf': 'pdf_locked',
};

describe('real-world PDF corpus: three signers in a row', function () {
  let work: string;
  let pki: DevPki;
  let rootPem: string;

  before(async function () {
    expect(existsSync(corpusDir), `corpus not found at ${corpusDir}`).to.equal(true);
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-corpus-'));
    pki = await loadOrCreateDevPki({ directory: path.join(work, 'pki') });
    rootPem = pki.rootCertificate.toString();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const files = existsSync(corpusDir) ? readdirSync(corpusDir).filter((f) => f.endsWith('.pdf')).sort() : [];
  it('has the files its README announces', () => expect(files.length).to.be.at.least(25));

  for (const file of files) {
    it(file, async function () {
      const original = readFileSync(path.join(corpusDir, file));
      if (REFUSED[file]) {
        await expectRefused(() => inspectPdf(original), REFUSED[file]);
        const key = await pki.issuer.issueOneShot({ name: 'Refused Signer' });
        await expectRefused(() => signPdf(original, { key, signer: { name: 'Refused Signer' } }), REFUSED[file]);
        return;
      }
      await inspectPdf(original);
      const originalPath = path.join(work, `orig-${file}`);
      writeFileSync(originalPath, original);
      const before = await pdfsig(originalPath, [rootPem]);
      const foreignValid = before.signatures.map((s) => s.signatureValid);
      const qpdfBefore = await qpdfCheck(originalPath);

      let pdf: Buffer = original;
      for (let i = 0; i < 3; i++) {
        const name = `Ondertekenaar ${i + 1}`;
        const key = await pki.issuer.issueOneShot({ name, title: 'Schepen' });
        const placement = i < 2 ? { page: 1, x: 40 + i * 170, y: 40, width: 160, height: 50 } : undefined;
        pdf = await signPdf(pdf, { key, signer: { name, function: 'Schepen' }, placement, invisible: i === 2 });
        const out = path.join(work, `${i + 1}-${file}`);
        writeFileSync(out, pdf);

        const poppler = await pdfsig(out, [rootPem]);
        expect(poppler.signatures, 'pdfsig signature count').to.have.length(foreignValid.length + i + 1);
        poppler.signatures.slice(0, foreignValid.length).forEach((s, k) => expect(s.signatureValid, `foreign signature ${k} after signer ${i + 1}`).to.equal(foreignValid[k]));
        for (const s of poppler.signatures.slice(foreignValid.length)) {
          expect(s.signatureValid, `${s.fieldName}: ${s.rawStatus}`).to.equal(true);
          expect(s.certificateTrusted, `${s.fieldName}: ${s.rawCertStatus}`).to.equal(true);
        }
        const qpdf = await qpdfCheck(out);
        expect(qpdf.errors.length, `new qpdf errors: ${qpdf.errors.join('; ')}`).to.be.at.most(qpdfBefore.errors.length);

        const report = await verifyPdf(pdf, { trustAnchors: [pki.rootCertificate] });
        const ours = report.signatures.slice(-(i + 1));
        for (const s of ours) expect(s.valid, `${s.fieldName}: ${JSON.stringify({ problems: s.problems, chain: s.chain, after: s.coverage })}`).to.equal(true);
      }
    });
  }
});

async function expectRefused(action: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isAppError(error) ? error.code : String(error)).to.equal(code);
    return;
  }
  expect.fail(`expected refusal with ${code}`);
}
