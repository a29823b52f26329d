/**
 * The real-world corpus (../shared/pdf-corpus, read its README) on the long-term path the service
 * takes (issue 9): every file is signed by three signers in a row at B-LT — each signature with its
 * signature timestamp from the development PKI's built-in TSA, followed by its /DSS revision with our
 * organisation CA's OCSP responses — and then extended to B-LTA (`extendToLta`: DSS, document
 * timestamp, the TSA's validation data). After every step every earlier signature, foreign ones
 * included, must still be what it was in pdfsig, ours valid and trusted, our own verifier must agree,
 * and `qpdf --check` must find no new errors. At the end: `openssl ts -verify` on the document
 * timestamp, verifyPdf reporting B-LTA for each of our signatures from embedded data only, now and ten
 * years ahead, `openssl cms -verify` on our signatures, the /DSS as qpdf reads it, and pdfsig under
 * faketime a year on.
 * Files whose certification forbids changes must be refused. The files are read in place, never copied.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOwnRevocationSource, loadOrCreateDevPki, type DevPki, type RevocationSource, type TimeStamper } from '../../src/keys/index.ts';
import { extendToLta, PADES_LEVELS, signPdf, signPdfAtLevel, verifyPdf, type SignatureReport, type ValidationReport } from '../../src/pades/index.ts';
import { createBuiltInTsa } from '../../src/pades/tsa.ts';
import { inspectPdf, PdfReader, readDss } from '../../src/pdf/index.ts';
import { isAppError } from '../../src/errors.ts';
import { qpdfDss } from '../helpers/qpdf-dss.ts';
import { extractSignatures, opensslCmsVerify, opensslTsVerify, pdfsig, qpdfCheck } from '../helpers/validators.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.resolve(here, '../../../shared/pdf-corpus');
const YEAR_MS = 365.25 * 86_400_000;
const TSA_POLICY = '1.3.6.1.4.1.99999.9.1';
const DOC_TIMESTAMP = 'ETSI.RFC3161';

/** Files where refusing is right, with the code we must give. */
const REFUSED: Record<string, string> = {
  // Certified with DocMDP /P 1: no change of any kind is allowed (ISO 32000-2 §12.8.2.2).
  'pyhanko_certified-with-indirect-refs-in-dir.pdf': 'pdf_locked',
};

/** What the file was before we touched it: its foreign signatures (pdfsig and ours) and qpdf's errors. */
interface Baseline {
  pdfsigValid: boolean[];
  reportCount: number;
  /** Per foreign signature in verifyPdf: integrity, whether only signatures, forms and /DSS followed it, verdict. */
  foreign: { intact: boolean; onlySignatures: boolean; valid: boolean }[];
  /** Per foreign signature: its PAdES level, which our revisions may raise (a document timestamp) but never lower. */
  foreignLevels: number[];
  /** Our root, and the roots an earlier producer left in the file's /DSS (so its signatures can be judged valid). */
  anchors: X509Certificate[];
  qpdfErrors: number;
}

const foreignState = (s: SignatureReport) => ({ intact: s.integrity.valid, onlySignatures: s.coverage.modificationsAfter !== 'other', valid: s.valid });
const levelRank = (s: SignatureReport) => (s.level.achieved ? PADES_LEVELS.indexOf(s.level.achieved) : -1);

