/**
 * Revocation evidence as a validator reads it: OCSP responses (RFC 6960 §4.2.1) and CRLs
 * (RFC 5280 §5.1) from a PDF's /DSS or from a live RevocationSource. Every item is parsed once and
 * its signature verified against the certificate's issuer (or a delegated responder the issuer
 * certified with id-kp-OCSPSigning, RFC 6960 §4.2.2.2) before it counts. Never throws on bad input:
 * an unreadable or unverifiable item is ignored, so the certificate stays "unknown".
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';
import { certificateFields, formatName, subjectPublicKeyBits } from '../asn1/certificate-fields.ts';
import { digestName, identifySignature, verifySignatureValue } from './cms-algorithms.ts';
import { readAsn1Time } from './asn1-time.ts';
import { readCertificate } from './certificate-pool.ts';

export type RevocationStatus = 'good' | 'revoked' | 'unknown';
export type EvidenceOrigin = 'dss' | 'live';

export interface RevocationFinding {
  status: RevocationStatus;
  source: 'ocsp' | 'crl';
  origin: EvidenceOrigin;
  revokedAt: Date | null;
  reason: string | null;
  /** OCSP producedAt, or the CRL's thisUpdate. */
  issuedAt: Date | null;
}

/** CRLReason (RFC 5280 §5.3.1). */
const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

/** Items considered per origin, and CRL entries per list: bounds for hostile files. */
const MAX_ITEMS = 500;
const MAX_CRL_ENTRIES = 100_000;

interface SingleResponse {
  hash: string;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serial: string;
  status: RevocationStatus;
  revokedAt: Date | null;
  reason: string | null;
}

interface ParsedOcsp {
  tbs: Buffer;
  signatureAlgorithm: BerNode;
  signature: Buffer;
  certs: X509Certificate[];
  producedAt: Date | null;
  responses: SingleResponse[];
  origin: EvidenceOrigin;
}

interface ParsedCrl {
  tbs: Buffer;
  signatureAlgorithm: BerNode;
  signature: Buffer;
  issuer: string;
  thisUpdate: Date | null;
  revoked: Map<string, { at: Date | null; reason: string | null }>;
  origin: EvidenceOrigin;
}

const bitString = (node: BerNode): Buffer => octets(node).subarray(1);

function reasonOf(node: BerNode | undefined): string | null {
  if (!node) return null;
  const value = node.content[node.content.length - 1] ?? 0;
  return REASONS[value] ?? `reason ${value}`;
}

/** OCSPResponse { responseStatus, [0] EXPLICIT ResponseBytes { responseType, response OCTET STRING } } */
function parseOcsp(der: Buffer, origin: EvidenceOrigin): ParsedOcsp | null {
  try {
    const response = readBer(der);
    if (child(response, 0, 0x0a).content[0] !== 0) return null; // not "successful"
    const bytes = child(child(response, 1, 0xa0), 0, 0x30);
    if (oidString(child(bytes, 0)) !== OID.ocspBasic) return null;
    // BasicOCSPResponse { tbsResponseData, signatureAlgorithm, signature BIT STRING, [0] EXPLICIT certs }
    const basic = readBer(octets(child(bytes, 1, 0x04)));
    const tbs = child(basic, 0, 0x30);
    const certsNode = basic.children[3]?.tag === 0xa0 ? basic.children[3].children[0] : undefined;
    // ResponseData { [0] version, responderID, producedAt, responses, [1] extensions }
    let index = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
    index++; // responderID: byName [1] or byKey [2]; the signature check decides who signed
    const producedAt = readAsn1Time(child(tbs, index++));
    const responses = child(tbs, index, 0x30).children.slice(0, MAX_ITEMS).map(parseSingle);
    const certs = (certsNode?.children ?? []).slice(0, 16).map((c) => readCertificate(c.raw)).filter((c): c is X509Certificate => c !== null);
    return { tbs: tbs.raw, signatureAlgorithm: child(basic, 1, 0x30), signature: bitString(child(basic, 2, 0x03)), certs, producedAt, responses, origin };
  } catch {
    return null;
  }
}

