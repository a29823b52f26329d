import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '../errors.ts';
import { loadTrustLists, TrustListError, type SignatureReport, type TrustList, type VerifyPdfOptions } from '../pades/index.ts';
import type { ValidationReport } from '../pades/report.ts';
import { createVerifyPool } from '../pades/verify-pool.ts';
import { DEV_PKI_PASSWORD, loadOrCreateDevPki, type RevocationSource } from '../keys/index.ts';
import { ownRevocationSource } from '../workflow/pki-publication.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { withDatabase } from './database.ts';

export async function runVerify(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      json: { type: 'boolean' },
      trust: { type: 'string', multiple: true },
      'trust-list': { type: 'string', multiple: true },
      at: { type: 'string' },
      online: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    1,
  );
  const [file] = positionals;
  const pdf = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const anchors = await trustAnchors(values.trust ?? [], context);
  const trustList = trustListOf(values['trust-list'] ?? []);
  const at = values.at === undefined ? undefined : validationTime(values.at);
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : timeoutOf(values.timeout);
  const options = { trustAnchors: anchors, ...(at ? { at } : {}), ...(trustList ? { trustList } : {}) };
  let report: ValidationReport;
  try {
    // --online: our own CAs answer too (their revocations, `cert revoke`, live in the database).
    report = values.online
      ? await withOwnRevocation(context, (revocation) => verifyBounded(pdf, { ...options, revocation }, timeoutMs))
      : await verifyBounded(pdf, options, timeoutMs);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'verify_too_complex') throw error;
    const detail = /ran past/.test(error.detail ?? '') ? `verification stopped after ${timeoutMs} ms: the file is too complex` : `verification stopped: the file is too complex (${error.detail ?? error.message})`;
    if (values.json) context.out(JSON.stringify({ code: error.code, status: error.status, title: error.message, detail, file }, null, 2));
    else context.err(`${file}: ${detail}`);
    return 1;
  }
  if (values.json) context.out(JSON.stringify(report, null, 2));
  else {
    context.out(`${file}: ${report.verdict} (${report.signatures.length} signature(s), ${report.revisions} revision(s)), judged as of ${report.validationTime}`);
    report.signatures.forEach((s, i) => context.out(describe(s, i)));
    for (const problem of report.problems) context.out(`problem: ${problem}`);
  }
  return report.valid ? 0 : 1;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * verifyPdf in a worker thread of the pool the API uses (issue 10): past `timeoutMs` (or its heap
 * limit) the worker is terminated and `verify_too_complex` thrown, whatever the file. Revocation
 * questions (--online) are answered here, in this process, by the pool.
 */
async function verifyBounded(pdf: Buffer, options: VerifyPdfOptions, timeoutMs: number): Promise<ValidationReport> {
  const pool = createVerifyPool({ size: 1, maxQueued: 0, timeoutMs });
  try {
    return await pool.verify(pdf, options);
  } finally {
    await pool.close();
  }
}

function timeoutOf(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1) throw new UsageError(`--timeout needs a number of milliseconds, e.g. 30000 (got ${value}).`);
  return ms;
}

async function withOwnRevocation<T>(context: CliContext, run: (revocation: RevocationSource) => Promise<T>): Promise<T> {
  const { config } = context;
  const pki = await loadOrCreateDevPki({ directory: path.join(config.certsDir, 'dev'), password: config.pkiPassword ?? DEV_PKI_PASSWORD, baseUrl: config.baseUrl });
  return withDatabase(context, (db) => run(ownRevocationSource({ db, clock: () => new Date(), authorities: pki.authorities })));
}

/** `--trust-list be.xml …`: ETSI TS 119 612 lists whose qualified CAs are trusted and classify the signers. */
function trustListOf(files: string[]): TrustList | undefined {
  if (files.length === 0) return undefined;
  try {
    return loadTrustLists(files);
  } catch (error) {
    if (error instanceof TrustListError) throw new UsageError(`${error.message}.`);
    throw error;
  }
}

