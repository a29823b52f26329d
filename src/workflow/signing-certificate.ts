/**
 * Is a certificate a signer brings (eID card, remote QSCD) fit to sign with, now (issue 13)? A path to a
 * trusted root (the deployment's own, or a CA/QC service of a loaded trusted list), every certificate
 * valid now, the leaf's key meant for signatures (keyUsage nonRepudiation, RFC 5280 §4.2.1.3; what a
 * Belgian eID signature certificate carries), not revoked (own CAs in-process, others by OCSP or CRL),
 * and for a qualified step a qualified certificate on a QSCD (ETSI TS 119 615, eIDAS art. 3(12)).
 * Each refusal is a 422 with its own code and a sentence the signer can act on.
 */
import { X509Certificate } from 'node:crypto';
import type { SignatureLevel } from '../domain/routing.ts';
import { AppError } from '../errors.ts';
import { certificateFields, nameAttributes } from '../asn1/certificate-fields.ts';
import { OID } from '../asn1/der.ts';
import { keyUsageOf } from '../pades/qc-statements.ts';
import { classifyCertificate, type CertificateQualification } from '../pades/qualification.ts';
import { RevocationEvidence, statusAt } from '../pades/revocation-check.ts';
import { buildPath, pathValidityProblem, subjectOf } from '../pades/trust.ts';
import { anchorsFor } from '../pades/validation-context.ts';
import { combineRevocationSources } from '../keys/combined-revocation-source.ts';
import type { SignatureQualification } from './apply-signature.ts';
import type { WorkflowDeps } from './deps.ts';

/** Most certificates a signer may present: leaf, a few intermediates, a root. */
const MAX_PRESENTED = 8;

export interface CheckedCertificate {
  /** Leaf first, then its issuers up to the trust anchor, then anything else presented: what goes in the CMS. */
  chain: Buffer[];
  leaf: X509Certificate;
  qualification: CertificateQualification;
}

function refused(code: string, message: string, detail?: string): AppError {
  return new AppError(code, 422, message, detail ? { detail } : {});
}

/** The certificates as presented, leaf first; 422 `certificate_invalid` for bytes that are not certificates. */
export function parseCertificates(presented: Buffer | readonly Buffer[]): X509Certificate[] {
  const list = Buffer.isBuffer(presented) ? [presented] : [...presented];
  if (list.length === 0 || list.length > MAX_PRESENTED) throw refused('certificate_invalid', 'No usable certificate was presented.');
  return list.map((der) => {
    try {
      return new X509Certificate(der);
    } catch (error) {
      throw new AppError('certificate_invalid', 422, 'The certificate could not be read.', { cause: error });
    }
  });
}

export async function checkSigningCertificate(
  deps: Pick<WorkflowDeps, 'pki' | 'trustList' | 'revocation' | 'remoteRevocation'>,
  presented: readonly X509Certificate[],
  level: SignatureLevel,
  now: Date,
): Promise<CheckedCertificate> {
  const [leaf, ...others] = presented;
  const anchors = [...deps.pki.trustAnchors, ...(deps.trustList?.anchors ?? [])];
  // Only the anchors that can end a path from these certificates: a trusted list brings hundreds, and path
  // building's bounded candidates must not be crowded out by them.
  const built = buildPath(leaf, others, anchorsFor(presented, anchors));
  if (!built.path) throw refused('certificate_untrusted', 'This certificate was not issued by a certification authority this service trusts.', built.refused ?? `no path to a trust anchor from ${subjectOf(leaf)}`);
  const validity = pathValidityProblem(built.path, now);
  if (validity) throw refused('certificate_expired', 'This certificate is not valid today (expired, or not yet valid).', validity);
  if (!keyUsageOf(leaf)?.has('nonRepudiation')) {
    throw refused('certificate_unsuitable', 'This certificate is not meant for signing documents; use the signature certificate of your card or service.', `keyUsage of ${subjectOf(leaf)} lacks nonRepudiation`);
  }
  const qualification = classifyCertificate(built.path, now, deps.trustList);
  if (level === 'qualified' && qualification.kind !== 'qualified') {
    throw refused(
      'certificate_not_qualified',
      'This document asks for a qualified signature, and this certificate does not make one. Sign with your eID card or a qualified remote signing service.',
      qualification.reason ?? undefined,
    );
  }
  // Last, as it goes over the network: the leaf's CA says it is not revoked (OCSP, else its CRL).
  const issuer = built.path[1] ?? (leaf.checkIssued(leaf) ? leaf : null);
  if (!issuer) throw refused('certificate_untrusted', 'This certificate was not issued by a certification authority this service trusts.');
  const revocation = deps.remoteRevocation ? combineRevocationSources(deps.revocation, deps.remoteRevocation) : deps.revocation;
  const data = await revocation.revocationData(leaf, issuer);
  if (!data) throw refused('certificate_revocation_unknown', 'Whether this certificate was revoked cannot be checked.', `no OCSP or CRL for ${subjectOf(leaf)}`);
  const status = statusAt(new RevocationEvidence(data, 'live').findings(leaf, issuer), now);
  if (status.status === 'revoked') throw refused('certificate_revoked', 'This certificate has been revoked and can no longer sign.');
  if (status.status !== 'good') throw refused('certificate_revocation_unknown', 'Whether this certificate was revoked cannot be checked.', `no verifiable answer for ${subjectOf(leaf)}`);
  return { chain: completedChain(built.path, presented), leaf, qualification };
}

/**
 * The path, continued with presented issuers beyond its anchor (a trusted list anchors the eID's citizen CA;
 * the card's root then still goes in the CMS, for validators that trust only the root), in issuing order.
 */
function completedChain(path: readonly X509Certificate[], presented: readonly X509Certificate[]): Buffer[] {
  const chain = [...path];
  for (let last = chain[chain.length - 1]; chain.length < MAX_PRESENTED && !last.checkIssued(last); last = chain[chain.length - 1]) {
    const issuer = presented.find((c) => last.checkIssued(c) && last.verify(c.publicKey) && !chain.some((p) => p.raw.equals(c.raw)));
    if (!issuer) break;
    chain.push(issuer);
  }
  return chain.map((c) => Buffer.from(c.raw));
}

/** What `recipient.signed` and the audit events keep of a qualification. */
export function qualificationSummary(qualification: CertificateQualification): SignatureQualification {
  return { kind: qualification.kind, qcSscd: qualification.qcSscd, tsp: qualification.service?.tsp ?? null };
}

/**
 * The name shown in the signature appearance: given name and surname from the certificate (eID: "Jan
 * Peeters"), else its common name without the eID's " (Signature)" suffix.
 */
export function signerNameOf(leaf: X509Certificate): string {
  const attributes = nameAttributes(certificateFields(leaf.raw).subject);
  const value = (type: string) => attributes.find((a) => a.type === type)?.value.trim() ?? '';
  const given = value(OID.givenName);
  const surname = value(OID.surname);
  if (given && surname) return `${given} ${surname}`;
  return value(OID.commonName).replace(/\s*\((Signature|Signing|Handtekening)\)\s*$/i, '') || subjectOf(leaf);
}

/** The certificate as `signing.certificate_presented` records it. */
export function presentedCertificateDetails(leaf: X509Certificate, qualification: CertificateQualification) {
  return {
    fingerprintSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    serialNumber: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo).toISOString(),
    qualification: qualificationSummary(qualification),
  };
}
