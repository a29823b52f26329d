/**
 * Reads and checks a CMS SignedData from a PDF /Contents (RFC 5652 §5), whoever made it:
 * us, Adobe, pyHanko, iText or OpenSSL. Tolerates BER (indefinite lengths, constructed
 * OCTET STRINGs) and the zero padding after the structure. Never throws on bad input:
 * everything that is wrong ends up in `problems`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { OID, tlv } from '../asn1/der.ts';
import { digestName, identifySignature, verifyOverDigest, verifySignatureValue, type DigestName, type SignatureAlgorithm } from './cms-algorithms.ts';
import { readTstInfo } from './tst-info.ts';
import { formatName, subjectKeyIdentifier, tryCertificateFields, type CertificateFields } from '../asn1/certificate-fields.ts';

export interface CmsCheck {
  digestAlgorithm: string | null;
  signatureAlgorithm: string | null;
  contentTypeIsData: boolean;
  messageDigestMatches: boolean;
  signatureValid: boolean;
  signerCertificate: X509Certificate | null;
  certificates: X509Certificate[];
  hasSigningTime: boolean;
  signingCertificateV2: 'absent' | 'matches' | 'mismatch';
  signingCertificateV1: 'absent' | 'matches' | 'mismatch';
  hasTimestampToken: boolean;
  /** The SignerInfo's signature value, over which a signature timestamp is computed (RFC 3161 Appendix A). */
  signatureValue: Buffer | null;
  /** DER of each id-aa-signatureTimeStampToken value (a ContentInfo), in order. */
  timestampTokens: Buffer[];
  /** For a timestamp token (document timestamp): the TSTInfo and whether its imprint matches the signed bytes. */
  timestamp: { genTime: Date | null; imprintMatches: boolean; hashAlgorithm: DigestName | null } | null;
  signerInfoCount: number;
  problems: string[];
}

export type DigestOf = (hash: DigestName) => Buffer;

interface Certificate {
  x509: X509Certificate;
  fields: CertificateFields | null;
}

interface SignerInfo {
  sid: BerNode;
  digestAlgorithm: BerNode;
  signedAttributes: BerNode | null;
  signatureAlgorithm: BerNode;
  signature: Buffer;
  unsignedAttributes: BerNode | null;
}

function emptyCheck(): CmsCheck {
  return {
    digestAlgorithm: null,
    signatureAlgorithm: null,
    contentTypeIsData: false,
    messageDigestMatches: false,
    signatureValid: false,
    signerCertificate: null,
    certificates: [],
    hasSigningTime: false,
    signingCertificateV2: 'absent',
    signingCertificateV1: 'absent',
    hasTimestampToken: false,
    signatureValue: null,
    timestampTokens: [],
    timestamp: null,
    signerInfoCount: 0,
    problems: [],
  };
}

/** Checks `cms` against the ByteRange content, whose digest `digestOf` computes. */
export function checkSignedData(cms: Buffer, digestOf: DigestOf): CmsCheck {
  const check = emptyCheck();
  try {
    checkInto(check, cms, digestOf);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    check.problems.push(`unreadable CMS structure: ${message}`);
  }
  return check;
}

