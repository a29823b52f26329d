/**
 * Our OCSP responder's answers (RFC 6960 §4.2): a BasicOCSPResponse signed by the issuing CA itself
 * (§4.2.2.2: "the CA who issued the certificate in question"), so no delegated responder certificate
 * is needed. Also the answer for one certificate without a request, to embed in a PDF's /DSS
 * (ETSI EN 319 142-1 §5.4.2), and the unsigned error responses of §2.3.
 */
import { createHash, X509Certificate } from 'node:crypto';
import {
  bitString,
  contextConstructed,
  contextPrimitive,
  integer,
  nullValue,
  octetString,
  oid,
  OID,
  sequence,
  tlv,
  type Der,
} from '../asn1/der.ts';
import { certificateFields, subjectPublicKeyBits, type CertificateFields } from '../asn1/certificate-fields.ts';
import { integerBytes } from '../asn1/ber.ts';
import { CRL_REASON_CODE, enumerated, type CrlReason } from './crl.ts';
import { CERT_ID_HASH_OID, type CertIdHash, type OcspCertId, type OcspRequest } from './ocsp-request.ts';
import { signatureAlgorithmIdentifier } from './signing-key.ts';
import type { SigningKey } from './types.ts';

/** What the CA knows about one of its certificates (RFC 6960 §2.2). */
export type CertStatus =
  | { status: 'good' }
  | { status: 'revoked'; revokedAt: Date; reason?: CrlReason }
  | { status: 'unknown' };

/** OCSPResponseStatus values other than successful (RFC 6960 §4.2.1). */
export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'unauthorized';

const RESPONSE_STATUS: Record<'successful' | OcspErrorStatus, number> = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  unauthorized: 6,
};

export interface BuildOcspResponseOptions {
  /** The CA that issued the certificates asked about: its certificate first, and its key signs the response. */
  responder: SigningKey;
  request: OcspRequest;
  /** Called only for CertIDs issued by the responder; may throw (answer `ocspErrorResponse('internalError')`). */
  status: (serial: Buffer) => Promise<CertStatus>;
  now: Date;
  /** nextUpdate = now + validityMs: how long a client may cache the answer (RFC 6960 §4.2.2.1). */
  validityMs: number;
}

/** Answers a parsed request. A CertID whose issuer hashes do not name the responder gets status unknown. */
export async function buildOcspResponse(options: BuildOcspResponseOptions): Promise<Buffer> {
  const { responder, request } = options;
  const issuer = responderFields(responder);
  const singles: Der[] = [];
  for (const certId of request.certIds) {
    const status = issuedByResponder(certId, issuer) ? await options.status(certId.serialNumber) : { status: 'unknown' as const };
    singles.push(singleResponse(certId.raw, status, options.now, options.validityMs));
  }
  return signedResponse(responder, issuer, singles, options.now, request.nonce);
}

export interface OcspResponseForOptions {
  /** The certificate's issuing CA (certificate first); it signs the response. */
  responder: SigningKey;
  certificate: Buffer | X509Certificate;
  status: CertStatus | ((serial: Buffer) => Promise<CertStatus>);
  now: Date;
  validityMs: number;
  /** CertID hash; SHA-1 by default, which every validator reads (RFC 5019 §2.1.1). It only names, never protects. */
  certIdHash?: CertIdHash;
}

/** A signed OCSPResponse for one certificate without a request (no nonce), e.g. to embed in a PDF's /DSS. */
export async function ocspResponseFor(options: OcspResponseForOptions): Promise<Buffer> {
  const issuer = responderFields(options.responder);
  const der = Buffer.isBuffer(options.certificate) ? options.certificate : options.certificate.raw;
  const fields = certificateFields(der);
  if (!fields.issuer.raw.equals(issuer.subject.raw)) {
    throw new Error('ocspResponseFor: the certificate was not issued by the responder');
  }
  const serial = integerBytes(fields.serial);
  const status = typeof options.status === 'function' ? await options.status(serial) : options.status;
  const certId = encodeCertId(issuer, serial, options.certIdHash ?? 'sha1');
  const single = singleResponse(certId, status, options.now, options.validityMs);
  return signedResponse(options.responder, issuer, [single], options.now, null);
}

/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } without responseBytes (RFC 6960 §4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  return sequence(enumerated(RESPONSE_STATUS[status]));
}

