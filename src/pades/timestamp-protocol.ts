/**
 * The RFC 3161 time-stamp protocol messages (RFC 3161 §2.4.1, §2.4.2): TimeStampReq and TimeStampResp,
 * built with src/asn1/der.ts and read with src/asn1/ber.ts. Shared by the built-in TSA (which reads
 * requests and writes responses) and the HTTP client (which writes requests and reads responses).
 */
import { BerError, child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { boolean, integer, octetString, oid, OID, sequence, tlv, utf8String, type Der } from '../asn1/der.ts';
import type { HashAlgorithm } from '../keys/types.ts';
import { digestName } from './cms-algorithms.ts';
import { HASH_LENGTH } from './cms-build.ts';

/** PKIStatus (RFC 3161 §2.4.2). */
export const PKI_STATUS = { granted: 0, grantedWithMods: 1, rejection: 2, waiting: 3, revocationWarning: 4, revocationNotification: 5 } as const;

/** PKIFailureInfo bit numbers (RFC 3161 §2.4.2). */
export const FAIL_INFO = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type FailInfo = keyof typeof FAIL_INFO;

/** A request the TSA accepts, as read from the wire. */
export interface TimeStampRequest {
  hash: HashAlgorithm;
  hashedMessage: Buffer;
  /** TSAPolicyId asked for, or null. */
  policy: string | null;
  /** The nonce INTEGER element as received, echoed byte for byte in TSTInfo; null when absent. */
  nonce: Buffer | null;
  certReq: boolean;
}

export type ParsedRequest = { request: TimeStampRequest } | { failInfo: FailInfo; reason: string };

export interface EncodeRequestOptions {
  digest: Buffer;
  hash: HashAlgorithm;
  /** Positive magnitude of the nonce, big-endian. */
  nonce?: Buffer;
  certReq?: boolean;
  policy?: string;
}

/**
 * TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *   reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
 *   extensions [0] IMPLICIT Extensions OPTIONAL }                                   (RFC 3161 §2.4.1)
 * MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 */
export function encodeTimeStampReq(options: EncodeRequestOptions): Buffer {
  return sequence(
    integer(1),
    messageImprint(options.hash, options.digest),
    ...(options.policy ? [oid(options.policy)] : []),
    ...(options.nonce ? [integer(options.nonce)] : []),
    ...(options.certReq ? [boolean(true)] : []), // DEFAULT FALSE is omitted in DER (X.690 §11.5)
  );
}

/** MessageImprint with a SHA-2 AlgorithmIdentifier without parameters (RFC 5754 §2). */
export function messageImprint(hash: HashAlgorithm, digest: Buffer): Der {
  return sequence(sequence(oid(OID[hash])), octetString(digest));
}

/** Reads a TimeStampReq; anything wrong is a failInfo for a rejection response, never a throw. */
export function parseTimeStampReq(der: Buffer): ParsedRequest {
  try {
    return readRequest(der);
  } catch (error) {
    if (!(error instanceof BerError)) throw error;
    return { failInfo: 'badDataFormat', reason: `malformed TimeStampReq: ${error.message}` };
  }
}

function readRequest(der: Buffer): ParsedRequest {
  const node = readBer(der);
  if (node.tag !== 0x30 || node.raw.length !== der.length) return { failInfo: 'badDataFormat', reason: 'not a single DER TimeStampReq' };
  const version = child(node, 0, 0x02);
  if (integerBytes(version).readUInt8(0) !== 1 || version.content.length !== 1) return { failInfo: 'badRequest', reason: 'version is not 1' };
  const imprint = child(node, 1, 0x30);
  const hash = digestName(child(imprint, 0, 0x30));
  // SHA-1 no longer gives second-preimage margin for signed time (ETSI TS 119 312); SHA-2 only.
  if (!hash || hash === 'sha1') return { failInfo: 'badAlg', reason: 'unsupported hash algorithm' };
  const hashedMessage = octets(child(imprint, 1, 0x04));
  if (hashedMessage.length !== HASH_LENGTH[hash]) return { failInfo: 'badDataFormat', reason: `a ${hash} imprint has ${HASH_LENGTH[hash]} bytes` };
  const request: TimeStampRequest = { hash, hashedMessage, policy: null, nonce: null, certReq: false };
  for (const field of node.children.slice(2)) {
    const problem = readOptionalField(request, field);
    if (problem) return problem;
  }
  return { request };
}

function readOptionalField(request: TimeStampRequest, field: BerNode): { failInfo: FailInfo; reason: string } | null {
  switch (field.tag) {
    case 0x06:
      request.policy = oidString(field);
      return null;
    case 0x02:
      if (field.content.length === 0 || field.content.length > 64 || field.content[0] & 0x80) {
        return { failInfo: 'badRequest', reason: 'nonce is not a positive INTEGER of at most 64 bytes' };
      }
      request.nonce = field.raw;
      return null;
    case 0x01:
      request.certReq = field.content.length === 1 && field.content[0] !== 0;
      return null;
    case 0xa0:
      return { failInfo: 'unacceptedExtension', reason: 'request extensions are not supported' };
    default:
      return { failInfo: 'badRequest', reason: `unexpected element with tag 0x${field.tag.toString(16)}` };
  }
}

/** PKIFailureInfo as a named BIT STRING: trailing zero bits removed in DER (X.690 §11.2.2). */
function failInfoBits(failInfo: FailInfo): Der {
  const bit = FAIL_INFO[failInfo];
  const bytes = Buffer.alloc(Math.floor(bit / 8) + 1);
  bytes[Math.floor(bit / 8)] = 0x80 >> bit % 8;
  return tlv(0x03, Buffer.from([7 - (bit % 8)]), bytes);
}

/**
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 * PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }
 */
export function grantedResponse(token: Buffer): Buffer {
  return sequence(sequence(integer(PKI_STATUS.granted)), token);
}

export function rejectionResponse(failInfo: FailInfo, text: string): Buffer {
  return sequence(sequence(integer(PKI_STATUS.rejection), sequence(utf8String(text)), failInfoBits(failInfo)));
}

export interface TimeStampResponse {
  status: number;
  statusText: string[];
  /** Names of the PKIFailureInfo bits that are set. */
  failInfo: string[];
  token: Buffer | null;
}

/** Reads a TimeStampResp; throws BerError when it is not one. */
export function parseTimeStampResp(der: Buffer): TimeStampResponse {
  const node = readBer(der);
  if (node.tag !== 0x30) throw new BerError('TimeStampResp is not a SEQUENCE');
  const statusInfo = child(node, 0, 0x30);
  const statusBytes = integerBytes(child(statusInfo, 0, 0x02));
  const status = statusBytes.length === 1 ? statusBytes[0] : -1;
  const response: TimeStampResponse = { status, statusText: [], failInfo: [], token: node.children[1]?.raw ?? null };
  for (const field of statusInfo.children.slice(1)) {
    if (field.tag === 0x30) response.statusText = field.children.map((text) => text.content.toString('utf8'));
    if (field.tag === 0x03) response.failInfo = setBits(field);
  }
  return response;
}

function setBits(bitString: BerNode): string[] {
  const bytes = bitString.content.subarray(1);
  return Object.entries(FAIL_INFO)
    .filter(([, bit]) => bit < bytes.length * 8 && bytes[Math.floor(bit / 8)] & (0x80 >> bit % 8))
    .map(([name]) => name);
}