/** SingleResponse { certID, certStatus, thisUpdate, [0] nextUpdate, [1] extensions } */
function parseSingle(node: BerNode): SingleResponse {
  const certId = child(node, 0, 0x30);
  const status = child(node, 1);
  const hash = digestName(child(certId, 0, 0x30)) ?? 'unsupported';
  const single: SingleResponse = {
    hash,
    issuerNameHash: octets(child(certId, 1, 0x04)),
    issuerKeyHash: octets(child(certId, 2, 0x04)),
    serial: integerBytes(child(certId, 3, 0x02)).toString('hex'),
    status: 'unknown',
    revokedAt: null,
    reason: null,
  };
  // CertStatus: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL
  if (status.tag === 0x80) single.status = 'good';
  if (status.tag === 0xa1) {
    single.status = 'revoked';
    single.revokedAt = readAsn1Time(child(status, 0));
    single.reason = reasonOf(status.children[1]?.children[0]);
  }
  return single;
}

/** CertificateList { tbsCertList, signatureAlgorithm, signatureValue } (RFC 5280 §5.1). */
function parseCrl(der: Buffer, origin: EvidenceOrigin): ParsedCrl | null {
  try {
    const list = readBer(der);
    const tbs = child(list, 0, 0x30);
    // TBSCertList { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL, revokedCertificates OPTIONAL, [0] crlExtensions }
    let index = tbs.children[0]?.tag === 0x02 ? 1 : 0;
    index++;
    const issuer = formatName(child(tbs, index++, 0x30));
    const thisUpdate = readAsn1Time(child(tbs, index++));
    if (tbs.children[index]?.tag === 0x17 || tbs.children[index]?.tag === 0x18) index++;
    const revoked = new Map<string, { at: Date | null; reason: string | null }>();
    const entries = tbs.children[index]?.tag === 0x30 ? tbs.children[index].children : [];
    for (const entry of entries.slice(0, MAX_CRL_ENTRIES)) {
      // { userCertificate, revocationDate, crlEntryExtensions }: reasonCode is extension 2.5.29.21 (§5.3.1)
      const extension = entry.children[2]?.children.find((e) => oidString(child(e, 0)) === OID.crlReason);
      const reason = extension ? reasonOf(readBer(octets(extension.children[extension.children.length - 1]))) : null;
      revoked.set(integerBytes(child(entry, 0, 0x02)).toString('hex'), { at: readAsn1Time(child(entry, 1)), reason });
    }
    return { tbs: tbs.raw, signatureAlgorithm: child(list, 1, 0x30), signature: bitString(child(list, 2, 0x03)), issuer, thisUpdate, revoked, origin };
  } catch {
    return null;
  }
}

function signedBy(tbs: Buffer, algorithmNode: BerNode, signature: Buffer, signer: X509Certificate): boolean {
  try {
    const identified = identifySignature(algorithmNode, null);
    return 'algorithm' in identified && verifySignatureValue(identified.algorithm, signer.publicKey, tbs, signature);
  } catch {
    return false;
  }
}

function serialHex(cert: X509Certificate): string {
  return integerBytes(certificateFields(cert.raw).serial).toString('hex');
}

/** Parsed evidence of one origin; verification results are memoised per issuer. */
export class RevocationEvidence {
  private readonly ocsps: ParsedOcsp[];
  private readonly crls: ParsedCrl[];
  private readonly verified = new Map<object, Map<string, boolean>>();

  constructor(data: { ocsps: readonly Buffer[]; crls: readonly Buffer[] }, origin: EvidenceOrigin) {
    this.ocsps = data.ocsps.slice(0, MAX_ITEMS).map((der) => parseOcsp(der, origin)).filter((o): o is ParsedOcsp => o !== null);
    this.crls = data.crls.slice(0, MAX_ITEMS).map((der) => parseCrl(der, origin)).filter((c): c is ParsedCrl => c !== null);
  }

  get size(): number {
    return this.ocsps.length + this.crls.length;
  }

