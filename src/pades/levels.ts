/**
 * PAdES baseline level of one signature (ETSI EN 319 142-1 §6.3, Table 1), as far as we check:
 * B-B needs ETSI.CAdES.detached, a signing certificate reference (ESS signing-certificate-v2),
 * content-type id-data, no signing-time attribute and the /M entry. B-T adds a signature
 * timestamp, whose validation comes with the timestamp work; until then we say so.
 */
import type { FoundSignature } from '../pdf/index.ts';
import type { CmsCheck } from './cms-verify.ts';
import type { SignatureReport } from './report.ts';

export function assessLevel(found: FoundSignature, cms: CmsCheck, hasSigningTimeEntry: boolean): SignatureReport['level'] {
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
  if (cms.hasTimestampToken) reasons.push('B-T: the signature timestamp is present but not yet validated by Paraaf');
  else reasons.push('B-T: no signature timestamp');
  return { achieved: 'B-B', reasons };
}