/** The CertID naming `serial` under `issuer` (RFC 6960 §4.1.1), with NULL hash parameters as OpenSSL writes them. */
export function encodeCertId(issuer: CertificateFields, serial: Buffer, hash: CertIdHash): Der {
  return sequence(
    sequence(oid(CERT_ID_HASH_OID[hash]), nullValue()),
    octetString(issuerNameHash(issuer, hash)),
    octetString(issuerKeyHash(issuer, hash)),
    integer(serial),
  );
}

function responderFields(responder: SigningKey): CertificateFields {
  if (responder.certificates.length === 0) throw new Error('OCSP responder without a certificate');
  return certificateFields(Buffer.from(responder.certificates[0]));
}

/** issuerNameHash: hash of the issuer's DER subject; issuerKeyHash: of its subjectPublicKey bits (§4.1.1). */
const issuerNameHash = (issuer: CertificateFields, hash: CertIdHash): Buffer =>
  createHash(hash).update(issuer.subject.raw).digest();
const issuerKeyHash = (issuer: CertificateFields, hash: CertIdHash): Buffer =>
  createHash(hash).update(subjectPublicKeyBits(issuer.subjectPublicKeyInfo.raw)).digest();

function issuedByResponder(certId: OcspCertId, issuer: CertificateFields): boolean {
  if (!certId.hashAlgorithm) return false;
  return (
    certId.issuerNameHash.equals(issuerNameHash(issuer, certId.hashAlgorithm)) &&
    certId.issuerKeyHash.equals(issuerKeyHash(issuer, certId.hashAlgorithm))
  );
}

/** SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] EXPLICIT } (RFC 6960 §4.2.1). */
function singleResponse(certId: Der, status: CertStatus, now: Date, validityMs: number): Der {
  if (!(validityMs > 0)) throw new Error('OCSP validity must be positive');
  return sequence(
    certId,
    encodeStatus(status),
    generalizedTime(now),
    contextConstructed(0, generalizedTime(new Date(now.getTime() + validityMs))),
  );
}

/** CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }. */
function encodeStatus(status: CertStatus): Der {
  switch (status.status) {
    case 'good':
      return contextPrimitive(0, Buffer.alloc(0));
    case 'unknown':
      return contextPrimitive(2, Buffer.alloc(0));
    case 'revoked': {
      // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
      const reason =
        status.reason && status.reason !== 'unspecified'
          ? [contextConstructed(0, enumerated(CRL_REASON_CODE[status.reason]))]
          : [];
      return contextConstructed(1, generalizedTime(status.revokedAt), ...reason);
    }
  }
}

/**
 * BasicOCSPResponse (RFC 6960 §4.2.1) wrapped in a successful OCSPResponse. responderID byKey (the SHA-1
 * of the responder's public key bits, §4.2.2.3), the nonce echoed (RFC 8954 §2.1), the responder's certificate
 * in `certs` so a client needs only the CA certificate it already has. `responderCert`: the fields of that certificate.
 */
async function signedResponse(responder: SigningKey, responderCert: CertificateFields, singles: Der[], now: Date, nonce: Buffer | null): Promise<Buffer> {
  const keyHash = createHash('sha1').update(subjectPublicKeyBits(responderCert.subjectPublicKeyInfo.raw)).digest();
  const extensions = nonce ? [contextConstructed(1, sequence(sequence(oid(OID.ocspNonce), octetString(nonce))))] : [];
  const tbs = sequence(
    contextConstructed(2, octetString(keyHash)), // ResponderID byKey [2] KeyHash (EXPLICIT TAGS module)
    generalizedTime(now),
    sequence(...singles),
    ...extensions,
  );
  const algorithm = signatureAlgorithmIdentifier(responder);
  const signature = await responder.sign(tbs);
  const basic = sequence(
    tbs,
    algorithm,
    bitString(signature),
    contextConstructed(0, sequence(Buffer.from(responder.certificates[0]))),
  );
  const responseBytes = sequence(oid(OID.ocspBasic), octetString(basic));
  return sequence(enumerated(RESPONSE_STATUS.successful), contextConstructed(0, responseBytes));
}

/** GeneralizedTime "YYYYMMDDHHMMSSZ" without fractions, as RFC 5280 §4.1.2.5.2 profiles it; OCSP uses it always. */
export function generalizedTime(date: Date): Der {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date');
  const text = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return tlv(0x18, Buffer.from(text, 'ascii'));
}
