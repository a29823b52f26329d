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

/** Longest path we build: leaf, a few intermediates, the anchor. */
const MAX_DEPTH = 10;
/** Candidate issuers considered per search: a file with thousands of certificates gets this many, no more. */
const MAX_POOL = 256;
/** Signature checks per search; with the memo below a search needs far fewer, whatever the input. */
const MAX_SIGNATURE_CHECKS = 512;

function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

interface Search {
  candidates: X509Certificate[];
  anchors: X509Certificate[];
  /** The longest path tried, for reporting how far we got. */
  longest: X509Certificate[];
  /** Why a certificate that did sign the last one was refused as its issuer. */
  refused: string | null;
  /** Certificates from which no path reaches an anchor: each is explored once (no factorial search). */
  deadEnds: Set<X509Certificate>;
  /** `child issuer` pairs already checked, with the outcome. */
  issued: Map<string, boolean>;
  checks: number;
}

/** `issuer`'s subject is `cert`'s issuer and its key verifies `cert`'s signature (memoised, capped). */
function signedBy(cert: X509Certificate, issuer: X509Certificate, search: Search): boolean {
  if (cert.issuer !== issuer.subject) return false;
  const key = `${cert.fingerprint256} ${issuer.fingerprint256}`;
  const known = search.issued.get(key);
  if (known !== undefined) return known;
  if (search.checks >= MAX_SIGNATURE_CHECKS) return false;
  search.checks++;
  let result: boolean;
  try {
    result = cert.verify(issuer.publicKey);
  } catch {
    result = false;
  }
  search.issued.set(key, result);
  return result;
}

/**
 * Depth-first with a memo of dead ends: extends `path` (leaf first) until its last certificate is
 * a trust anchor. A certificate from which no anchor was reached is never explored again, so the
 * work is bounded by candidates × candidates signature checks, and by MAX_SIGNATURE_CHECKS.
 */
function extend(path: X509Certificate[], search: Search): X509Certificate[] | null {
  if (path.length > search.longest.length) search.longest = path;
  const last = path[path.length - 1];
  if (search.anchors.some((anchor) => sameCertificate(anchor, last))) return path;
  if (path.length >= MAX_DEPTH || search.deadEnds.has(last)) return null;
  for (const issuer of search.candidates) {
    if (path.some((cert) => sameCertificate(cert, issuer)) || !signedBy(last, issuer, search)) continue;
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
  search.deadEnds.add(last);
  return null;
}

/** Anchors first, then the pool without duplicates, capped at MAX_POOL. */
function candidatesOf(pool: readonly X509Certificate[], anchors: readonly X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  const out: X509Certificate[] = [];
  for (const cert of [...anchors, ...pool]) {
    if (out.length >= MAX_POOL) break;
    const key = cert.fingerprint256;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cert);
  }
  return out;
}

export interface BuiltPath {
  /** Leaf first, anchor last; null when no anchor was reached. */
  path: X509Certificate[] | null;
  /** As far as a path could be built, for reporting. */
  longest: X509Certificate[];
  refused: string | null;
}

/**
 * Builds a path from `signer` through `pool` to one of `anchors` (no time check). `issued` may be
 * shared between searches over the same pool, so that each signature is verified once per file.
 */
export function buildPath(signer: X509Certificate, pool: readonly X509Certificate[], anchors: readonly X509Certificate[], issued = new Map<string, boolean>()): BuiltPath {
  const search: Search = {
    candidates: candidatesOf(pool, anchors),
    anchors: [...anchors],
    longest: [],
    refused: null,
    deadEnds: new Set(),
    issued,
    checks: 0,
  };
  const path = extend([signer], search);
  return { path, longest: search.longest, refused: search.refused };
}

function validityProblem(cert: X509Certificate, at: Date): string | null {
  const time = at.getTime();
  // `at` is the proven signing time, or the validation time when nothing proves one (a document timestamp, --at).
  const iso = (date: string) => new Date(date).toISOString();
  if (time < Date.parse(cert.validFrom)) return `certificate not valid before ${iso(cert.validFrom)}, after the time it is judged at (${subjectOf(cert)})`;
  if (time > Date.parse(cert.validTo)) return `certificate expired on ${iso(cert.validTo)}, before the time it is judged at (${subjectOf(cert)})`;
  return null;
}

/** The first certificate of `path` that is not valid at `at`, as a sentence; null when all are. */
export function pathValidityProblem(path: readonly X509Certificate[], at: Date): string | null {
  return path.map((cert) => validityProblem(cert, at)).find((p) => p !== null) ?? null;
}

/** The chain result of the report for a built path, judged at `at`. */
export function chainResult(built: BuiltPath, at: Date): ChainResult {
  const timeProblem = pathValidityProblem(built.path ?? built.longest, at);
  if (!built.path) {
    const reason = built.refused ?? 'no path to a trust anchor';
    return { trusted: false, path: built.longest.map(subjectOf), validAtSigningTime: timeProblem === null, reason };
  }
  return { trusted: true, path: built.path.map(subjectOf), validAtSigningTime: timeProblem === null, reason: timeProblem };
}

/** Builds and checks a path from `signer` through `pool` to one of `anchors`, as of `at`. */
export function validateChain(signer: X509Certificate, pool: X509Certificate[], anchors: X509Certificate[], at: Date): ChainResult {
  return chainResult(buildPath(signer, pool, anchors), at);
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
