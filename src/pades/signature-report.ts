/**
 * One signature's report (src/pades/report.ts): integrity and coverage as read from the file, the
 * signer's chain and revocation judged at the proven time, the timestamp, and the level reached.
 */
import { changesAfter, parsePdfDate, PdfString, revisionOf, type PdfReader } from '../pdf/index.ts';
import { assessLevel } from './levels.ts';
import type { LongTermChecks } from './long-term.ts';
import { classifyCertificate } from './qualification.ts';
import type { SignatureReport } from './report.ts';
import { chainResult, describeCertificate } from './trust.ts';
import type { ValidationContext } from './validation-context.ts';
import type { CheckedSignature } from './verify-pdf.ts';

export interface ReportInput {
  reader: PdfReader;
  ends: number[];
  item: CheckedSignature;
  context: ValidationContext;
  longTerm: LongTermChecks;
  /** The validation time. */
  at: Date;
  /** The genTime of the earliest valid document timestamp covering the signature, else `at`. */
  poe: Date;
}

/** /M later than the proven time by more than this is reported as inconsistent. */
const CLOCK_TOLERANCE_MS = 10 * 60_000;

export async function signatureReport(input: ReportInput): Promise<SignatureReport> {
  const { reader, ends, item, context, at, poe } = input;
  const { found, cms, end, isDocumentTimestamp, timestamp } = item;
  const text = (key: string): string | null => {
    const value = reader.resolve(found.dict.get(key));
    return value instanceof PdfString ? value.toText() : null;
  };
  const m = text('M');
  const declared = m ? (parsePdfDate(m) ?? null) : null;
  // A document timestamp's content is TSTInfo, never id-data: that remark of checkSignedData does not apply.
  const problems = isDocumentTimestamp ? cms.problems.filter((p) => p !== 'content type is not id-data') : [...cms.problems];
  // The proven time: the signature's own timestamp, else a document timestamp covering it.
  const stamped = timestamp?.valid && timestamp.genTime ? new Date(timestamp.genTime) : null;
  const proven = isDocumentTimestamp ? poe : stamped ?? (poe.getTime() < at.getTime() ? poe : null);
  const timeSource = proven || isDocumentTimestamp ? 'timestamp' : declared ? 'self_declared' : null;
  const judgedAt = proven ?? at;
  const signingTime = isDocumentTimestamp ? (item.token?.genTime ?? null) : declared;

  const signer = cms.signerCertificate;
  const built = signer ? context.pathOf(signer, cms.certificates) : null;
  const chain = built ? chainResult(built, judgedAt) : { trusted: false, path: [], validAtSigningTime: false, reason: 'no signer certificate in the signature' };
  const revocation = isDocumentTimestamp && timestamp ? timestamp.revocation : await context.revocationOf(built?.path ?? null, judgedAt);
  const changes = found.byteRangeValid ? changesAfter(reader, end) : { kind: 'other' as const, changes: ['the signed byte range is not sound'] };
  const integrityValid = found.byteRangeValid && cms.messageDigestMatches && cms.signatureValid && (!isDocumentTimestamp || cms.timestamp?.imprintMatches === true);

  if (!found.byteRangeValid) problems.push('the ByteRange does not enclose exactly the /Contents value');
  if (!signingTime) problems.push('no readable signing time (/M)');
  if (!isDocumentTimestamp) problems.push(...timeProblems(item, declared, stamped, timeSource));
  else if (timestamp && !timestamp.valid) problems.push(...timestamp.problems.filter((p) => !problems.includes(p)), ...(timestamp.chain.reason ? [timestamp.chain.reason] : []));
  if (revocation.status === 'revoked') problems.push(`a certificate of the chain was revoked before the proven time (${revocation.certificates.find((c) => c.status === 'revoked')?.subject})`);
  const tokenBroken = timestamp !== null && (!timestamp.imprintMatches || !timestamp.signatureValid);

  const tsaPath = item.token?.tsaCertificate ? context.pathOf(item.token.tsaCertificate, item.token.certificates).path : null;
  const level: SignatureReport['level'] = isDocumentTimestamp
    ? { achieved: null, reasons: ['a document timestamp (ETSI.RFC3161) is not a signature; it extends the signatures before it to B-LTA'] }
    : assessLevel(found, cms, declared !== null, {
        timestamp,
        longTermGap: () => input.longTerm.longTermGap([built?.path ?? null, tsaPath]),
        archiveGap: () => input.longTerm.archiveGap(end, [built?.path ?? null, tsaPath]),
      });
  const certificate: SignatureReport['certificate'] = isDocumentTimestamp
    ? { kind: 'non_qualified', qcCompliance: false, qcSscd: false, qcType: null, service: null, reason: 'a document timestamp (ETSI.RFC3161) is not an electronic signature' }
    : classifyCertificate(built?.path ?? built?.longest ?? (signer ? [signer] : []), judgedAt, context.trustList);
  const chainOk = isDocumentTimestamp ? timestamp?.valid === true : chain.trusted && chain.validAtSigningTime;
  return {
    fieldName: found.fieldName,
    subFilter: found.subFilter,
    signingTime: signingTime?.toISOString() ?? null,
    reason: text('Reason'),
    location: text('Location'),
    signer: signer ? describeCertificate(signer) : null,
    integrity: { valid: integrityValid, digestAlgorithm: cms.digestAlgorithm, signatureAlgorithm: cms.signatureAlgorithm, byteRange: found.byteRange, byteRangeValid: found.byteRangeValid },
    coverage: { revision: revisionOf(ends, end), revisions: ends.length, coversWholeFile: end === reader.bytes.length, modificationsAfter: changes.kind, changes: changes.changes },
    timeSource,
    judgedAt: judgedAt.toISOString(),
    timestamp,
    chain,
    revocation,
    certificate,
    level,
    problems,
    valid: integrityValid && chainOk && !tokenBroken && revocation.status !== 'revoked' && changes.kind !== 'other',
  };
}

function timeProblems(item: CheckedSignature, declared: Date | null, stamped: Date | null, timeSource: SignatureReport['timeSource']): string[] {
  const problems: string[] = [];
  const { timestamp } = item;
  if (timestamp && !timestamp.valid) problems.push(`the signature timestamp is not valid: ${[...timestamp.problems, timestamp.chain.reason].filter(Boolean).join('; ') || 'its TSA is not trusted'}`);
  if (timeSource === 'self_declared') {
    problems.push('the only signing time is /M, which the signing software writes itself; the certificate is judged at the validation time');
  }
  if (declared && stamped && declared.getTime() - stamped.getTime() > CLOCK_TOLERANCE_MS) {
    problems.push('/M is later than the signature timestamp');
  }
  return problems;
}