function checkInto(check: CmsCheck, cms: Buffer, digestOf: DigestOf): void {
  // ContentInfo { contentType id-signedData, [0] EXPLICIT SignedData } (RFC 5652 §3)
  const contentInfo = readBer(cms);
  if (contentInfo.tag !== 0x30 || oidString(child(contentInfo, 0)) !== OID.signedData) {
    check.problems.push('not a CMS SignedData');
    return;
  }
  const signedData = child(child(contentInfo, 1, 0xa0), 0, 0x30);
  // SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos }
  const encapContentInfo = child(signedData, 2, 0x30);
  const eContentType = oidString(child(encapContentInfo, 0));
  const eContentNode = encapContentInfo.children[1];
  const eContent = eContentNode?.tag === 0xa0 ? octets(child(eContentNode, 0)) : null;
  const certificateSet = signedData.children.find((node, index) => index > 2 && node.tag === 0xa0);
  const certificates = readCertificates(certificateSet, check);
  const signerInfos = signedData.children[signedData.children.length - 1];
  if (!signerInfos || signerInfos.tag !== 0x31 || signedData.children.length < 4) {
    check.problems.push('SignedData has no signerInfos');
    return;
  }
  check.signerInfoCount = signerInfos.children.length;
  if (check.signerInfoCount === 0) {
    check.problems.push('SignedData has no SignerInfo');
    return;
  }
  if (check.signerInfoCount > 1) check.problems.push(`SignedData has ${check.signerInfoCount} SignerInfos; only the first is checked`);
  const signerInfo = readSignerInfo(signerInfos.children[0]);
  const signer = findSigner(signerInfo.sid, certificates);
  check.signerCertificate = signer?.x509 ?? null;
  if (!signer) check.problems.push('signer certificate not found in the SignedData');

  const digest = digestName(signerInfo.digestAlgorithm);
  check.digestAlgorithm = digest;
  const identified = identifySignature(signerInfo.signatureAlgorithm, digest);
  if ('problem' in identified) check.problems.push(identified.problem);
  else check.signatureAlgorithm = identified.algorithm.name;
  if (!digest) {
    check.problems.push(`unsupported digest algorithm ${oidString(child(signerInfo.digestAlgorithm, 0))}`);
    return;
  }
  const contentDigest = eContent ? createHash(digest).update(eContent).digest() : digestOf(digest);
  const isTimestamp = eContentType === OID.tstInfo && eContent !== null;
  if (isTimestamp) check.timestamp = checkTstInfo(eContent, digestOf, check);
  else if (eContent && !eContent.equals(digestOf('sha1'))) {
    // adbe.pkcs7.sha1 (ISO 32000-1 §12.8.3.3.1): the encapsulated content is the SHA-1 of the ByteRange.
    check.problems.push('encapsulated content is not the SHA-1 digest of the signed bytes');
  }
  const algorithm = 'algorithm' in identified ? identified.algorithm : null;
  if (signerInfo.signedAttributes) {
    checkSignedAttributes(check, signerInfo.signedAttributes, eContentType, contentDigest, signer);
    check.messageDigestMatches &&= !eContent || isTimestamp || eContent.equals(digestOf('sha1'));
    verifyOverAttributes(check, signerInfo, algorithm, signer);
  } else {
    checkWithoutAttributes(check, signerInfo, algorithm, signer, eContentType, eContent, contentDigest);
  }
  check.signatureValue = signerInfo.signature;
  check.timestampTokens = attributeValues(signerInfo.unsignedAttributes, OID.timeStampToken).map((token) => token.raw);
  check.hasTimestampToken = check.timestampTokens.length > 0;
}

/** A document timestamp vouches for the signed bytes through its message imprint (RFC 3161 §2.4.2). */
function checkTstInfo(eContent: Buffer, digestOf: DigestOf, check: CmsCheck): CmsCheck['timestamp'] {
  const info = readTstInfo(eContent);
  if (!info.hashAlgorithm) {
    check.problems.push('timestamp imprint uses an unsupported hash algorithm');
    return { genTime: info.genTime, imprintMatches: false, hashAlgorithm: null };
  }
  const imprintMatches = info.hashedMessage.equals(digestOf(info.hashAlgorithm));
  if (!imprintMatches) check.problems.push('timestamp imprint does not match the signed bytes');
  return { genTime: info.genTime, imprintMatches, hashAlgorithm: info.hashAlgorithm };
}