  /** Every verified statement about `cert` (issued by `issuer`). */
  findings(cert: X509Certificate, issuer: X509Certificate): RevocationFinding[] {
    const out: RevocationFinding[] = [];
    let serial: string;
    try {
      serial = serialHex(cert);
    } catch {
      return out;
    }
    for (const ocsp of this.ocsps) out.push(...this.fromOcsp(ocsp, serial, issuer));
    for (const crl of this.crls) {
      if (crl.issuer !== formatName(certificateFields(cert.raw).issuer) || !this.check(crl, issuer, () => signedBy(crl.tbs, crl.signatureAlgorithm, crl.signature, issuer))) continue;
      const entry = crl.revoked.get(serial);
      out.push({ status: entry ? 'revoked' : 'good', source: 'crl', origin: crl.origin, revokedAt: entry?.at ?? null, reason: entry?.reason ?? null, issuedAt: crl.thisUpdate });
    }
    return out;
  }

  private fromOcsp(ocsp: ParsedOcsp, serial: string, issuer: X509Certificate): RevocationFinding[] {
    const matching = ocsp.responses.filter((single) => single.serial === serial && single.hash !== 'unsupported' && issuerMatches(single, issuer));
    if (matching.length === 0 || !this.check(ocsp, issuer, () => ocspSignedFor(ocsp, issuer))) return [];
    return matching.map((single) => ({ status: single.status, source: 'ocsp', origin: ocsp.origin, revokedAt: single.revokedAt, reason: single.reason, issuedAt: ocsp.producedAt }));
  }

  private check(item: object, issuer: X509Certificate, verify: () => boolean): boolean {
    let byIssuer = this.verified.get(item);
    if (!byIssuer) this.verified.set(item, (byIssuer = new Map()));
    const key = issuer.fingerprint256;
    let result = byIssuer.get(key);
    if (result === undefined) byIssuer.set(key, (result = verify()));
    return result;
  }
}

/** CertID names the issuer by the hashes of its subject DN and public key (RFC 6960 §4.1.1). */
function issuerMatches(single: SingleResponse, issuer: X509Certificate): boolean {
  try {
    const fields = certificateFields(issuer.raw);
    const hash = single.hash as 'sha1';
    return createHash(hash).update(fields.subject.raw).digest().equals(single.issuerNameHash)
      && createHash(hash).update(subjectPublicKeyBits(fields.subjectPublicKeyInfo.raw)).digest().equals(single.issuerKeyHash);
  } catch {
    return false;
  }
}

/** Signed by the issuer itself, or by a responder certificate it issued for OCSP signing (RFC 6960 §4.2.2.2). */
function ocspSignedFor(ocsp: ParsedOcsp, issuer: X509Certificate): boolean {
  if (signedBy(ocsp.tbs, ocsp.signatureAlgorithm, ocsp.signature, issuer)) return true;
  return ocsp.certs.some((responder) => {
    try {
      const delegated = responder.issuer === issuer.subject && responder.verify(issuer.publicKey) && (responder.keyUsage ?? []).includes(OID.ocspSigning);
      return delegated && signedBy(ocsp.tbs, ocsp.signatureAlgorithm, ocsp.signature, responder);
    } catch {
      return false;
    }
  });
}

export interface CertificateStatus {
  status: RevocationStatus;
  finding: RevocationFinding | null;
}

/**
 * The status of a certificate as of `at` from everything known: revoked when any verified item
 * says it was revoked at or before `at`; good when an item says good (or revoked only later);
 * unknown otherwise. A revocation after `at` does not undo a signature proven to exist before it.
 */
export function statusAt(findings: RevocationFinding[], at: Date): CertificateStatus {
  const revoked = findings.find((f) => f.status === 'revoked' && (f.revokedAt === null || f.revokedAt.getTime() <= at.getTime()));
  if (revoked) return { status: 'revoked', finding: revoked };
  const good = findings.find((f) => f.status === 'good') ?? findings.find((f) => f.status === 'revoked');
  if (good) return { status: 'good', finding: good };
  return { status: 'unknown', finding: findings[0] ?? null };
}
