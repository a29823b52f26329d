/**
 * PAdES baseline level of one signature (ETSI EN 319 142-1 §6.3, Table 1), as far as we check:
 * B-B needs ETSI.CAdES.detached, a signing certificate reference (ESS signing-certificate-v2),
 * content-type id-data, no signing-time attribute and the /M entry. B-T adds a valid signature
 * timestamp from a trusted TSA; B-LT a /DSS holding the certificates and revocation data of the
 * signer's and the TSA's chains (§5.4.2); B-LTA a valid document timestamp covering that DSS.
 */
import type { FoundSignature } from '../pdf/index.ts';
import type { CmsCheck } from './cms-verify.ts';
import type { SignatureReport, TimestampReport } from './report.ts';

/** What the levels above B-B rest on, computed by verifyPdf. */
export interface LongTermEvidence {
  timestamp: TimestampReport | null;
  /** Why the /DSS does not make the signature B-LT, or null when it does. Only asked for a B-T signature. */
  longTermGap: () => string | null;
  /** Why no document timestamp makes it B-LTA, or null when one does. Only asked for a B-LT signature. */
  archiveGap: () => string | null;
}

export function assessLevel(found: FoundSignature, cms: CmsCheck, hasSigningTimeEntry: boolean, evidence: LongTermEvidence): SignatureReport['level'] {
  const baseline = assessBaseline(found, cms, hasSigningTimeEntry);
  if (baseline.achieved === null) return baseline;
  const reasons: string[] = [];
  const { timestamp } = evidence;
  if (!timestamp) return { achieved: 'B-B', reasons: ['B-T: no signature timestamp'] };
  if (!timestamp.valid) {
    const why = timestamp.problems[0] ?? timestamp.chain.reason ?? (timestamp.revocation.status === 'revoked' ? 'TSA certificate revoked' : 'not valid');
    return { achieved: 'B-B', reasons: [`B-T: the signature timestamp is not valid (${why})`] };
  }
  const longTermGap = evidence.longTermGap();
  if (longTermGap) return { achieved: 'B-T', reasons: [...reasons, `B-LT: ${longTermGap}`] };
  const archiveGap = evidence.archiveGap();
  if (archiveGap) return { achieved: 'B-LT', reasons: [`B-LTA: ${archiveGap}`] };
  return { achieved: 'B-LTA', reasons };
}

function assessBaseline(found: FoundSignature, cms: CmsCheck, hasSigningTimeEntry: boolean): SignatureReport['level'] {
  const reasons: string[] = [];
  if (found.subFilter !== 'ETSI.CAdES.detached') reasons.push(`SubFilter is ${found.subFilter || 'missing'}, not ETSI.CAdES.detached`);
  if (cms.signerInfoCount !== 1) reasons.push(`the CMS has ${cms.signerInfoCount} SignerInfos instead of one`);
  if (!cms.contentTypeIsData) reasons.push('the content-type attribute is not id-data');
  if (cms.signingCertificateV2 !== 'matches' && cms.signingCertificateV1 !== 'matches') {
    reasons.push(cms.signingCertificateV2 === 'mismatch' || cms.signingCertificateV1 === 'mismatch' ? 'the signing-certificate attribute does not match the signer certificate' : 'no signing-certificate-v2 attribute');
  }
  if (cms.hasSigningTime) reasons.push('the CMS carries a signing-time attribute, which PAdES forbids (the time belongs in /M)');
  if (!hasSigningTimeEntry) reasons.push('the signature dictionary has no /M entry');
  if (!cms.signatureValid || !cms.messageDigestMatches) reasons.push('the signature is not intact');
  if (reasons.length > 0) return { achieved: null, reasons };
  return { achieved: 'B-B', reasons };
}