describe('real-world PDF corpus: three signers at B-LT, then B-LTA', function () {
  let work: string;
  let pki: DevPki;
  let rootPem: string;
  let tsa: TimeStamper;
  let revocation: RevocationSource;

  before(async function () {
    expect(existsSync(corpusDir), `corpus not found at ${corpusDir}`).to.equal(true);
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-corpus-'));
    // AIA/CRLDP point at a closed port: pdfsig's OCSP look-up soft-fails at once, never reaching another server.
    pki = await loadOrCreateDevPki({ directory: path.join(work, 'pki'), organisationName: 'Gemeente Corpusdorp', baseUrl: 'http://127.0.0.1:9' });
    rootPem = pki.rootCertificate.toString();
    tsa = createBuiltInTsa({ key: pki.tsaKey, policy: TSA_POLICY, clock: () => new Date() });
    revocation = createOwnRevocationSource({
      authorityFor: (issuer) => pki.authorities.authorityFor(issuer),
      status: async () => ({ status: 'good' }),
      clock: () => new Date(),
      ocspValidityMs: 7 * 86_400_000,
    });
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
      const baseline = await baselineOf(original, file);
      const extraCertificates = [pki.rootCertificate];

      let pdf: Buffer = original;
      for (let i = 0; i < 3; i++) {
        const name = `Ondertekenaar ${i + 1}`;
        const key = await pki.issuer.issueOneShot({ name, title: 'Schepen' });
        const placement = i < 2 ? { page: 1, x: 40 + i * 170, y: 40, width: 160, height: 50 } : undefined;
        pdf = await signPdfAtLevel(pdf, { key, signer: { name, function: 'Schepen' }, placement, invisible: i === 2, level: 'B-LT', timeStamper: tsa, revocation, extraCertificates });
        const { ours } = await checkStep(pdf, `${i + 1}-${file}`, baseline, i + 1);
        for (const s of ours) expect(s.level.achieved, `${s.fieldName} after signer ${i + 1}: ${s.level.reasons.join('; ')}`).to.equal('B-LT');
      }

      pdf = await extendToLta(pdf, { timeStamper: tsa, revocation, extraCertificates });
      const { report, stamp, path: ltaPath } = await checkStep(pdf, `lta-${file}`, baseline, 3);
      expect(stamp, 'our document timestamp').to.not.equal(undefined);
      const index = extractSignatures(pdf).findIndex((e) => e.byteRange.join(' ') === stamp!.integrity.byteRange.join(' '));
      const ts = await opensslTsVerify(pdf, index, rootPem);
      expect(ts.ok, `openssl ts -verify: ${ts.output}`).to.equal(true);
      await expectCmsValid(pdf, report, baseline);
      expectDssAsQpdfReadsIt(original, pdf);

      expectLongTerm(report, baseline, 'now');
      expectLongTerm(await verifyPdf(pdf, { trustAnchors: baseline.anchors, at: new Date(Date.now() + 10 * YEAR_MS) }), baseline, 'ten years ahead');

      await expectTrustedAYearOn(ltaPath, report, baseline);
    });
  }

  async function baselineOf(original: Buffer, file: string): Promise<Baseline> {
    const originalPath = path.join(work, `orig-${file}`);
    writeFileSync(originalPath, original);
    const theirRoots = readDss(PdfReader.open(original)).certs.map((der) => new X509Certificate(der)).filter((c) => c.subject === c.issuer);
    const anchors = [pki.rootCertificate, ...theirRoots];
    const [before, qpdf, report] = await Promise.all([pdfsig(originalPath, [rootPem]), qpdfCheck(originalPath), verifyPdf(original, { trustAnchors: anchors })]);
    return {
      pdfsigValid: before.signatures.map((s) => s.signatureValid),
      reportCount: report.signatures.length,
      foreign: report.signatures.map(foreignState),
      foreignLevels: report.signatures.map(levelRank),
      anchors,
      qpdfErrors: qpdf.errors.length,
    };
  }

  /**
   * One step's output: earlier signatures unchanged in pdfsig, our `signed` signatures valid and trusted
   * (pdfsig does not validate document timestamps; openssl ts does, at the end), verifyPdf agreeing,
   * no new qpdf errors.
   */
  async function checkStep(pdf: Buffer, name: string, baseline: Baseline, signed: number): Promise<{ report: ValidationReport; ours: SignatureReport[]; stamp?: SignatureReport; path: string }> {
    const out = path.join(work, name);
    writeFileSync(out, pdf);
    const [poppler, qpdf, report] = await Promise.all([pdfsig(out, [rootPem]), qpdfCheck(out), verifyPdf(pdf, { trustAnchors: baseline.anchors })]);
    const added = report.signatures.slice(baseline.reportCount);
    const ours = added.filter((s) => s.subFilter !== DOC_TIMESTAMP);
    const stamps = added.filter((s) => s.subFilter === DOC_TIMESTAMP);
    expect(ours, `${name}: our signatures in verifyPdf`).to.have.length(signed);
    const explain = (s: SignatureReport) => `${name} ${s.fieldName}: ${JSON.stringify({ problems: s.problems, chain: s.chain, after: s.coverage })}`;
    for (const s of added) expect(s.valid, explain(s)).to.equal(true);
    const foreign = report.signatures.slice(0, baseline.reportCount);
    expect(foreign.map(foreignState), `${name}: foreign signatures in verifyPdf`).to.deep.equal(baseline.foreign);
    foreign.forEach((s, k) => expect(levelRank(s), `${name}: level of foreign ${s.fieldName}`).to.be.at.least(baseline.foreignLevels[k]));

    expect(poppler.signatures, `${name}: pdfsig signature count\n${poppler.stdout}`).to.have.length(baseline.pdfsigValid.length + added.length);
    poppler.signatures.slice(0, baseline.pdfsigValid.length).forEach((s, k) => expect(s.signatureValid, `${name}: foreign signature ${k}`).to.equal(baseline.pdfsigValid[k]));
    const ourFields = new Set(ours.map((s) => s.fieldName));
    const mine = poppler.signatures.filter((s) => ourFields.has(s.fieldName ?? ''));
    expect(mine, `${name}: our signatures in pdfsig\n${poppler.stdout}`).to.have.length(signed);
    for (const s of mine) expect([s.signatureValid, s.certificateTrusted], `${name} ${s.fieldName}: ${s.rawStatus} / ${s.rawCertStatus}`).to.deep.equal([true, true]);

    expect(qpdf.errors.length, `${name}: new qpdf errors: ${qpdf.errors.join('; ')}`).to.be.at.most(baseline.qpdfErrors);
    return { report, ours, stamp: stamps[stamps.length - 1], path: out };
  }

  /** pdfsig as a reader runs it a year on (`faketime '+400 days'`; every file: one run costs next to nothing). */
  async function expectTrustedAYearOn(file: string, report: ValidationReport, baseline: Baseline): Promise<void> {
    const later = await pdfsig(file, [rootPem], { faketime: '+400 days' });
    const ourFields = new Set(report.signatures.slice(baseline.reportCount).filter((s) => s.subFilter !== DOC_TIMESTAMP).map((s) => s.fieldName));
    const mine = later.signatures.filter((s) => ourFields.has(s.fieldName ?? ''));
    expect(mine, `faketime pdfsig: ${later.stdout}${later.stderr}`).to.have.length(3);
    for (const s of mine) expect([s.signatureValid, s.certificateTrusted], `a year on, ${s.fieldName}: ${s.rawStatus} / ${s.rawCertStatus}`).to.deep.equal([true, true]);
  }

  /** openssl cms -verify over each of our signatures (their CMS with its signature timestamp), trusting our root. */
  async function expectCmsValid(pdf: Buffer, report: ValidationReport, baseline: Baseline): Promise<void> {
    const extracted = extractSignatures(pdf);
    for (const s of report.signatures.slice(baseline.reportCount).filter((r) => r.subFilter !== DOC_TIMESTAMP)) {
      const index = extracted.findIndex((e) => e.byteRange.join(' ') === s.integrity.byteRange.join(' '));
      const cms = await opensslCmsVerify(pdf, index, rootPem);
      expect(cms.ok, `openssl cms -verify ${s.fieldName}: ${cms.output}`).to.equal(true);
    }
  }

  /** Our three signatures and our document timestamp, judged from what the file embeds only (no live source). */
  function expectLongTerm(report: ValidationReport, baseline: Baseline, when: string): void {
    const added = report.signatures.slice(baseline.reportCount);
    const ours = added.filter((s) => s.subFilter !== DOC_TIMESTAMP);
    expect(ours, `${when}: our signatures`).to.have.length(3);
    expect(added.filter((s) => s.subFilter === DOC_TIMESTAMP), `${when}: our document timestamp`).to.have.length(1);
    for (const s of added) expect(s.valid, `${when} ${s.fieldName}: ${JSON.stringify({ problems: s.problems, chain: s.chain.reason, revocation: s.revocation.status })}`).to.equal(true);
    for (const s of ours) {
      expect(s.level.achieved, `${when} ${s.fieldName}: ${s.level.reasons.join('; ')}`).to.equal('B-LTA');
      expect(s.timeSource, `${when} ${s.fieldName}`).to.equal('timestamp');
    }
  }
});

