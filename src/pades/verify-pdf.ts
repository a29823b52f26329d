/**
 * Validation of every signature in a PDF (DESIGN §5, ETSI EN 319 102-1 simplified): integrity
 * of the ByteRange and CMS, the revision each signature covers and what changed after it, the
 * signer's chain judged at the *proven* time, revocation, and the PAdES baseline level.
 *
 * Past validation (ETSI EN 319 102-1 §5.6, simplified): the newest document timestamp is judged
 * at the validation time `at`; everything a valid timestamp covers is judged at the genTime of
 * the earliest valid timestamp covering it. A signature's own signature timestamp proves its time;
 * a signature with only /M (a time the signing software wrote itself) is judged at `at`.
 */
import type { X509Certificate } from 'node:crypto';
import type { RevocationSource } from '../keys/types.ts';
import { readDss } from '../pdf/dss.ts';
import { findSignatures, PdfReader, revisionEnds, signedEnd, type FoundSignature } from '../pdf/index.ts';
import { checkSignedData, type CmsCheck } from './cms-verify.ts';
import { digestPass } from './digest-pass.ts';
import { LongTermChecks } from './long-term.ts';
import type { SignatureReport, TimestampReport, ValidationReport, Verdict } from './report.ts';
import { checkSignatureTimestamp, checkToken, judgeTimestamp, type TokenCheck } from './signature-timestamp.ts';
import { signatureReport } from './signature-report.ts';
import type { TrustList } from './trust-list.ts';
import { ValidationContext, type EmbeddedData } from './validation-context.ts';

export interface VerifyPdfOptions {
  /** Certificates whose chains we trust (the organisation roots). */
  trustAnchors: X509Certificate[];
  /** Judge as of this moment (default now): a date in the future asks "will it still hold then?". */
  at?: Date;
  /** Older name of `at`. */
  now?: Date;
  /** Asked at validation time beside what the file embeds (our own CAs, online); offline when absent. */
  revocation?: RevocationSource;
  /**
   * ETSI TS 119 612 trusted lists: their qualified CAs and TSAs are trusted beside `trustAnchors`, and each
   * signer's certificate is classified qualified or not by them (report `certificate`).
   */
  trustList?: TrustList;
}

/** Signatures checked per file; beyond this the file is reported, not worked through. */
export const MAX_SIGNATURES = 100;

/** One signature or document timestamp as found and checked, before it is judged. */
export interface CheckedSignature {
  found: FoundSignature;
  cms: CmsCheck;
  end: number;
  isDocumentTimestamp: boolean;
  /** The document timestamp's token, or the first signature timestamp of a signature. */
  token: TokenCheck | null;
  timestamp: TimestampReport | null;
}

export async function verifyPdf(pdf: Buffer, options: VerifyPdfOptions): Promise<ValidationReport> {
  const at = options.at ?? options.now ?? new Date();
  const reader = PdfReader.open(pdf);
  const ends = revisionEnds(pdf);
  const all = findSignatures(reader);
  const found = all.slice(0, MAX_SIGNATURES);
  const dss = embeddedData(reader);
  const context = new ValidationContext(options.trustAnchors, dss.data, options.revocation, options.trustList);
  if (dss.problem) context.problems.push(dss.problem);
  if (all.length > found.length) context.problems.push(`the file has ${all.length} signatures; only the first ${MAX_SIGNATURES} were checked`);
  context.problems.push(...staleLists(options.trustList, at));
  const digestOf = digestPass(pdf, found.map((f) => f.byteRange));
  const checked = found.map((f, index) => checkOne(f, (name) => digestOf(index, name)));
  for (const item of checked) context.pool.add([...item.cms.certificates, ...(item.token?.certificates ?? [])]);

  // Newest document timestamp first: each is judged at the earliest valid later one covering it.
  const timestamps = checked.filter((c) => c.isDocumentTimestamp).sort((a, b) => b.end - a.end);
  for (const item of timestamps) item.timestamp = await judgeTimestamp(item.token!, context, proofOfExistence(timestamps, item.end, at));
  const longTerm = new LongTermChecks(pdf, context, timestamps);
  const signatures: SignatureReport[] = [];
  for (const item of checked) {
    const poe = proofOfExistence(timestamps, item.end, at);
    if (!item.isDocumentTimestamp && item.token) item.timestamp = await judgeTimestamp(item.token, context, poe);
    signatures.push(await signatureReport({ reader, ends, item, context, longTerm, at, poe }));
  }
  const verdict = overallVerdict(signatures);
  return { verdict, valid: verdict === 'valid', revisions: ends.length, validationTime: at.toISOString(), signatures, problems: context.problems };
}

/** Lists past their NextUpdate at `at` (ETSI TS 119 612 §5.3.14): still used, but said, since a newer list may say otherwise. */
function staleLists(trustList: TrustList | undefined, at: Date): string[] {
  return (trustList?.lists ?? [])
    .filter((list) => list.nextUpdate !== null && list.nextUpdate.getTime() < at.getTime())
    .map((list) => `the trusted list of ${list.territory ?? 'unknown territory'} (sequence ${list.sequenceNumber ?? '?'}) was due to be replaced on ${list.nextUpdate!.toISOString()}; a newer one may say otherwise`);
}

/** The /DSS as the newest revision has it; a damaged one counts as absent, with a problem said. */
function embeddedData(reader: PdfReader): { data: EmbeddedData; problem: string | null } {
  try {
    return { data: readDss(reader), problem: null };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { data: { certs: [], ocsps: [], crls: [] }, problem: `the /DSS cannot be read (${detail}); no embedded validation data used` };
  }
}

function checkOne(found: FoundSignature, digestOf: (name: 'sha1' | 'sha256' | 'sha384' | 'sha512') => Buffer): CheckedSignature {
  const cms = checkSignedData(found.contents, digestOf);
  const isDocumentTimestamp = found.subFilter === 'ETSI.RFC3161';
  let token: TokenCheck | null = null;
  if (isDocumentTimestamp) token = checkToken(found.contents, digestOf);
  else if (cms.timestampTokens.length > 0 && cms.signatureValue) token = checkSignatureTimestamp(cms.timestampTokens[0], cms.signatureValue);
  return { found, cms, end: signedEnd(found.byteRange), isDocumentTimestamp, token, timestamp: null };
}

/** The genTime of the earliest valid document timestamp that covers bytes up to `end`, else `at`. */
export function proofOfExistence(timestamps: CheckedSignature[], end: number, at: Date): Date {
  let earliest = at;
  for (const item of timestamps) {
    const genTime = item.timestamp?.valid && item.token?.genTime;
    if (item.end > end && genTime && genTime.getTime() < earliest.getTime()) earliest = genTime;
  }
  return earliest;
}

function overallVerdict(signatures: SignatureReport[]): Verdict {
  if (signatures.length === 0) return 'no_signatures';
  const broken = (s: SignatureReport): boolean => s.timestamp !== null && (!s.timestamp.imprintMatches || !s.timestamp.signatureValid);
  if (signatures.some((s) => !s.integrity.valid || s.coverage.modificationsAfter === 'other' || s.revocation.status === 'revoked' || broken(s))) return 'invalid';
  if (signatures.some((s) => !s.valid)) return 'untrusted';
  return 'valid';
}

export type { CmsCheck };
