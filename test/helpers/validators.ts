/**
 * Independent validators for tests (DESIGN.md §9): poppler's `pdfsig` with a temporary NSS database, `qpdf --check`,
 * and `openssl cms -verify` over the ByteRange content. Nothing here imports from src/: signatures are located by
 * scanning the raw bytes for `/ByteRange [...]`, so a bug in our own parser cannot hide a bug in our signer.
 *
 * Needs /usr/bin/pdfsig (poppler-utils), certutil (libnss3-tools), qpdf and openssl on PATH.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PdfsigSignature {
  /** 1-based, as printed by pdfsig ("Signature #1"). */
  index: number;
  fieldName?: string;
  signerCommonName?: string;
  /** rawStatus === "Signature is Valid." */
  signatureValid: boolean;
  /** rawCertStatus === "Certificate is Trusted." */
  certificateTrusted: boolean;
  /** Text after "Signature Validation:", e.g. "Signature is Valid.", "Digest Mismatch.". */
  rawStatus: string;
  /** Text after "Certificate Validation:", e.g. "Certificate is Trusted.", "Certificate issuer isn't Trusted.". */
  rawCertStatus: string;
  /** true for "Total document signed", false for "Not total document signed", undefined if pdfsig printed neither. */
  totalDocumentSigned?: boolean;
  /** "Signature Type" as printed by pdfsig: adbe.pkcs7.detached, ETSI.CAdES.detached, ... */
  subFilter?: string;
  /** "Signed Ranges: [0 - 3174], [11368 - 12333]" parsed as [[0, 3174], [11368, 12333]] (start, end exclusive). */
  signedRanges?: [number, number][];
  signingTime?: string;
  hashAlgorithm?: string;
}

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        // spawn failure (ENOENT, ...), not a non-zero exit
        reject(new Error(`${cmd}: ${err.message}`));
        return;
      }
      const code = err ? ((err as { code?: number | null }).code ?? (err.killed ? 124 : 1)) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// pdfsig

/** One temporary NSS database per distinct set of trusted roots, kept for the life of the process. */
const nssDbs = new Map<string, Promise<string>>();
const nssDirs: string[] = [];
let cleanupRegistered = false;