function readCertificates(set: BerNode | undefined, check: CmsCheck): Certificate[] {
  const certificates: Certificate[] = [];
  // CertificateChoices: only the plain Certificate (a SEQUENCE) matters for PAdES (RFC 5652 §10.2.2).
  for (const node of set?.children ?? []) {
    if (node.tag !== 0x30) continue;
    try {
      const x509 = new X509Certificate(node.raw);
      certificates.push({ x509, fields: tryCertificateFields(node.raw) });
      check.certificates.push(x509);
    } catch {
      check.problems.push('an embedded certificate cannot be read');
    }
  }
  return certificates;
}

/** SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs } */
function readSignerInfo(node: BerNode): SignerInfo {
  let index = 1;
  const sid = child(node, index++);
  const digestAlgorithm = child(node, index++, 0x30);
  const signedAttributes = node.children[index]?.tag === 0xa0 ? child(node, index++) : null;
  const signatureAlgorithm = child(node, index++, 0x30);
  const signatureNode = child(node, index++);
  if (signatureNode.tag !== 0x04 && signatureNode.tag !== 0x24) throw new Error('SignerInfo signature is not an OCTET STRING');
  const unsigned = node.children[index];
  return {
    sid,
    digestAlgorithm,
    signedAttributes,
    signatureAlgorithm,
    signature: octets(signatureNode),
    unsignedAttributes: unsigned?.tag === 0xa1 ? unsigned : null,
  };
}

/** SignerIdentifier: issuerAndSerialNumber, or [0] subjectKeyIdentifier (RFC 5652 §5.3). */
function findSigner(sid: BerNode, certificates: Certificate[]): Certificate | null {
  if (sid.tag === 0x80) {
    return certificates.find((c) => c.fields && subjectKeyIdentifier(c.fields)?.equals(sid.content)) ?? null;
  }
  if (sid.tag !== 0x30) return null;
  return certificates.find((c) => c.fields !== null && sameIssuerSerial(c.fields, child(sid, 0, 0x30), child(sid, 1, 0x02))) ?? null;
}

/** Byte-equal issuer Names, or equal after decoding when a tool re-encoded the strings. */
export function sameIssuerSerial(fields: CertificateFields, issuer: BerNode, serial: BerNode): boolean {
  if (!integerBytes(fields.serial).equals(integerBytes(serial))) return false;
  return fields.issuer.raw.equals(issuer.raw) || formatName(fields.issuer) === formatName(issuer);
}

/** The values of every attribute of `type` in a SET OF Attribute { attrType, attrValues SET }. */
function attributeValues(attributes: BerNode | null, type: string): BerNode[] {
  if (!attributes) return [];
  return attributes.children
    .filter((attribute) => attribute.children[0]?.tag === 0x06 && oidString(attribute.children[0]) === type)
    .flatMap((attribute) => attribute.children[1]?.children ?? []);
}

function checkSignedAttributes(
  check: CmsCheck,
  attributes: BerNode,
  eContentType: string,
  contentDigest: Buffer,
  signer: Certificate | null,
): void {
  // content-type and message-digest are mandatory with signed attributes (RFC 5652 §11.1, §11.2).
  const contentTypes = attributeValues(attributes, OID.contentType);
  if (contentTypes.length !== 1) check.problems.push('signed attributes need exactly one content-type');
  const typeValue = contentTypes[0];
  const typeId = typeValue?.tag === 0x06 ? oidString(typeValue) : null;
  check.contentTypeIsData = typeId === OID.data && eContentType === OID.data;
  if (typeId !== eContentType) check.problems.push('content-type attribute differs from the encapsulated content type');
  else if (!check.contentTypeIsData) check.problems.push('content type is not id-data');

  const digests = attributeValues(attributes, OID.messageDigest);
  if (digests.length !== 1) check.problems.push('signed attributes need exactly one message-digest');
  check.messageDigestMatches = digests.length === 1 && octets(digests[0]).equals(contentDigest);
  if (digests.length === 1 && !check.messageDigestMatches) check.problems.push('message digest does not match the signed bytes');

  check.hasSigningTime = attributeValues(attributes, OID.signingTime).length > 0;
  const v2 = attributeValues(attributes, OID.signingCertificateV2);
  const v1 = attributeValues(attributes, OID.signingCertificate);
  if (v2.length > 0) check.signingCertificateV2 = essMatches(v2[0], signer, 'sha256') ? 'matches' : 'mismatch';
  if (v1.length > 0) check.signingCertificateV1 = essMatches(v1[0], signer, 'sha1') ? 'matches' : 'mismatch';
  if (check.signingCertificateV2 === 'mismatch') check.problems.push('signing-certificate-v2 does not match the signer certificate');
  if (check.signingCertificateV1 === 'mismatch') check.problems.push('signing-certificate does not match the signer certificate');
}

