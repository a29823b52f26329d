/**
 * CAdES detached SignedData for PAdES baseline B-B (ETSI EN 319 142-1 §6.3, ETSI EN 319 122-1 §5),
 * written straight to DER: this runs once per signature and needs no generic ASN.1 model.
 *
 * ContentInfo { id-signedData, [0] SignedData {                         RFC 5652 §3, §5.1
 *   version 1, digestAlgorithms { hash }, encapContentInfo { id-data }   (detached: no eContent)
 *   certificates [0] IMPLICIT { every certificate of the key },
 *   signerInfos { SignerInfo v1 (issuerAndSerialNumber) } } }           RFC 5652 §5.3
 */
import { createHash } from 'node:crypto';
import { contextConstructed, integer, nullValue, octetString, oid, OID, sequence, setOf, tlv, type Der } from '../asn1/der.ts';
import { BerError } from '../asn1/ber.ts';
import { SignatureError } from '../errors.ts';
import type { HashAlgorithm, SigningKey, TimeStamper } from '../keys/types.ts';
import { certificateFields, type CertificateFields } from '../asn1/certificate-fields.ts';

/**
 * What the CMS needs to know of a signer: its certificates and algorithms. A SigningKey is one; so is an
 * external signer whose key sits on a card or at a remote service and whose value comes back later.
 */
export type CmsSigner = Pick<SigningKey, 'certificates' | 'scheme' | 'hash' | 'signatureSize'>;

export interface CompleteSignedDataOptions {
  /** DER Attribute elements for unsignedAttrs, e.g. an RFC 3161 timestamp token added later. */
  unsignedAttributes?: Buffer[];
  /**
   * Makes the signature B-T: a signature-time-stamp over the signature value is added as an unsigned
   * attribute (ETSI EN 319 122-1 §5.3, RFC 3161 Appendix A), hashed with `key.hash`.
   */
  timeStamper?: TimeStamper;
  /** Largest token (bytes) the caller has room for; a larger one → SignatureError `timestamp_too_large`. */
  timestampReserve?: number;
}

export interface BuildSignedDataOptions extends CompleteSignedDataOptions {
  /** Hash of the PDF ByteRange content, computed with `key.hash`. */
  digest: Buffer;
  key: SigningKey;
}

/** An encapsulating SignedData, e.g. an RFC 3161 TimeStampToken over a TSTInfo (RFC 3161 §2.4.2). */
export interface BuildEncapsulatedOptions {
  key: SigningKey;
  /** eContentType, also the value of the content-type signed attribute (RFC 5652 §11.1). */
  contentType: string;
  /** DER of the content, carried as eContent and hashed into message-digest. */
  content: Buffer;
  /** Put `key.certificates` in the SignedData (RFC 3161 §2.4.1 certReq). */
  includeCertificates: boolean;
}

export interface EstimateOptions {
  /** Bytes to keep free for unsigned attributes, e.g. 8000 for a later RFC 3161 token. */
  timestampReserve?: number;
}

export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** Covers the length octets that may grow when a value is a little longer than estimated. */
const SIZE_MARGIN = 64;
/** Attribute SEQUENCE, OID, SET and [1] headers around a reserved timestamp token. */
const UNSIGNED_ATTRIBUTE_OVERHEAD = 32;

/** Digest AlgorithmIdentifier; SHA-2 parameters are absent (RFC 5754 §2). */
function digestAlgorithm(hash: HashAlgorithm): Der {
  return sequence(oid(OID[hash]));
}

/**
 * signatureAlgorithm of the SignerInfo (RFC 5652 §10.1.2):
 * - rsa-pkcs1: rsaEncryption with NULL (RFC 3370 §3.2), which Adobe, NSS (pdfsig) and OpenSSL accept;
 * - rsa-pss: RSASSA-PSS with explicit RSASSA-PSS-params, MGF1 over the same hash and a salt of the
 *   hash length (RFC 4056 §2, RFC 4055 §3.1), hash identifiers with NULL as OpenSSL writes them;
 * - ecdsa: ecdsa-with-SHA256/384/512 without parameters (RFC 5753 §7.1.3, RFC 5758 §3.2).
 */
export function signatureAlgorithm(key: Pick<CmsSigner, 'scheme' | 'hash'>): Der {
  switch (key.scheme) {
    case 'rsa-pkcs1':
      return sequence(oid(OID.rsaEncryption), nullValue());
    case 'rsa-pss': {
      const hashId = sequence(oid(OID[key.hash]), nullValue());
      const params = sequence(
        contextConstructed(0, hashId),
        contextConstructed(1, sequence(oid(OID.mgf1), hashId)),
        contextConstructed(2, integer(HASH_LENGTH[key.hash])),
      );
      return sequence(oid(OID.rsassaPss), params);
    }
    case 'ecdsa': {
      const ids = { sha256: OID.ecdsaWithSha256, sha384: OID.ecdsaWithSha384, sha512: OID.ecdsaWithSha512 };
      return sequence(oid(ids[key.hash]));
    }
    default:
      throw new SignatureError('cms_unsupported_scheme', `Unsupported signature scheme ${String(key.scheme)}.`);
  }
}

/** Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } (RFC 5652 §5.3). */
export const attribute = (type: string, ...values: Der[]): Der => sequence(oid(type), setOf(...values));

/**
 * SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 } (RFC 5035 §3, ETSI EN 319 122-1 §5.2.2.3):
 * ESSCertIDv2 { hashAlgorithm DEFAULT sha256 (so omitted for sha256), certHash,
 * issuerSerial { issuer GeneralNames { directoryName [4] Name }, serialNumber } }.
 */
function signingCertificateV2(leaf: Buffer, fields: CertificateFields, hash: HashAlgorithm): Der {
  const certHash = octetString(createHash(hash).update(leaf).digest());
  // GeneralName is a CHOICE, so [4] is an explicit tag around the Name (RFC 5280 §4.2.1.6).
  const issuerSerial = sequence(sequence(tlv(0xa4, fields.issuer.raw)), fields.serial.raw);
  const certId = hash === 'sha256' ? sequence(certHash, issuerSerial) : sequence(digestAlgorithm(hash), certHash, issuerSerial);
  return sequence(sequence(certId));
}

interface Prepared {
  key: CmsSigner;
  fields: CertificateFields;
  /** The signed attributes as an explicit SET OF: the bytes that are signed (RFC 5652 §5.4). */
  signedAttributesSet: Buffer;
  /** Detached id-data (a PAdES signature) unless an encapsulated content is given. */
  content?: { type: string; der: Buffer };
  includeCertificates: boolean;
}

interface KeyParts {
  fields: CertificateFields;
  essAttribute: Der;
  estimate: number;
}

/**
 * What a key contributes to every SignedData it makes: its certificate's issuer and serial, the
 * signing-certificate-v2 attribute and the size estimate. Computed once per key — a sealing key
 * signs many documents — and shared by estimateSignedDataSize and buildSignedData.
 */
const keyParts = new WeakMap<CmsSigner, KeyParts>();

function partsOf(key: CmsSigner): KeyParts {
  const cached = keyParts.get(key);
  if (cached) return cached;
  const leaf = key.certificates[0];
  if (!leaf) throw new SignatureError('cms_no_certificate', 'The signing key has no certificate.');
  let fields: CertificateFields;
  try {
    fields = certificateFields(leaf);
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
    throw new SignatureError('cms_bad_certificate', 'The signer certificate cannot be read.', { cause: error });
  }
  const essAttribute = attribute(OID.signingCertificateV2, signingCertificateV2(leaf, fields, key.hash));
  const parts: KeyParts = { fields, essAttribute, estimate: 0 };
  const dummy = signedAttributes(parts, Buffer.alloc(HASH_LENGTH[key.hash]));
  const prepared: Prepared = { key, fields, signedAttributesSet: dummy, includeCertificates: true };
  parts.estimate = assemble(prepared, Buffer.alloc(key.signatureSize), []).length + SIZE_MARGIN;
  keyParts.set(key, parts);
  return parts;
}

/**
 * Exactly content-type, message-digest and signing-certificate-v2; no signing-time, whose
 * role the /M entry of the signature dictionary takes (ETSI EN 319 142-1 §5.2.1, §6.3).
 */
function signedAttributes(parts: KeyParts, digest: Buffer, contentType: string = OID.data): Buffer {
  return setOf(attribute(OID.contentType, oid(contentType)), attribute(OID.messageDigest, octetString(digest)), parts.essAttribute);
}

/**
 * The DER SET OF signed attributes of a detached (PAdES) SignerInfo over content whose `signer.hash`
 * is `digest`: the exact bytes the signature value is computed over (RFC 5652 §5.4).
 */
export function signedAttributesFor(signer: CmsSigner, digest: Buffer): Buffer {
  if (digest.length !== HASH_LENGTH[signer.hash]) {
    throw new SignatureError('cms_digest_length', `A ${signer.hash} digest has ${HASH_LENGTH[signer.hash]} bytes, not ${digest.length}.`);
  }
  return signedAttributes(partsOf(signer), digest);
}

