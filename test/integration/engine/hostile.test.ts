/**
 * Every hostile fixture gets its precise error code from inspectPdf, the upload gate (DESIGN §8),
 * and signPdf either refuses it with the same code or — where signing never reads the offending
 * objects (lazy reading) — signs it. A key that returns an oversized signature value is refused
 * rather than written truncated.
 */
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AppError, signPdf, verifyPdf } from '../../../src/index.ts';
import type { DevPki, SigningKey } from '../../../src/keys/index.ts';
import { inspectPdf } from '../../../src/pdf/index.ts';
import { expectAllValid } from './check.ts';
import { FIXTURES, tempDevPki } from './pki.ts';

const HOSTILE = join(FIXTURES, 'hostile');

/** The code inspectPdf must give, or null when the file must pass inspection. */
const EXPECTED: Record<string, string | null> = {
  'not-a-pdf.pdf': 'pdf_invalid',
  'empty.pdf': 'pdf_invalid',
  'truncated.pdf': 'pdf_invalid',
  'garbage-xref.pdf': 'pdf_invalid',
  'encrypted-rc4.pdf': 'pdf_encrypted',
  'encrypted-aes256.pdf': 'pdf_encrypted',
  'encrypted-owner-only.pdf': 'pdf_encrypted',
  'certified-no-changes.pdf': 'pdf_locked',
  'zip-bomb.pdf': 'pdf_too_complex',
  'zip-bomb-nested.pdf': 'pdf_too_complex',
  'deep-nesting.pdf': 'pdf_too_complex',
  'huge-page-count.pdf': 'pdf_invalid',
  'xref-loop.pdf': null,
};
/** Signing reads only the catalog, page tree and form: these objects are never loaded, so it succeeds. */
const SIGNING_IS_LAZY = new Set(['zip-bomb.pdf', 'zip-bomb-nested.pdf', 'deep-nesting.pdf']);
const MEMORY_BOUND = 600 * 1024 * 1024;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(AppError);
    return (error as AppError).code;
  }
  throw new Error('expected an AppError, but the call succeeded');
}

/** The highest RSS seen while `run` is pending (sampled every 10 ms) minus the RSS before it. */
async function rssGrowth(run: () => Promise<unknown>): Promise<number> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await run();
  } catch {
    /* the caller checks the outcome separately */
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

describe('engine: hostile files', () => {
  let pki: DevPki;
  let key: () => Promise<SigningKey>;
  before(async () => {
    pki = await tempDevPki();
    key = () => pki.issuer.issueOneShot({ name: 'An Peeters' });
  });

  it('has an expectation for every hostile fixture', () => {
    expect(readdirSync(HOSTILE).filter((f) => f.endsWith('.pdf')).sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  for (const [file, code] of Object.entries(EXPECTED)) {
    if (code === null) continue;
    it(`${file}: inspectPdf refuses it with ${code}; signPdf ${SIGNING_IS_LAZY.has(file) ? 'signs it lazily' : 'refuses it the same way'}`, async () => {
      const pdf = readFileSync(join(HOSTILE, file));
      expect(await codeOf(inspectPdf(pdf))).to.equal(code);
      if (SIGNING_IS_LAZY.has(file)) {
        const signed = await signPdf(pdf, { key: await key(), signer: { name: 'An Peeters' } });
        expect(signed.subarray(0, pdf.length).equals(pdf)).to.equal(true);
        const report = await verifyPdf(signed, { trustAnchors: [pki.rootCertificate] });
        expect(report.verdict, JSON.stringify(report.signatures.map((s) => s.problems))).to.equal('valid');
      } else {
        expect(await codeOf(signPdf(pdf, { key: await key(), signer: { name: 'An Peeters' } }))).to.equal(code);
      }
    });
  }

  for (const file of ['zip-bomb.pdf', 'zip-bomb-nested.pdf']) {
    it(`${file}: inspection stops the 2 GiB inflation and RSS grows by less than 600 MB`, async () => {
      const pdf = readFileSync(join(HOSTILE, file));
      let code: string | undefined;
      const growth = await rssGrowth(async () => {
        code = await codeOf(inspectPdf(pdf));
      });
      expect(code).to.equal('pdf_too_complex');
      expect(growth, `${(growth / 1024 / 1024).toFixed(0)} MB`).to.be.below(MEMORY_BOUND);
    });
  }

  it('certified-no-changes.pdf: signPdf refuses with pdf_locked', async () => {
    const pdf = readFileSync(join(HOSTILE, 'certified-no-changes.pdf'));
    expect(await codeOf(signPdf(pdf, { key: await key(), signer: { name: 'An Peeters' }, placement: { page: 1, x: 50, y: 50, width: 160, height: 50 } }))).to.equal('pdf_locked');
  });

  it('xref-loop.pdf: inspection terminates, and the file can be signed and is valid', async () => {
    const pdf = readFileSync(join(HOSTILE, 'xref-loop.pdf'));
    const inspection = await inspectPdf(pdf);
    expect(inspection.pageCount).to.equal(1);
    expect(inspection.signatureCount).to.equal(0);
    const signed = await signPdf(pdf, { key: await key(), signer: { name: 'An Peeters' }, placement: { page: 1, x: 50, y: 50, width: 160, height: 50 } });
    expect(signed.subarray(0, pdf.length).equals(pdf)).to.equal(true);
    await expectAllValid(signed, pki.rootPem, { count: 1, label: 'xref-loop' });
    expect((await inspectPdf(signed)).signatureCount).to.equal(1);
  });

  it('a key whose signature value exceeds its declared size is refused with signature_too_large', async () => {
    const honest = await key();
    const oversized: SigningKey = {
      certificates: honest.certificates,
      scheme: honest.scheme,
      hash: honest.hash,
      signatureSize: honest.signatureSize,
      // Far more than the declared size plus the whole timestamp reserve.
      sign: async () => Buffer.alloc(64 * 1024, 0x5a),
    };
    const pdf = readFileSync(join(FIXTURES, 'reportlab-decision.pdf'));
    expect(await codeOf(signPdf(pdf, { key: oversized, signer: { name: 'An Peeters' } }))).to.equal('signature_too_large');
    // The same document still signs with an honest key.
    const report = await verifyPdf(await signPdf(pdf, { key: honest, signer: { name: 'An Peeters' } }), { trustAnchors: [new X509Certificate(readFileSync(pki.rootPem))] });
    expect(report.verdict).to.equal('valid');
  });
});
