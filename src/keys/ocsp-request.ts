/**
 * Reading OCSP requests (RFC 6960 §4.1) for our responder. The request comes from the network, so
 * every length, count and hash size is checked; anything we cannot read is an OcspMalformedError
 * (answered with the malformedRequest status, RFC 6960 §2.3), never a crash.
 */
import { BerError, child, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';
import { AppError } from '../errors.ts';

/** The hash algorithms we accept in a CertID; RFC 5019 §2.1.1 clients use SHA-1, newer ones SHA-256. */
export type CertIdHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const CERT_ID_HASH_OID: Readonly<Record<CertIdHash, string>> = Object.freeze({
  sha1: OID.sha1,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
});

const HASH_LENGTH: Record<CertIdHash, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } (RFC 6960 §4.1.1). */
export interface OcspCertId {
  /** null for a hash algorithm we do not support: the responder then answers `unknown` for it. */
  hashAlgorithm: CertIdHash | null;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** serialNumber INTEGER magnitude, big-endian, without leading zero octets. */
  serialNumber: Buffer;
  /** The CertID as received, echoed in the SingleResponse so the client can match it. */
  raw: Buffer;
}

export interface OcspRequest {
  certIds: OcspCertId[];
  /** extnValue of the id-pkix-ocsp-nonce request extension as received (RFC 8954), echoed in the response. */
  nonce: Buffer | null;
}

/** The request cannot be read: HTTP 400, OCSP status malformedRequest. */
export class OcspMalformedError extends AppError {
  constructor(detail: string) {
    super('ocsp_malformed', 400, 'The OCSP request is malformed.', { detail });
  }
}

/** Bounds on what one request may ask, so a hostile client cannot make us sign large responses. */
export const OCSP_REQUEST_LIMITS = Object.freeze({ maxBytes: 16 * 1024, maxCertIds: 16, maxNonceOctets: 32 });

/** Parses a DER OCSPRequest (RFC 6960 §4.1.1). The optional requestor signature is not checked. */
export function parseOcspRequest(der: Buffer): OcspRequest {
  if (der.length === 0) throw new OcspMalformedError('empty request');
  if (der.length > OCSP_REQUEST_LIMITS.maxBytes) throw new OcspMalformedError(`request of ${der.length} bytes`);
  try {
    return readRequest(der);
  } catch (error) {
    if (error instanceof BerError) throw new OcspMalformedError(error.message);
    throw error;
  }
}

function readRequest(der: Buffer): OcspRequest {
  const request = readBer(der);
  if (request.tag !== 0x30 || request.raw.length !== der.length) fail('not a single SEQUENCE');
  // TBSRequest ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, requestorName [1] EXPLICIT OPTIONAL,
  //                            requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT OPTIONAL }
  const tbs = child(request, 0, 0x30);
  let index = 0;
  const version = tbs.children[index]?.tag === 0xa0 ? tbs.children[index++] : null;
  if (version && !child(version, 0, 0x02).content.equals(Buffer.from([0]))) fail('unsupported version');
  if (tbs.children[index]?.tag === 0xa1) index++;
  const list = child(tbs, index++, 0x30);
  const extensions = tbs.children[index]?.tag === 0xa2 ? tbs.children[index++] : null;
  if (index !== tbs.children.length) fail('unexpected element in TBSRequest');
  if (list.children.length === 0) fail('empty requestList');
  if (list.children.length > OCSP_REQUEST_LIMITS.maxCertIds) fail(`${list.children.length} certificates asked`);
  // Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT OPTIONAL }
  const certIds = list.children.map((single) => {
    if (single.tag !== 0x30) fail('Request is not a SEQUENCE');
    return readCertId(child(single, 0, 0x30));
  });
  return { certIds, nonce: extensions ? readNonce(child(extensions, 0, 0x30)) : null };
}

function readCertId(node: BerNode): OcspCertId {
  if (node.children.length !== 4) fail('CertID needs four elements');
  const algorithm = child(node, 0, 0x30);
  const hashOid = oidString(child(algorithm, 0, 0x06));
  const issuerNameHash = octets(child(node, 1, 0x04));
  const issuerKeyHash = octets(child(node, 2, 0x04));
  const serial = child(node, 3, 0x02);
  if (serial.content.length === 0 || serial.content.length > 21) fail('serial number length');
  let start = 0;
  while (start < serial.content.length - 1 && serial.content[start] === 0) start++;
  const hashAlgorithm = (Object.keys(CERT_ID_HASH_OID) as CertIdHash[]).find((h) => CERT_ID_HASH_OID[h] === hashOid) ?? null;
  if (hashAlgorithm) {
    const length = HASH_LENGTH[hashAlgorithm];
    if (issuerNameHash.length !== length || issuerKeyHash.length !== length) fail('issuer hash length');
  } else if (issuerNameHash.length > 64 || issuerKeyHash.length > 64) {
    fail('issuer hash length');
  }
  return { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber: serial.content.subarray(start), raw: node.raw };
}

/** Finds the nonce among the request extensions; an unknown critical extension makes the request unusable. */
function readNonce(extensions: BerNode): Buffer | null {
  let nonce: Buffer | null = null;
  for (const extension of extensions.children) {
    if (extension.tag !== 0x30 || extension.children.length < 2) fail('malformed extension');
    const id = oidString(child(extension, 0, 0x06));
    const critical = extension.children.length === 3 && child(extension, 1, 0x01).content[0] !== 0;
    const value = octets(child(extension, extension.children.length - 1, 0x04));
    if (id === OID.ocspNonce) {
      if (nonce) fail('two nonces');
      // RFC 8954 §2.1: Nonce ::= OCTET STRING (SIZE(1..32)); a responder MUST reject other sizes as malformed.
      const size = nonceSize(value);
      if (size < 1 || size > OCSP_REQUEST_LIMITS.maxNonceOctets) fail(`nonce of ${size} octets`);
      nonce = value;
    } else if (critical) {
      fail(`unsupported critical extension ${id}`);
    }
  }
  return nonce;
}

/** The nonce's own length: the OCTET STRING inside extnValue, or the raw value from pre-RFC 8954 clients. */
function nonceSize(value: Buffer): number {
  try {
    const inner = readBer(value);
    if (inner.tag === 0x04 && inner.raw.length === value.length) return inner.content.length;
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
  }
  return value.length;
}

/**
 * The DER request of an HTTP GET (RFC 6960 Appendix A.1): the last path segment is the URL-encoded base64
 * of the request. Throws OcspMalformedError for anything else.
 */
export function ocspRequestFromGetPath(segment: string): Buffer {
  let text: string;
  try {
    text = decodeURIComponent(segment);
  } catch {
    throw new OcspMalformedError('bad URL encoding');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length > (OCSP_REQUEST_LIMITS.maxBytes * 4) / 3 + 4) {
    throw new OcspMalformedError('not base64');
  }
  return Buffer.from(text, 'base64');
}

function fail(detail: string): never {
  throw new OcspMalformedError(detail);
}