/**
 * The /DSS as qpdf reads it (independent of src/pdf) is the one our reader sees, keeps whatever an earlier
 * producer put there, and holds our three signers' certificates with OCSP responses.
 */
function expectDssAsQpdfReadsIt(original: Buffer, pdf: Buffer): void {
  const theirs = qpdfDss(pdf);
  const ours = readDss(PdfReader.open(pdf));
  const earlier = qpdfDss(original);
  const hex = (list: Buffer[]) => list.map((b) => b.toString('hex')).sort();
  for (const key of ['certs', 'ocsps', 'crls'] as const) {
    expect(hex(theirs[key]), `qpdf and readDss agree on /DSS ${key}`).to.deep.equal(hex(ours[key]));
    expect(hex(theirs[key]), `the earlier /DSS ${key} are kept`).to.include.members(hex(earlier[key]));
  }
  const signers = theirs.certs.map((der) => new X509Certificate(der).subject).filter((subject) => /CN=Ondertekenaar \d/.test(subject));
  expect(signers, 'our signers in /DSS /Certs').to.have.length(3);
  expect(theirs.ocsps.length, '/DSS /OCSPs').to.be.at.least(3);
}

async function expectRefused(action: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(isAppError(error) ? error.code : String(error)).to.equal(code);
    return;
  }
  expect.fail(`expected refusal with ${code}`);
}
