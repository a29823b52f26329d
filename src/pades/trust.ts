/**
 * Certificate path building and checking for signature validation (RFC 5280 §6, simplified):
 * from the signer through the certificates of the CMS to one of our trust anchors. Validity is
 * judged at the signing time, not now: one-shot signer certificates live for minutes
 * (ETSI EN 319 102-1 §5.2.6 validates at the time the signature existed).
 */
import type { X509Certificate } from 'node:crypto';
import type { SignerInfoReport } from './report.ts';
import { certificateFields, formatName, nameAttributes, subjectAltNameEmails, type CertificateFields } from '../asn1/certificate-fields.ts';
import { OID } from '../asn1/der.ts';

export interface ChainResult {
  trusted: boolean;
  /** Subjects from the signer to the anchor, or as far as a path could be built. */
  path: string[];
  validAtSigningTime: boolean;
  reason: string | null;
}

const MAX_DEPTH = 10;

function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

/** `issuer`'s subject is `cert`'s issuer and its key verifies `cert`'s signature. */
function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.issuer === issuer.subject && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

interface Search {
  pool: X509Certificate[];
  anchors: X509Certificate[];
  /** The longest path tried, for reporting how far we got. */
  longest: X509Certificate[];
  /** Why a certificate that did sign the last one was refused as its issuer. */
  refused: string | null;
}

/** Depth-first: extends `path` (leaf first) until its last certificate is a trust anchor. */
function extend(path: X509Certificate[], search: Search): X509Certificate[] | null {
  if (path.length > search.longest.length) search.longest = path;
  const last = path[path.length - 1];
  if (search.anchors.some((anchor) => sameCertificate(anchor, last))) return path;
  if (path.length >= MAX_DEPTH) return null;
  for (const issuer of [...search.anchors, ...search.pool]) {
    if (path.some((cert) => sameCertificate(cert, issuer)) || !signedBy(last, issuer)) continue;
    // An issuer must be a CA: basicConstraints cA TRUE (RFC 5280 §4.2.1.9) ...
    if (!issuer.ca) {
      search.refused ??= `issuer certificate is not a CA (${subjectOf(issuer)})`;
      continue;
    }
    // ... and pass OpenSSL's issuer check: key identifiers, keyCertSign in keyUsage (RFC 5280 §4.2.1.3).
    if (!last.checkIssued(issuer)) {
      search.refused ??= `issuer certificate may not issue certificates (${subjectOf(issuer)})`;
      continue;
    }
    const found = extend([...path, issuer], search);
    if (found) return found;
  }
  return null;
}

function validityProblem(cert: X509Certificate, at: Date): string | null {
  const time = at.getTime();
  if (time < Date.parse(cert.validFrom)) return `certificate not yet valid at signing time (${subjectOf(cert)})`;
  if (time > Date.parse(cert.validTo)) return `certificate expired at signing time (${subjectOf(cert)})`;
  return null;
}

/** Builds and checks a path from `signer` through `pool` to one of `anchors`, as of `at`. */
export function validateChain(signer: X509Certificate, pool: X509Certificate[], anchors: X509Certificate[], at: Date): ChainResult {
  const search: Search = { pool, anchors, longest: [], refused: null };
  const path = extend([signer], search);
  const timeProblem = (path ?? search.longest).map((cert) => validityProblem(cert, at)).find((p) => p !== null) ?? null;
  if (!path) {
    const reason = search.refused ?? 'no path to a trust anchor';
    return { trusted: false, path: search.longest.map(subjectOf), validAtSigningTime: timeProblem === null, reason };
  }
  return { trusted: true, path: path.map(subjectOf), validAtSigningTime: timeProblem === null, reason: timeProblem };
}

function fieldsOf(cert: X509Certificate): CertificateFields | null {
  try {
    return certificateFields(cert.raw);
  } catch {
    return null;
  }
}

/** Subject as one line, e.g. "CN=An Peeters, title=Algemeen directeur, O=Gemeente Zomergem, C=BE". */
export function subjectOf(cert: X509Certificate): string {
  const fields = fieldsOf(cert);
  return fields ? formatName(fields.subject) : cert.subject.split('\n').reverse().join(', ');
}

/** The report's view of a signer certificate (src/pades/report.ts). */
export function describeCertificate(cert: X509Certificate): SignerInfoReport {
  const fields = fieldsOf(cert);
  const attributes = fields ? nameAttributes(fields.subject) : [];
  // The most specific value wins when an attribute repeats (last RDN in encoding order).
  const pick = (type: string): string | null => attributes.filter((a) => a.type === type).pop()?.value ?? null;
  const email = pick(OID.emailAddress) ?? (fields ? subjectAltNameEmails(fields)[0] ?? null : null);
  return {
    subject: subjectOf(cert),
    commonName: pick(OID.commonName),
    email,
    organisation: pick(OID.organizationName),
    title: pick(OID.title),
    issuer: fields ? formatName(fields.issuer) : cert.issuer.split('\n').reverse().join(', '),
    serialNumber: cert.serialNumber.toLowerCase(),
    fingerprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}