/**
 * The first ESSCertID(v2) of SigningCertificate(V2) identifies the signer (RFC 5035 §3, RFC 2634 §5.4):
 * ESSCertIDv2 { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }; ESSCertID { certHash, issuerSerial }.
 */
function essMatches(value: BerNode, signer: Certificate | null, defaultHash: DigestName): boolean {
  if (!signer) return false;
  try {
    const certId = child(child(value, 0, 0x30), 0, 0x30);
    let index = 0;
    let hash: DigestName | null = defaultHash;
    if (certId.children[0]?.tag === 0x30) hash = digestName(child(certId, index++));
    const certHash = octets(child(certId, index++, 0x04));
    if (!hash || !createHash(hash).update(signer.x509.raw).digest().equals(certHash)) return false;
    const issuerSerial = certId.children[index];
    if (!issuerSerial) return true;
    const directoryName = child(issuerSerial, 0, 0x30).children.find((name) => name.tag === 0xa4);
    if (!directoryName || !signer.fields) return false;
    return sameIssuerSerial(signer.fields, child(directoryName, 0, 0x30), child(issuerSerial, 1, 0x02));
  } catch {
    return false;
  }
}

/** The signature covers the DER of the attributes with an explicit SET OF tag (RFC 5652 §5.4). */
function verifyOverAttributes(check: CmsCheck, signerInfo: SignerInfo, algorithm: SignatureAlgorithm | null, signer: Certificate | null): void {
  if (!algorithm || !signer) return;
  const attributes = signerInfo.signedAttributes!;
  // Bytes as received, only the tag replaced; an indefinite length gets a definite one.
  const signed = attributes.indefinite
    ? tlv(0x31, Buffer.concat(attributes.children.map((node) => node.raw)))
    : Buffer.concat([Buffer.from([0x31]), attributes.raw.subarray(1)]);
  check.signatureValid = verifySignatureValue(algorithm, signer.x509.publicKey, signed, signerInfo.signature);
  if (!check.signatureValid) check.problems.push('signature value does not verify with the signer certificate');
}

/** Old adbe.pkcs7.detached / adbe.pkcs7.sha1 signatures without signed attributes. */
function checkWithoutAttributes(
  check: CmsCheck,
  signerInfo: SignerInfo,
  algorithm: SignatureAlgorithm | null,
  signer: Certificate | null,
  eContentType: string,
  eContent: Buffer | null,
  contentDigest: Buffer,
): void {
  check.contentTypeIsData = eContentType === OID.data;
  if (!algorithm || !signer) return;
  const key = signer.x509.publicKey;
  if (eContent) {
    check.signatureValid = verifySignatureValue(algorithm, key, eContent, signerInfo.signature);
    check.messageDigestMatches = check.signatureValid && !check.problems.some((p) => p.startsWith('encapsulated content'));
  } else {
    const result = verifyOverDigest(algorithm, key, contentDigest, signerInfo.signature);
    if (result === null) {
      check.problems.push(`cannot check a ${algorithm.scheme} signature without signed attributes`);
      return;
    }
    check.signatureValid = result;
    check.messageDigestMatches = result;
  }
  if (!check.signatureValid) check.problems.push('signature value does not verify over the signed bytes');
}
