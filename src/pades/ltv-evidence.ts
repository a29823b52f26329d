/**
 * Reading what B-LT needs from the structures already in a file: the certificates of a CMS
 * SignedData and of the signature-time-stamp tokens in its SignerInfos (RFC 5652 §5.1, §5.3;
 * ETSI EN 319 122-1 §5.3), the certificates carried by an OCSP response (RFC 6960 §4.2.1), and
 * which certificate an OCSP response or CRL speaks about (RFC 6960 §4.1.1 CertID, RFC 5280 §5.1).
 * Tolerant: anything unreadable is skipped, since validation (not extension) judges it.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { BerError, child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';
import { tryCertificateFields } from '../asn1/certificate-fields.ts';
import { digestName } from './cms-algorithms.ts';

/** Bounds: certificates per SignedData and timestamp tokens nested in one another. */
const MAX_CERTS = 256;
const MAX_DEPTH = 4;

function safely<T>(fallback: T, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BerError) return fallback;
    throw error;
  }
}

/** SignedData inside ContentInfo { contentType, [0] EXPLICIT content } (RFC 5652 §3). */
function signedDataOf(contentInfo: Buffer): BerNode | null {
  return safely(null, () => {
    const info = readBer(contentInfo);
    if (oidString(child(info, 0, 0x06)) !== OID.signedData) return null;
    return child(child(info, 1, 0xa0), 0, 0x30);
  });
}

/**
 * Every certificate in `cms` (a ContentInfo with SignedData: a PAdES signature, a document
 * timestamp or a signature-time-stamp token) and in the timestamp tokens of its SignerInfos.
 */
export function cmsCertificates(cms: Buffer, depth = 0): Buffer[] {
  const signedData = signedDataOf(cms);
  if (!signedData || depth > MAX_DEPTH) return [];
  const found: Buffer[] = [];
  // certificates [0] IMPLICIT CertificateSet; only plain Certificate choices (a SEQUENCE).
  const set = signedData.children.find((node) => node.tag === 0xa0);
  for (const cert of (set?.children ?? []).slice(0, MAX_CERTS)) if (cert.tag === 0x30) found.push(Buffer.from(cert.raw));
  for (const token of signatureTimestampTokens(signedData)) found.push(...cmsCertificates(token, depth + 1));
  return found;
}

/** The id-aa-signatureTimeStampToken values of every SignerInfo (unsignedAttrs [1] IMPLICIT). */
function signatureTimestampTokens(signedData: BerNode): Buffer[] {
  const tokens: Buffer[] = [];
  const signerInfos = signedData.children[signedData.children.length - 1];
  for (const signerInfo of signerInfos?.tag === 0x31 ? signerInfos.children : []) {
    const unsigned = signerInfo.children.find((node) => node.tag === 0xa1);
    for (const attribute of unsigned?.children ?? []) {
      const isToken = safely(false, () => oidString(child(attribute, 0, 0x06)) === OID.timeStampToken);
      if (!isToken) continue;
      for (const value of attribute.children[1]?.children ?? []) tokens.push(Buffer.from(value.raw));
    }
  }
  return tokens;
}

interface OcspSingle {
  hash: string;
  issuerNameHash: Buffer;
  serial: Buffer;
}

interface ParsedOcsp {
  singles: OcspSingle[];
  certificates: Buffer[];
}

/** OCSPResponse { responseStatus, [0] EXPLICIT ResponseBytes { id-pkix-ocsp-basic, OCTET STRING } }. */
function parseOcsp(der: Buffer): ParsedOcsp | null {
  return safely(null, () => {
    const response = readBer(der);
    const bytes = response.children.find((node) => node.tag === 0xa0);
    if (!bytes) return null;
    const responseBytes = child(bytes, 0, 0x30);
    if (oidString(child(responseBytes, 0, 0x06)) !== OID.ocspBasic) return null;
    // BasicOCSPResponse { tbsResponseData, signatureAlgorithm, signature, [0] EXPLICIT certs }
    const basic = readBer(octets(child(responseBytes, 1, 0x04)));
    const tbs = child(basic, 0, 0x30);
    const responses = tbs.children.find((node, i) => i > 0 && node.tag === 0x30);
    const singles: OcspSingle[] = [];
    for (const single of responses?.children ?? []) {
      // CertID { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber }
      const certId = child(single, 0, 0x30);
      const hash = digestName(child(certId, 0, 0x30));
      if (hash) singles.push({ hash, issuerNameHash: octets(child(certId, 1, 0x04)), serial: integerBytes(child(certId, 3, 0x02)) });
    }
    const certs = basic.children.find((node) => node.tag === 0xa0)?.children[0]?.children ?? [];
    return { singles, certificates: certs.slice(0, MAX_CERTS).map((c) => Buffer.from(c.raw)) };
  });
}

/**
 * OCSP responses parsed once each while one B-LT revision is collected: every certificate of the queue is
 * checked against every response known so far (coveredBy), which parsed each of them again every time.
 */
export class OcspReader {
  private readonly parsed = new Map<Buffer, ParsedOcsp | null>();

  read(der: Buffer): ParsedOcsp | null {
    let known = this.parsed.get(der);
    if (known === undefined) {
      known = parseOcsp(der);
      this.parsed.set(der, known);
    }
    return known;
  }
}

/** Certificates an OCSP response carries (a delegated responder's, RFC 6960 §4.2.2.2). */
export function ocspCertificates(der: Buffer, reader?: OcspReader): Buffer[] {
  return (reader ? reader.read(der) : parseOcsp(der))?.certificates ?? [];
}

/** issuer Name and serial magnitude of a certificate, as OCSP CertIDs and CRLs name it. */
function issuerAndSerial(cert: X509Certificate): { issuer: Buffer; serial: Buffer } | null {
  const fields = tryCertificateFields(cert.raw);
  return fields ? { issuer: fields.issuer.raw, serial: integerBytes(fields.serial) } : null;
}

/**
 * Whether the OCSP responses or CRLs in `evidence` speak about `cert`: an OCSP SingleResponse for
 * its serial whose issuerNameHash is its issuer's name, or a CRL of its issuer. Which status they
 * give, and whether they are genuine and fresh, is verification's business.
 */
export function coveredBy(cert: X509Certificate, evidence: { ocsps: Buffer[]; crls: Buffer[] }, reader = new OcspReader()): boolean {
  const id = issuerAndSerial(cert);
  if (!id) return false;
  for (const ocsp of evidence.ocsps) {
    for (const single of reader.read(ocsp)?.singles ?? []) {
      if (!single.serial.equals(id.serial)) continue;
      if (createHash(single.hash).update(id.issuer).digest().equals(single.issuerNameHash)) return true;
    }
  }
  return evidence.crls.some((crl) => crlIssuer(crl)?.equals(id.issuer) ?? false);
}

/** CertificateList { tbsCertList { version?, signature, issuer, … } } (RFC 5280 §5.1). */
function crlIssuer(der: Buffer): Buffer | null {
  return safely(null, () => {
    const tbs = child(readBer(der), 0, 0x30);
    const offset = tbs.children[0]?.tag === 0x02 ? 1 : 0;
    return Buffer.from(child(tbs, offset + 1, 0x30).raw);
  });
}