/** `--at 2046-12-06` or a full ISO 8601 date-time: judge the file as of that moment (ETSI EN 319 102-1 §5.6). */
function validationTime(value: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at needs an ISO 8601 date, e.g. 2046-12-06 or 2046-12-06T10:00:00Z (got ${value}).`);
  return at;
}

/** The given roots, or by default the development root under CERTS_DIR. */
export async function trustAnchors(files: string[], context: CliContext): Promise<X509Certificate[]> {
  const paths = files.length > 0 ? files : [path.join(context.config.certsDir, 'dev', 'root-ca.pem')].filter((p) => existsSync(p));
  return Promise.all(
    paths.map(async (p) => {
      try {
        return new X509Certificate(await readFile(p));
      } catch {
        throw new UsageError(`Cannot read a PEM certificate from ${p}.`);
      }
    }),
  );
}

function describe(s: SignatureReport, index: number): string {
  const lines = [
    `#${index + 1} ${s.fieldName}: ${s.valid ? 'VALID' : 'NOT VALID'}`,
    `   signer:    ${s.signer?.subject ?? 'unknown'}`,
    `   time:      ${timeLine(s)}`,
    `   integrity: ${s.integrity.valid ? 'intact' : 'BROKEN'} (${s.integrity.digestAlgorithm ?? '?'}, ${s.integrity.signatureAlgorithm ?? '?'})`,
    `   coverage:  revision ${s.coverage.revision} of ${s.coverage.revisions}; after it: ${s.coverage.modificationsAfter}`,
    `   timestamp: ${s.timestamp ? `${s.timestamp.valid ? 'valid' : 'NOT valid'}, ${s.timestamp.genTime ?? '?'} by ${s.timestamp.tsa?.subject ?? 'unknown TSA'}` : 'none'}`,
    `   chain:     ${s.chain.trusted ? 'trusted' : 'NOT trusted'}, judged at ${s.judgedAt}${s.chain.reason ? ` — ${s.chain.reason}` : ''}`,
    `   revoked?:  ${s.revocation.status}${s.revocation.certificates.length ? ` (${s.revocation.certificates.map(revocationOf).join('; ')})` : ''}`,
    `   qualified: ${qualificationLine(s.certificate)}`,
    `   level:     ${s.level.achieved ?? 'none'}${s.level.reasons.length ? ` (${s.level.reasons.join('; ')})` : ''}`,
  ];
  for (const problem of s.problems) lines.push(`   problem:   ${problem}`);
  return lines.join('\n');
}

/** One certificate of the chain: whose it is and what its revocation data says, e.g. `CN=An Peeters: good via ocsp from dss`. */
function revocationOf(c: SignatureReport['revocation']['certificates'][number]): string {
  const name = /(?:^|, )(CN=[^,]+)/.exec(c.subject)?.[1] ?? c.subject;
  const revoked = c.status === 'revoked' && c.revokedAt ? ` since ${c.revokedAt}${c.reason ? ` (${c.reason})` : ''}` : '';
  return `${name}: ${c.status}${revoked}${c.origin ? ` via ${c.source} from ${c.origin}` : ''}`;
}

/** e.g. `qualified (Test Certipost: Test Citizen CA, granted)` or `non_qualified — the certificate is not qualified: …`. */
function qualificationLine(c: SignatureReport['certificate']): string {
  const service = c.service ? ` (${c.service.tsp}: ${c.service.name}, ${c.service.status})` : '';
  return `${c.kind}${service}${c.reason ? ` — ${c.reason}` : ''}`;
}

function timeLine(s: SignatureReport): string {
  // A document timestamp proves its own time (its token's genTime); it is judged at the validation time.
  if (s.subFilter === 'ETSI.RFC3161') return `${s.timestamp?.genTime ?? 'unknown'} (the time in its own token)`;
  if (s.timeSource === 'timestamp') return `${s.judgedAt} (proven by a timestamp)${s.signingTime ? `; /M ${s.signingTime}` : ''}`;
  if (s.timeSource === 'self_declared') return `${s.signingTime} (self-declared /M only, not proven)`;
  return 'none';
}
