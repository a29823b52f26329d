/**
 * RFC 3161 timestamp tokens as evidence of time: a signature timestamp (unsigned attribute
 * id-aa-signatureTimeStampToken over the SignerInfo's signature value, RFC 3161 Appendix A,
 * ETSI EN 319 122-1 §5.3) or the token of a document timestamp (ETSI.RFC3161, ISO 32000-2 §12.8.5).
 * The token is checked as a CMS SignedData over TSTInfo; the TSA is then judged like a signer:
 * certificate for time-stamping (RFC 3161 §2.3), chain to an anchor valid and not revoked at the
 * time it is judged (the validation time, or the genTime of a later timestamp that covers it).
 */
import { createHash } from 'node:crypto';
import type { DigestName } from './cms-algorithms.ts';
import { checkSignedData, type DigestOf } from './cms-verify.ts';
import { checkTimestampToken, type TimestampTokenCheck } from './timestamp-token.ts';
import type { TimestampReport } from './report.ts';
import { chainResult, describeCertificate } from './trust.ts';
import type { ValidationContext } from './validation-context.ts';

const CLOCK_SKEW_MS = 60_000;

/** What validation needs of checkTimestampToken's answer. */
export type TokenCheck = Pick<TimestampTokenCheck, 'genTime' | 'imprintMatches' | 'signatureValid' | 'tsaCertificate' | 'certificates' | 'timeStampingEku' | 'problems'>;

/**
 * Checks a token against the digest of what it vouches for (`digestOf`, by the algorithm the
 * TSTInfo names) with `checkTimestampToken`: imprint, CMS signature and signing-certificate
 * attribute, a critical id-kp-timeStamping EKU. No trust decision: that is `judgeTimestamp`'s.
 */
export function checkToken(token: Buffer, digestOf: DigestOf): TokenCheck {
  const cms = checkSignedData(token, digestOf);
  const hash = cms.timestamp?.hashAlgorithm ?? null;
  if (!cms.timestamp || !hash) {
    const problems = cms.problems.filter((p) => p !== 'content type is not id-data');
    if (!cms.timestamp) problems.push('not an RFC 3161 timestamp token (no TSTInfo)');
    return { genTime: cms.timestamp?.genTime ?? null, imprintMatches: false, signatureValid: false, tsaCertificate: cms.signerCertificate, certificates: cms.certificates, timeStampingEku: false, problems };
  }
  try {
    return checkTimestampToken(token, { digest: digestOf(hash), hash });
  } catch (error) {
    // Hostile input must end up as a problem, never as a failed validation run.
    const message = error instanceof Error ? error.message : String(error);
    return { genTime: null, imprintMatches: false, signatureValid: false, tsaCertificate: null, certificates: [], timeStampingEku: false, problems: [`unreadable timestamp token: ${message}`] };
  }
}

/** A signature timestamp: its imprint is the digest of the SignerInfo's signature value (RFC 3161 Appendix A). */
export function checkSignatureTimestamp(token: Buffer, signatureValue: Buffer): TokenCheck {
  return checkToken(token, (name: DigestName) => createHash(name).update(signatureValue).digest());
}

/** Judges the TSA of `token` as of `at`; the certificates of the token join the file's pool. */
export async function judgeTimestamp(token: TokenCheck, context: ValidationContext, at: Date): Promise<TimestampReport> {
  const problems = [...token.problems];
  const tsa = token.tsaCertificate;
  const built = tsa ? context.pathOf(tsa, token.certificates) : null;
  const chain = built ? chainResult(built, at) : { trusted: false, path: [], validAtSigningTime: false, reason: 'no TSA certificate in the token' };
  const revocation = await context.revocationOf(built?.path ?? null, at);
  if (!token.genTime) problems.push('the timestamp has no readable genTime');
  if (tsa && !token.timeStampingEku) problems.push('the TSA certificate is not for time-stamping (no id-kp-timeStamping)');
  if (revocation.status === 'revoked') problems.push('a certificate of the TSA chain is revoked');
  // A token from after the moment it is judged at did not exist then (small skew between TSAs allowed).
  const fromTheFuture = token.genTime !== null && token.genTime.getTime() > at.getTime() + CLOCK_SKEW_MS;
  if (fromTheFuture) problems.push('the timestamp is dated after the time it is judged at');
  const valid = !fromTheFuture && token.genTime !== null && token.imprintMatches && token.signatureValid && token.timeStampingEku
    && chain.trusted && chain.validAtSigningTime && revocation.status !== 'revoked';
  return {
    genTime: token.genTime?.toISOString() ?? null,
    valid,
    imprintMatches: token.imprintMatches,
    signatureValid: token.signatureValid,
    timeStampingEku: token.timeStampingEku,
    tsa: tsa ? describeCertificate(tsa) : null,
    chain,
    revocation,
    judgedAt: at.toISOString(),
    problems,
  };
}
