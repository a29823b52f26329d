/**
 * Shared checks for the engine integration tests: every signed PDF is judged by our own verifier
 * AND by independent tools (poppler's pdfsig over NSS, qpdf --check, openssl cms -verify on the raw
 * ByteRange content), so a bug in our signer cannot hide behind a matching bug in our verifier.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { verifyPdf, type ValidationReport } from '../../../src/index.ts';
import { extractSignatures, opensslCmsVerify, opensslTsVerify, pdfsig, qpdfCheck, type PdfsigSignature } from '../../helpers/validators.ts';

/** A root certificate as PEM text or as the path of a PEM file. */
export type RootPem = string;

export interface ExpectAllValidOptions {
  /** Number of signatures the file must hold; by default whatever verifyPdf finds (at least one). */
  count?: number;
  /** Label for assertion messages (fixture name, step). */
  label?: string;
  /** Empty signature fields pdfsig lists as "The signature form field is not signed." (default 0). */
  emptyFields?: number;
}

export interface AllValid {
  report: ValidationReport;
  pdfsig: PdfsigSignature[];
  path: string;
}

export function pemText(root: RootPem): string {
  return root.includes('-----BEGIN') ? root : readFileSync(root, 'utf8');
}

/** One temp directory per test process for the PDFs handed to the command-line validators. */
let scratch: string | undefined;
let written = 0;
export function scratchDir(): string {
  if (!scratch || !existsSync(scratch)) {
    const dir = mkdtempSync(join(tmpdir(), 'paraaf-engine-'));
    scratch = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

export async function writeScratch(pdf: Buffer, name = 'doc'): Promise<string> {
  const path = join(scratchDir(), `${name.replace(/[^\w.-]+/g, '_')}-${++written}.pdf`);
  await writeFile(path, pdf);
  return path;
}

/**
 * Asserts that every signature of `pdf` is valid for verifyPdf, pdfsig ("Signature is Valid",
 * "Certificate is Trusted"), openssl cms -verify, and that qpdf --check finds no error.
 * `roots` are all the trust anchors the file's signatures need (ours and, for foreign signatures,
 * theirs); openssl gets them together as one CAfile.
 */
export async function expectAllValid(pdf: Buffer, roots: RootPem | RootPem[], options: ExpectAllValidOptions = {}): Promise<AllValid> {
  const pems = (Array.isArray(roots) ? roots : [roots]).map(pemText);
  const label = options.label ? `${options.label}: ` : '';
  const path = await writeScratch(pdf, options.label);
  const extracted = extractSignatures(pdf);
  const [report, sig, qpdf] = await Promise.all([
    verifyPdf(pdf, { trustAnchors: pems.map((p) => new X509Certificate(p)) }),
    pdfsig(path, pems),
    qpdfCheck(path),
  ]);
  // Document timestamps (PAdES B-LTA, ETSI.RFC3161) are checked apart: pdfsig does not validate them, openssl ts does.
  const stamps = report.signatures.filter((s) => s.subFilter === 'ETSI.RFC3161');
  const count = options.count ?? report.signatures.length - stamps.length;
  expect(count, `${label}at least one signature`).to.be.greaterThan(0);

  const ours = report.signatures.map((s) => ({ field: s.fieldName, valid: s.valid, problems: s.problems, changes: s.coverage.changes, chain: s.chain.reason }));
  expect(report.signatures.length - stamps.length, `${label}verifyPdf signature count`).to.equal(count);
  expect(report.verdict, `${label}verifyPdf verdict: ${JSON.stringify(ours)}`).to.equal('valid');
  for (const s of report.signatures) expect(s.valid, `${label}verifyPdf ${s.fieldName}: ${JSON.stringify(ours)}`).to.equal(true);

  const unsigned = unsignedPdfsigFields(sig.stdout);
  const stampFields = new Set(stamps.map((s) => s.fieldName));
  const signed = sig.signatures.filter((s) => !unsigned.has(s.index) && !stampFields.has(s.fieldName ?? ''));
  expect(unsigned.size, `${label}pdfsig empty signature fields: ${sig.stdout}`).to.equal(options.emptyFields ?? 0);
  const theirs = signed.map((s) => `${s.fieldName}: ${s.rawStatus} / ${s.rawCertStatus}`);
  expect(signed, `${label}pdfsig signature count: ${sig.stdout}${sig.stderr}`).to.have.length(count);
  for (const s of signed) {
    expect(s.signatureValid, `${label}pdfsig ${theirs.join('; ')}`).to.equal(true);
    expect(s.certificateTrusted, `${label}pdfsig ${theirs.join('; ')}`).to.equal(true);
  }

  expect(qpdf.errors, `${label}qpdf --check errors`).to.deep.equal([]);
  expect(qpdf.ok, `${label}qpdf --check: ${qpdf.stdout}${qpdf.stderr}`).to.equal(true);

  expect(extracted, `${label}ByteRanges found by the raw byte scan`).to.have.length(count + stamps.length);
  const caFile = pems.map((p) => p.trim()).join('\n');
  const isStamp = (byteRange: number[]) => stamps.some((s) => s.integrity.byteRange.join(' ') === byteRange.join(' '));
  const checks = await Promise.all(extracted.map((e, i) => (isStamp(e.byteRange) ? opensslTsVerify(pdf, i, caFile) : opensslCmsVerify(pdf, i, caFile))));
  checks.forEach((r, i) => expect(r.ok, `${label}openssl ${isStamp(extracted[i].byteRange) ? 'ts' : 'cms'} -verify #${i}: ${r.output}`).to.equal(true));
  return { report, pdfsig: signed, path };
}

/** pdfsig also lists empty signature fields, as a block saying "The signature form field is not signed." */
export function unsignedPdfsigFields(stdout: string): Set<number> {
  const unsigned = new Set<number>();
  for (const block of stdout.split(/^(?=Signature #\d+:)/m)) {
    const head = /^Signature #(\d+):/.exec(block);
    if (head && /The signature form field is not signed/.test(block)) unsigned.add(Number(head[1]));
  }
  return unsigned;
}