function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once('exit', () => {
    for (const dir of nssDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

async function nssDbFor(trustedRootPems: string[]): Promise<string> {
  const normalized = [...new Set(trustedRootPems.map((p) => p.trim()))].sort();
  const key = createHash('sha256').update(normalized.join('\n---\n')).digest('hex');
  let db = nssDbs.get(key);
  if (!db) {
    db = (async () => {
      registerCleanup();
      const dir = mkdtempSync(join(tmpdir(), 'paraaf-nss-'));
      nssDirs.push(dir);
      const init = await run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
      if (init.code !== 0) throw new Error(`certutil -N failed: ${init.stderr || init.stdout}`);
      for (const [i, pem] of normalized.entries()) {
        const file = join(dir, `root${i}.pem`);
        writeFileSync(file, pem + '\n');
        const add = await run('certutil', ['-A', '-d', `sql:${dir}`, '-n', `root${i}`, '-t', 'CT,C,C', '-a', '-i', file]);
        if (add.code !== 0) throw new Error(`certutil -A root${i} failed: ${add.stderr || add.stdout}`);
      }
      return dir;
    })();
    nssDbs.set(key, db);
    db.catch(() => nssDbs.delete(key));
  }
  return db;
}

/** Parses pdfsig's text output ("Signature #N:" blocks). Exported for tests. */
export function parsePdfsigOutput(stdout: string): PdfsigSignature[] {
  const signatures: PdfsigSignature[] = [];
  let cur: PdfsigSignature | undefined;
  for (const rawLine of stdout.split(/\r?\n/)) {
    const head = /^Signature #(\d+):/.exec(rawLine);
    if (head) {
      cur = { index: Number(head[1]), signatureValid: false, certificateTrusted: false, rawStatus: '', rawCertStatus: '' };
      signatures.push(cur);
      continue;
    }
    if (!cur) continue;
    const line = rawLine.replace(/^\s*-\s*/, '').trimEnd();
    const kv = /^([^:]+):\s?(.*)$/.exec(line);
    if (line === 'Total document signed') cur.totalDocumentSigned = true;
    else if (line === 'Not total document signed') cur.totalDocumentSigned = false;
    else if (kv) {
      const [, k, v] = kv;
      switch (k.trim()) {
        case 'Signature Field Name':
          cur.fieldName = v;
          break;
        case 'Signer Certificate Common Name':
          cur.signerCommonName = v;
          break;
        case 'Signature Type':
          cur.subFilter = v;
          break;
        case 'Signing Time':
          cur.signingTime = v;
          break;
        case 'Signing Hash Algorithm':
          cur.hashAlgorithm = v;
          break;
        case 'Signed Ranges':
          cur.signedRanges = [...v.matchAll(/\[(\d+)\s*-\s*(\d+)\]/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
          break;
        case 'Signature Validation':
          cur.rawStatus = v;
          cur.signatureValid = v === 'Signature is Valid.';
          break;
        case 'Certificate Validation':
          cur.rawCertStatus = v;
          cur.certificateTrusted = v === 'Certificate is Trusted.';
          break;
        default:
          break;
      }
    }
  }
  return signatures;
}

export interface PdfsigOptions {
  /**
   * Pass `-no-ocsp`. Off by default: with poppler 22.12 `-no-ocsp` turns a trusted chain into "Unknown issue with
   * Certificate or corrupted data.". Test certificates without an AIA/OCSP URL cause no network traffic anyway.
   */
  noOcsp?: boolean;
  /** Run pdfsig under `faketime <offset>` (e.g. '+400 days'): how a reader sees the file that much later. */
  faketime?: string;
}

/**
 * Runs `pdfsig -nssdir sql:<tmp> <file>` with an NSS database trusting exactly `trustedRootPems`
 * (trust flags CT,C,C). pdfsig exits 0 even when a signature is invalid; look at `signatures`.
 */
export async function pdfsig(
  pdfPath: string,
  trustedRootPems: string[],
  options: PdfsigOptions = {},
): Promise<{ signatures: PdfsigSignature[]; stdout: string; stderr: string; exitCode: number }> {
  const dir = await nssDbFor(trustedRootPems);
  const args = ['-nssdir', `sql:${dir}`, ...(options.noOcsp ? ['-no-ocsp'] : []), pdfPath];
  const r = options.faketime ? await run('faketime', [options.faketime, 'pdfsig', ...args]) : await run('pdfsig', args);
  return { signatures: parsePdfsigOutput(r.stdout), stdout: r.stdout, stderr: r.stderr, exitCode: r.code };
}

// ---------------------------------------------------------------------------------------------------------------
// qpdf --check

/**
 * `qpdf --check`: exit 0 = clean, 3 = warnings only, 2 = errors. `ok` is true for 0 and 3 when no ERROR line was
 * printed. `errors` holds "ERROR: ..." lines and fatal "qpdf: ..." lines; `warnings` holds "WARNING: ..." lines.
 */
export async function qpdfCheck(
  pdfPath: string,
): Promise<{ ok: boolean; errors: string[]; warnings: string[]; stdout: string; stderr: string; exitCode: number }> {
  const r = await run('qpdf', ['--check', pdfPath]);
  const lines = `${r.stdout}\n${r.stderr}`.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const warnings = lines.filter((l) => l.startsWith('WARNING:'));
  const errors = lines.filter(
    (l) => l.startsWith('ERROR:') || (l.startsWith('qpdf:') && !/operation succeeded with warnings/.test(l)),
  );
  const ok = (r.code === 0 || r.code === 3) && errors.length === 0;
  return { ok, errors, warnings, stdout: r.stdout, stderr: r.stderr, exitCode: r.code };
}

// ---------------------------------------------------------------------------------------------------------------
// Raw signature extraction + openssl cms -verify

export interface ExtractedSignature {
  byteRange: number[];
  /** The CMS blob: hex-decoded /Contents, trailing zero padding removed by reading the outer DER length. */
  contents: Buffer;
  /** Offset of the "/ByteRange" keyword in the file. */
  offset: number;
}

function trimDer(raw: Buffer): Buffer {
  // Outer SEQUENCE with a definite length: cut exactly there. Otherwise (BER indefinite length, garbage) keep all.
  if (raw.length < 2 || raw[0] !== 0x30) return raw;
  const b1 = raw[1];
  if (b1 < 0x80) return raw.subarray(0, Math.min(raw.length, 2 + b1));
  const n = b1 & 0x7f;
  if (n === 0 || n > 4 || raw.length < 2 + n) return raw;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + raw[2 + i];
  return raw.subarray(0, Math.min(raw.length, 2 + n + len));
}

/**
 * Finds every `/ByteRange [a b c d]` (numeric only, so unfilled placeholders are skipped) in file order and reads
 * the signature value from the gap it leaves: bytes [a+b, c) must be the `<hex>` /Contents string. Identical
 * ByteRanges (a signature dictionary rewritten by a later revision) are reported once.
 */
export function extractSignatures(pdf: Buffer): ExtractedSignature[] {
  const text = pdf.toString('latin1');
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  const out: ExtractedSignature[] = [];
  const seen = new Set<string>();
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const byteRange = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    const key = byteRange.join(' ');
    if (seen.has(key)) continue;
    const [a, b, c, d] = byteRange;
    const gapStart = a + b;
    if (gapStart >= c || c + d > pdf.length) continue;
    const gap = text.slice(gapStart, c).trim();
    if (!gap.startsWith('<') || !gap.endsWith('>')) continue;
    const hex = gap.slice(1, -1).replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex)) continue;
    seen.add(key);
    out.push({ byteRange, contents: trimDer(Buffer.from(hex.length % 2 ? hex + '0' : hex, 'hex')), offset: m.index });
  }
  return out;
}

/** The bytes covered by a ByteRange: [a, a+b) followed by [c, c+d). */
export function signedContent(pdf: Buffer, byteRange: number[]): Buffer {
  const [a, b, c, d] = byteRange;
  return Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
}

export interface CmsVerifyOptions {
  /** Verify as of this time (unix seconds or Date) — one-shot signing certificates live only minutes. */
  attime?: number | Date;
  /** Extra (intermediate) certificates, PEM, passed as -certfile. */
  extraCertsPem?: string;
}

/**
 * `openssl cms -verify -binary -inform DER -in sig.der -content content.bin -CAfile root.pem -purpose any` over the
 * ByteRange content of signature `signatureIndex` (0-based, file order of the ByteRanges).
 */
export async function opensslCmsVerify(
  pdf: Buffer,
  signatureIndex: number,
  rootPem: string,
  options: CmsVerifyOptions = {},
): Promise<{ ok: boolean; output: string }> {
  const sigs = extractSignatures(pdf);
  const sig = sigs[signatureIndex];
  if (!sig) return { ok: false, output: `no signature #${signatureIndex} (found ${sigs.length})` };
  const dir = await mkdtemp(join(tmpdir(), 'paraaf-cms-'));
  try {
    const der = join(dir, 'sig.der');
    const content = join(dir, 'content.bin');
    const root = join(dir, 'root.pem');
    await writeFile(der, sig.contents);
    await writeFile(content, signedContent(pdf, sig.byteRange));
    await writeFile(root, rootPem.trim() + '\n');
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', der, '-content', content, '-CAfile', root, '-purpose', 'any', '-out', '/dev/null'];
    if (options.extraCertsPem) {
      const extra = join(dir, 'extra.pem');
      await writeFile(extra, options.extraCertsPem.trim() + '\n');
      args.push('-certfile', extra);
    }
    if (options.attime !== undefined) {
      const t = options.attime instanceof Date ? Math.floor(options.attime.getTime() / 1000) : Math.floor(options.attime);
      args.push('-attime', String(t));
    }
    const r = await run('openssl', args);
    const output = `${r.stdout}${r.stderr}`.trim();
    return { ok: r.code === 0 && /Verification successful/i.test(output), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `openssl ts -verify -token_in -in token.der -data content.bin -CAfile root.pem` for a document timestamp
 * (ETSI.RFC3161, ISO 32000-2 §12.8.5): ByteRange `signatureIndex` (0-based, file order) holds an RFC 3161
 * TimeStampToken whose imprint must be the hash of that ByteRange's content, signed by a TSA chaining to `rootPem`.
 */
/** `at`: check the TSA chain as of that moment (openssl -attime), e.g. a token made by a TSA certificate not yet valid today. */
export async function opensslTsVerify(pdf: Buffer, signatureIndex: number, rootPem: string, options: { at?: Date } = {}): Promise<{ ok: boolean; output: string }> {
  const sig = extractSignatures(pdf)[signatureIndex];
  if (!sig) return { ok: false, output: `no signature #${signatureIndex}` };
  const dir = await mkdtemp(join(tmpdir(), 'paraaf-ts-'));
  try {
    await writeFile(join(dir, 'token.der'), sig.contents);
    await writeFile(join(dir, 'content.bin'), signedContent(pdf, sig.byteRange));
    await writeFile(join(dir, 'root.pem'), rootPem.trim() + '\n');
    const r = await run('openssl', ['ts', '-verify', '-token_in', '-in', join(dir, 'token.der'), '-data', join(dir, 'content.bin'), '-CAfile', join(dir, 'root.pem'), ...(options.at ? ['-attime', String(Math.floor(options.at.getTime() / 1000))] : [])]);
    const output = `${r.stdout}${r.stderr}`.trim();
    return { ok: r.code === 0 && /Verification: OK/.test(output), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