function assemble(prepared: Prepared, signature: Buffer, unsignedAttributes: Buffer[]): Buffer {
  const { key, fields, signedAttributesSet, content } = prepared;
  // signedAttrs [0] IMPLICIT: same content, context tag instead of SET (RFC 5652 §5.3).
  const signedAttributes = Buffer.from(signedAttributesSet);
  signedAttributes[0] = 0xa0;
  const signerInfo = sequence(
    integer(1),
    sequence(fields.issuer.raw, fields.serial.raw), // IssuerAndSerialNumber (RFC 5652 §10.2.4)
    digestAlgorithm(key.hash),
    signedAttributes,
    signatureAlgorithm(key),
    octetString(signature),
    ...(unsignedAttributes.length > 0 ? [tlv(0xa1, ...[...unsignedAttributes].sort(Buffer.compare))] : []),
  );
  // certificates [0] IMPLICIT SET OF: DER orders its elements (X.690 §11.6).
  const certificates = prepared.includeCertificates ? [tlv(0xa0, ...[...key.certificates].sort(Buffer.compare))] : [];
  // EncapsulatedContentInfo { eContentType, [0] EXPLICIT OCTET STRING OPTIONAL }; version 3 when the
  // eContentType is not id-data, 1 otherwise (RFC 5652 §5.1, §5.2).
  const encapsulated = content
    ? sequence(oid(content.type), contextConstructed(0, octetString(content.der)))
    : sequence(oid(OID.data));
  const signedData = sequence(
    integer(content && content.type !== OID.data ? 3 : 1),
    setOf(digestAlgorithm(key.hash)),
    encapsulated,
    ...certificates,
    setOf(signerInfo),
  );
  return sequence(oid(OID.signedData), contextConstructed(0, signedData));
}

/** Builds the DER ContentInfo to embed in /Contents of an ETSI.CAdES.detached signature. */
export async function buildSignedData(options: BuildSignedDataOptions): Promise<Buffer> {
  const signedAttributesSet = signedAttributesFor(options.key, options.digest);
  const signature = await options.key.sign(signedAttributesSet);
  return completeSignedData(options.key, signedAttributesSet, signature, options);
}

/**
 * The second half of buildSignedData, for a signature value made elsewhere over `signedAttributesSet`
 * (from signedAttributesFor): the SignedData around it, with a signature timestamp when asked.
 * `signature` is what the SignerInfo carries (ECDSA as DER); it is not checked here.
 */
export async function completeSignedData(signer: CmsSigner, signedAttributesSet: Buffer, signature: Buffer, options: CompleteSignedDataOptions = {}): Promise<Buffer> {
  const prepared: Prepared = { key: signer, fields: partsOf(signer).fields, signedAttributesSet, includeCertificates: true };
  const unsigned = [...(options.unsignedAttributes ?? [])];
  if (options.timeStamper) unsigned.push(await signatureTimestamp(signer, options, signature));
  return assemble(prepared, signature, unsigned);
}

/**
 * The id-aa-signatureTimeStampToken unsigned attribute: a TimeStampToken whose message imprint is the
 * hash of the SignerInfo's signature OCTET STRING value (RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3).
 */
async function signatureTimestamp(key: CmsSigner, options: CompleteSignedDataOptions, signature: Buffer): Promise<Der> {
  const { timeStamper } = options;
  const token = await timeStamper!.timestamp(createHash(key.hash).update(signature).digest(), key.hash);
  if (options.timestampReserve !== undefined && token.length > options.timestampReserve) {
    throw new SignatureError('timestamp_too_large', 'The timestamp token does not fit the space reserved for it.', {
      detail: `${token.length} > ${options.timestampReserve} bytes`,
    });
  }
  return attribute(OID.timeStampToken, token);
}

/**
 * A ContentInfo/SignedData that carries its content (RFC 5652 §5.2) with the same signed attributes as a
 * PAdES signature: content-type (= `contentType`), message-digest and signing-certificate-v2. The built-in
 * TSA signs TSTInfo with it (RFC 3161 §2.4.2; RFC 5816 for ESSCertIDv2).
 */
export async function buildEncapsulatedSignedData(options: BuildEncapsulatedOptions): Promise<Buffer> {
  const { key, contentType, content } = options;
  const parts = partsOf(key);
  const digest = createHash(key.hash).update(content).digest();
  const prepared: Prepared = {
    key,
    fields: parts.fields,
    signedAttributesSet: signedAttributes(parts, digest, contentType),
    content: { type: contentType, der: content },
    includeCertificates: options.includeCertificates,
  };
  const signature = await key.sign(prepared.signedAttributesSet);
  return assemble(prepared, signature, []);
}

/**
 * An upper bound of the DER length buildSignedData returns for this key: the real structure
 * with a signature of `signatureSize` bytes, plus a margin and the timestamp reserve.
 */
export function estimateSignedDataSize(key: CmsSigner, options: EstimateOptions = {}): number {
  const size = partsOf(key).estimate;
  const reserve = options.timestampReserve ?? 0;
  return reserve > 0 ? size + reserve + UNSIGNED_ATTRIBUTE_OVERHEAD : size;
}
