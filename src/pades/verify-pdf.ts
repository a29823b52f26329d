/**
 * Validation of every signature in a PDF (DESIGN §5, ETSI EN 319 102-1 simplified): integrity
 * of the ByteRange and CMS, the revision each signature covers and what changed after it,
 * the certificate chain to our trust anchors at the signing time, and the PAdES baseline level.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { changesAfter, findSignatures, parsePdfDate, PdfReader, PdfString, revisionEnds, revisionOf, signedEnd, type FoundSignature } from '../pdf/index.ts';
import { checkSignedData, type CmsCheck } from './cms-verify.ts';
import { assessLevel } from './levels.ts';
import type { SignatureReport, ValidationReport, Verdict } from './report.ts';
import { describeCertificate, validateChain } from './trust.ts';

export interface VerifyPdfOptions {
  /** Certificates whose chains we trust (the organisation roots). */
  trustAnchors: X509Certificate[];
  /** Validation time when a signature carries no /M; defaults to now. */
  now?: Date;
}

export async function verifyPdf(pdf: Buffer, options: VerifyPdfOptions): Promise<ValidationReport> {
  const reader = PdfReader.open(pdf);
  const ends = revisionEnds(pdf);
  const signatures = findSignatures(reader).map((found) => verifySignature(reader, found, ends, options));
  const verdict = overallVerdict(signatures);
  return { verdict, valid: verdict === 'valid', revisions: ends.length, signatures };
}

function verifySignature(reader: PdfReader, found: FoundSignature, ends: number[], options: VerifyPdfOptions): SignatureReport {
  const pdf = reader.bytes;
  const text = (key: string): string | null => {
    const value = reader.resolve(found.dict.get(key));
    return value instanceof PdfString ? value.toText() : null;
  };
  const m = text('M');
  const cms = checkSignedData(found.contents, digestOver(pdf, found.byteRange));
  const isDocumentTimestamp = found.subFilter === 'ETSI.RFC3161';
  // A document timestamp's time is the TSA's genTime, not a claim in /M.
  const signingTime = isDocumentTimestamp ? (cms.timestamp?.genTime ?? null) : m ? (parsePdfDate(m) ?? null) : null;
  const end = signedEnd(found.byteRange);
  const changes = found.byteRangeValid ? changesAfter(reader, end) : { kind: 'other' as const, changes: ['the signed byte range is not sound'] };
  const at = signingTime ?? options.now ?? new Date();
  const chain = cms.signerCertificate
    ? validateChain(cms.signerCertificate, cms.certificates, options.trustAnchors, at)
    : { trusted: false, path: [], validAtSigningTime: false, reason: 'no signer certificate in the signature' };
  const integrityValid = found.byteRangeValid && cms.messageDigestMatches && cms.signatureValid && (!isDocumentTimestamp || cms.timestamp?.imprintMatches === true);
  const problems = [...cms.problems];
  if (!found.byteRangeValid) problems.push('the ByteRange does not enclose exactly the /Contents value');
  if (!signingTime) problems.push('no readable signing time (/M)');
  const report: SignatureReport = {
    fieldName: found.fieldName,
    subFilter: found.subFilter,
    signingTime: signingTime?.toISOString() ?? null,
    reason: text('Reason'),
    location: text('Location'),
    signer: cms.signerCertificate ? describeCertificate(cms.signerCertificate) : null,
    integrity: {
      valid: integrityValid,
      digestAlgorithm: cms.digestAlgorithm,
      signatureAlgorithm: cms.signatureAlgorithm,
      byteRange: found.byteRange,
      byteRangeValid: found.byteRangeValid,
    },
    coverage: {
      revision: revisionOf(ends, end),
      revisions: ends.length,
      coversWholeFile: end === pdf.length,
      modificationsAfter: changes.kind,
      changes: changes.changes,
    },
    chain,
    level: isDocumentTimestamp ? { achieved: null, reasons: ['a document timestamp (ETSI.RFC3161) is not a signature; it extends the signatures before it to B-LTA'] } : assessLevel(found, cms, signingTime !== null),
    problems,
    valid: integrityValid && chain.trusted && chain.validAtSigningTime && changes.kind !== 'other',
  };
  return report;
}

/** The digest of the ByteRange content, computed once per algorithm without copying the file. */
function digestOver(pdf: Buffer, byteRange: number[]): (hash: 'sha1' | 'sha256' | 'sha384' | 'sha512') => Buffer {
  const cache = new Map<string, Buffer>();
  return (hash) => {
    let digest = cache.get(hash);
    if (!digest) {
      const h = createHash(hash);
      for (let i = 0; i + 1 < byteRange.length; i += 2) {
        const start = Math.max(0, byteRange[i]);
        h.update(pdf.subarray(start, Math.min(pdf.length, start + Math.max(0, byteRange[i + 1]))));
      }
      digest = h.digest();
      cache.set(hash, digest);
    }
    return digest;
  };
}

function overallVerdict(signatures: SignatureReport[]): Verdict {
  if (signatures.length === 0) return 'no_signatures';
  if (signatures.some((s) => !s.integrity.valid || s.coverage.modificationsAfter === 'other')) return 'invalid';
  if (signatures.some((s) => !s.chain.trusted || !s.chain.validAtSigningTime)) return 'untrusted';
  return 'valid';
}

export type { CmsCheck };
