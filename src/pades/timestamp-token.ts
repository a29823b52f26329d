/**
 * Checks one RFC 3161 TimeStampToken (RFC 3161 §2.4.2) against the digest it should vouch for: the
 * CMS signature over the TSTInfo (through checkSignedData), the message imprint, and whether the signer
 * certificate is a TSA certificate (critical extended key usage id-kp-timeStamping only, §2.3).
 * Makes no trust decision: whether the TSA chain is trusted at some time is the verifier's question.
 * Never throws on bad input; everything wrong ends up in `problems`.
 */
import { X509Certificate } from 'node:crypto';
import { BerError, child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { formatName, tryCertificateFields } from '../asn1/certificate-fields.ts';
import { OID } from '../asn1/der.ts';
import type { HashAlgorithm } from '../keys/types.ts';
import { parseGeneralizedTime } from './asn1-time.ts';
import { digestName } from './cms-algorithms.ts';
import { checkSignedData } from './cms-verify.ts';
import { extendedKeyUsageCritical } from './tsa.ts';

export interface TimestampTokenCheck {
  genTime: Date | null;
  /** The TSTInfo's messageImprint equals `expected.digest` under `expected.hash`. */
  imprintMatches: boolean;
  /** The CMS signature verifies with the embedded signer certificate and binds this TSTInfo (message-digest). */
  signatureValid: boolean;
  tsaCertificate: X509Certificate | null;
  certificates: X509Certificate[];
  /** The signer certificate has the single, critical extended key usage id-kp-timeStamping (RFC 3161 §2.3). */
  timeStampingEku: boolean;
  policy: string | null;
  /** TSTInfo serialNumber, lowercase hex of its magnitude. */
  serialNumber: string | null;
  /** The nonce INTEGER's magnitude, or null when absent. */
  nonce: Buffer | null;
  /** Accuracy in milliseconds (RFC 3161 §2.4.2), or null when absent. */
  accuracyMs: number | null;
  problems: string[];
}

export interface ExpectedImprint {
  digest: Buffer;
  hash: HashAlgorithm | 'sha1';
}

export function checkTimestampToken(token: Buffer, expected: ExpectedImprint): TimestampTokenCheck {
  const result: TimestampTokenCheck = {
    genTime: null,
    imprintMatches: false,
    signatureValid: false,
    tsaCertificate: null,
    certificates: [],
    timeStampingEku: false,
    policy: null,
    serialNumber: null,
    nonce: null,
    accuracyMs: null,
    problems: [],
  };
  let tsaName: BerNode | null = null;
  try {
    tsaName = readTstInfoInto(result, encapsulatedTstInfo(token), expected);
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
    result.problems.push(`unreadable timestamp token: ${error.message}`);
    return result;
  }
  // The imprint is ours to compare; checkSignedData checks the signature and message-digest.
  const cms = checkSignedData(token, () => Buffer.alloc(0));
  result.certificates = cms.certificates;
  result.tsaCertificate = cms.signerCertificate;
  result.signatureValid =
    cms.signatureValid && cms.messageDigestMatches && cms.signerInfoCount === 1 && cms.signingCertificateV2 !== 'mismatch' && cms.signingCertificateV1 !== 'mismatch';
  if (cms.signingCertificateV2 === 'absent' && cms.signingCertificateV1 === 'absent') {
    result.signatureValid = false;
    result.problems.push('timestamp token has no signing-certificate(-v2) attribute (RFC 3161 §2.4.2, RFC 5816)');
  }
  // checkSignedData is written for PAdES signatures, whose content type must be id-data; the rest applies.
  result.problems.push(...cms.problems.filter((p) => p !== 'content type is not id-data' && !p.startsWith('timestamp imprint')));
  if (cms.signerCertificate) {
    const usages = cms.signerCertificate.keyUsage ?? [];
    result.timeStampingEku = usages.length === 1 && usages[0] === OID.timeStamping && extendedKeyUsageCritical(cms.signerCertificate.raw);
    if (!result.timeStampingEku) result.problems.push('TSA certificate lacks a critical extended key usage of id-kp-timeStamping only');
    if (tsaName && !namesSigner(tsaName, cms.signerCertificate.raw)) {
      result.signatureValid = false;
      result.problems.push('TSTInfo tsa name is not the subject of the TSA certificate');
    }
  }
  return result;
}

/**
 * RFC 3161 §2.4.2: the tsa field, when present, MUST correspond to one of the subject names of the
 * certificate that verifies the token. We compare a directoryName with the subject; other
 * GeneralName forms are not compared.
 */
function namesSigner(tsaName: BerNode, certificate: Buffer): boolean {
  const generalName = tsaName.children[0];
  if (generalName?.tag !== 0xa4) return true;
  const fields = tryCertificateFields(certificate);
  const name = generalName.children[0];
  if (!fields || !name) return false;
  return fields.subject.raw.equals(name.raw) || formatName(fields.subject) === formatName(name);
}

/** ContentInfo { id-signedData, [0] SignedData { …, encapContentInfo { id-ct-TSTInfo, [0] OCTET STRING }, … } } */
function encapsulatedTstInfo(token: Buffer): BerNode {
  const contentInfo = readBer(token);
  if (contentInfo.tag !== 0x30 || oidString(child(contentInfo, 0)) !== OID.signedData) throw new BerError('not a CMS SignedData');
  const encapsulated = child(child(child(contentInfo, 1, 0xa0), 0, 0x30), 2, 0x30);
  if (oidString(child(encapsulated, 0)) !== OID.tstInfo) throw new BerError('eContentType is not id-ct-TSTInfo');
  return readBer(octets(child(child(encapsulated, 1, 0xa0), 0)));
}

/**
 * TSTInfo { version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, [0] tsa?, [1] extensions? }
 * Returns the tsa [0] element, if any.
 */
function readTstInfoInto(result: TimestampTokenCheck, info: BerNode, expected: ExpectedImprint): BerNode | null {
  if (info.tag !== 0x30) throw new BerError('TSTInfo is not a SEQUENCE');
  const version = integerBytes(child(info, 0, 0x02));
  if (version.length !== 1 || version[0] !== 1) result.problems.push('TSTInfo version is not 1');
  result.policy = oidString(child(info, 1, 0x06));
  const imprint = child(info, 2, 0x30);
  const hash = digestName(child(imprint, 0, 0x30));
  const hashedMessage = octets(child(imprint, 1, 0x04));
  result.imprintMatches = hash === expected.hash && hashedMessage.equals(expected.digest);
  if (!hash) result.problems.push('timestamp imprint uses an unsupported hash algorithm');
  else if (hash !== expected.hash) result.problems.push(`timestamp imprint uses ${hash}, expected ${expected.hash}`);
  else if (!result.imprintMatches) result.problems.push('timestamp imprint does not match the expected digest');
  result.serialNumber = integerBytes(child(info, 3, 0x02)).toString('hex');
  result.genTime = parseGeneralizedTime(child(info, 4, 0x18).content.toString('latin1'));
  if (!result.genTime) result.problems.push('TSTInfo genTime is not a UTC GeneralizedTime');
  let tsaName: BerNode | null = null;
  for (const field of info.children.slice(5)) {
    if (field.tag === 0x30) result.accuracyMs = accuracyMs(field);
    if (field.tag === 0x02) result.nonce = integerBytes(field);
    if (field.tag === 0xa0) tsaName = field;
  }
  return tsaName;
}

/** Accuracy { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL, micros [1] INTEGER OPTIONAL } in ms. */
function accuracyMs(node: BerNode): number {
  let ms = 0;
  for (const part of node.children) {
    const value = Number.parseInt(integerBytes(part).toString('hex') || '0', 16);
    if (part.tag === 0x02) ms += value * 1000;
    if (part.tag === 0x80) ms += value;
    if (part.tag === 0x81) ms += value / 1000;
  }
  return ms;
}
