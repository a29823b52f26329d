/**
 * RFC 3161 timestamp tokens as evidence of time: a signature timestamp (unsigned attribute
 * id-aa-signatureTimeStampToken over the SignerInfo's signature value, RFC 3161 Appendix A,
 * ETSI EN 319 122-1 §5.3) or the token of a document timestamp (ETSI.RFC3161, ISO 32000-2 §12.8.5).
 * The token is checked as a CMS SignedData over TSTInfo; the TSA is then judged like a signer:
 * certificate for time-stamping (RFC 3161 §2.3), chain to an anchor valid and not revoked at the
 * time it is judged (the validation time, or the genTime of a later timestamp that covers it).
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { OID } from '../asn1/der.ts';
import type { DigestName } from './cms-algorithms.ts';
import { checkSignedData, type CmsCheck, type DigestOf } from './cms-verify.ts';
import type { TimestampReport } from './report.ts';
import { chainResult, describeCertificate } from './trust.ts';
import type { ValidationContext } from './validation-context.ts';

const CLOCK_SKEW_MS = 60_000;

export interface TokenCheck {
  genTime: Date | null;
  imprintMatches: boolean;
  signatureValid: boolean;
  tsaCertificate: X509Certificate | null;
  certificates: X509Certificate[];
  timeStampingEku: boolean;
  problems: string[];
}

/** The shape of H1's `checkTimestampToken`, computed from a CmsCheck of the token. */
export function tokenFromCms(cms: CmsCheck): TokenCheck {
  const tsa = cms.signerCertificate;
  return {
    genTime: cms.timestamp?.genTime ?? null,
    imprintMatches: cms.timestamp?.imprintMatches === true,
    signatureValid: cms.signatureValid && cms.messageDigestMatches,
    tsaCertificate: tsa,
    certificates: cms.certificates,
    timeStampingEku: (tsa?.keyUsage ?? []).includes(OID.timeStamping),
    // A token's content is TSTInfo, never id-data: that remark of checkSignedData does not apply.
    problems: cms.problems.filter((p) => p !== 'content type is not id-data'),
  };
}

/** A signature timestamp: its imprint is the digest of the SignerInfo's signature value. */
export function checkSignatureTimestamp(token: Buffer, signatureValue: Buffer): { cms: CmsCheck; token: TokenCheck } {
  const digestOf: DigestOf = (name: DigestName) => createHash(name).update(signatureValue).digest();
  const cms = checkSignedData(token, digestOf);
  if (!cms.timestamp) cms.problems.push('the signature timestamp is not an RFC 3161 token (no TSTInfo)');
  return { cms, token: tokenFromCms(cms) };
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
