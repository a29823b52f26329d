/**
 * The built-in time-stamping authority (RFC 3161) of the development PKI, used in-process when no
 * TSA_URL is configured and served at POST /pki/tsa. It issues TimeStampTokens: a ContentInfo/SignedData
 * over a TSTInfo (RFC 3161 §2.4.2) signed by a key whose certificate has the single, critical extended
 * key usage id-kp-timeStamping (RFC 3161 §2.3), with signing-certificate-v2 (RFC 5816 §2.2.1).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { readBer } from '../asn1/ber.ts';
import { certificateFields } from '../asn1/certificate-fields.ts';
import { contextConstructed, contextPrimitive, integer, oid, OID, sequence, tlv, type Der } from '../asn1/der.ts';
import { TimestampError } from '../errors.ts';
import type { HashAlgorithm, SigningKey, TimeStamper } from '../keys/types.ts';
import { buildEncapsulatedSignedData, HASH_LENGTH } from './cms-build.ts';
import { grantedResponse, messageImprint, parseTimeStampReq, rejectionResponse, type TimeStampRequest } from './timestamp-protocol.ts';

export interface BuiltInTsaOptions {
  /**
   * The TSA certificate first, then its chain; or a function giving the current one (key rollover: asked once
   * per token, so it must be cheap; each new key is checked on first use).
   */
  key: SigningKey | (() => Promise<SigningKey>);
  /** TSAPolicyId (an OID) written in every TSTInfo. */
  policy: string;
  clock: () => Date;
  /** Accuracy of `clock` in milliseconds (default 1000); 0 leaves accuracy out. */
  accuracyMs?: number;
}

export interface BuiltInTsa extends TimeStamper {
  /** Answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161 §2.4.2); bad requests get a rejection, never a throw. */
  respond(timeStampReq: Buffer): Promise<Buffer>;
}

/** Creates the TSA; throws at once when a fixed certificate cannot be a TSA certificate. */
export function createBuiltInTsa(options: BuiltInTsaOptions): BuiltInTsa {
  const { key, policy, clock } = options;
  const accuracyMs = options.accuracyMs ?? 1000;
  oid(policy); // fails early on a malformed policy OID
  const signers = new WeakMap<SigningKey, TsaSigner>();
  const signerOf = (current: SigningKey): TsaSigner => {
    let signer = signers.get(current);
    if (!signer) signers.set(current, (signer = tsaSigner(current)));
    return signer;
  };
  const fixed = typeof key === 'function' ? null : signerOf(key);
  const currentSigner = async (): Promise<TsaSigner> => {
    if (fixed) return fixed;
    try {
      return signerOf(await (key as () => Promise<SigningKey>)());
    } catch (cause) {
      // A rollover that failed (disk, a bad new certificate): no token, the caller's usual TSA failure.
      throw new TimestampError(undefined, { detail: 'built-in TSA: no usable key', cause });
    }
  };

  /** A token, or null when the TSA certificate is not valid at genTime: a token then would prove nothing. */
  const issue = async (request: TimeStampRequest): Promise<{ token: Buffer | null; signer: TsaSigner }> => {
    const signer = await currentSigner();
    const genTime = clock();
    const { certificate, tsaName } = signer;
    if (genTime < new Date(certificate.validFrom) || genTime > new Date(certificate.validTo)) return { token: null, signer };
    const info = tstInfo({ request, policy, genTime, accuracyMs, tsaName });
    const token = await buildEncapsulatedSignedData({ key: signer.key, contentType: OID.tstInfo, content: info, includeCertificates: request.certReq });
    return { token, signer };
  };

  return {
    async timestamp(digest: Buffer, hash: HashAlgorithm): Promise<Buffer> {
      if (!(hash in HASH_LENGTH) || digest.length !== HASH_LENGTH[hash]) {
        throw new TimestampError(undefined, { detail: `built-in TSA: a ${hash} digest of ${digest.length} bytes` });
      }
      const { token, signer } = await issue({ hash, hashedMessage: digest, policy: null, nonce: null, certReq: true });
      const { validFrom, validTo } = signer.certificate;
      if (!token) throw new TimestampError(undefined, { detail: `built-in TSA: its certificate is not valid now (${validFrom} – ${validTo})` });
      return token;
    },
    async respond(timeStampReq: Buffer): Promise<Buffer> {
      const parsed = parseTimeStampReq(timeStampReq);
      if ('failInfo' in parsed) return rejectionResponse(parsed.failInfo, parsed.reason);
      const { request } = parsed;
      // A TSA only issues under its own policy (RFC 3161 §2.4.1 reqPolicy).
      if (request.policy !== null && request.policy !== policy) return rejectionResponse('unacceptedPolicy', 'unsupported reqPolicy');
      const issued = await issue(request).catch(() => null);
      if (!issued) return rejectionResponse('systemFailure', 'the TSA has no usable key at this time');
      const { token } = issued;
      return token ? grantedResponse(token) : rejectionResponse('systemFailure', 'the TSA certificate is not valid at this time');
    },
  };
}

interface TsaSigner {
  key: SigningKey;
  certificate: X509Certificate;
  /** TSTInfo.tsa: the TSA's subject as a directoryName (RFC 3161 §2.4.2). */
  tsaName: Der;
}

function tsaSigner(key: SigningKey): TsaSigner {
  const certificate = checkTsaCertificate(key);
  return { key, certificate, tsaName: contextConstructed(0, tlv(0xa4, certificateFields(key.certificates[0]).subject.raw)) };
}

/**
 * RFC 3161 §2.3: the TSA certificate MUST carry exactly one extended key usage, id-kp-timeStamping,
 * marked critical. We check it when the TSA is created rather than issuing tokens no verifier accepts.
 */
function checkTsaCertificate(key: SigningKey): X509Certificate {
  const leaf = key.certificates[0];
  if (!leaf) throw new Error('The TSA key has no certificate.');
  const certificate = new X509Certificate(leaf);
  const usages = certificate.keyUsage ?? [];
  if (usages.length !== 1 || usages[0] !== OID.timeStamping || !extendedKeyUsageCritical(leaf)) {
    throw new Error('The TSA certificate needs a critical extended key usage of id-kp-timeStamping only (RFC 3161 §2.3).');
  }
  return certificate;
}

/** Whether the extKeyUsage extension is marked critical (Extension.critical, RFC 5280 §4.1.2.9). */
export function extendedKeyUsageCritical(certificate: Buffer): boolean {
  const tbs = readBer(certificate).children[0];
  const wrapper = tbs?.children.find((node) => node.tag === 0xa3);
  for (const extension of wrapper?.children[0]?.children ?? []) {
    const id = extension.children[0];
    if (id?.tag !== 0x06 || !id.content.equals(oid(OID.extKeyUsage).subarray(2))) continue;
    const flag = extension.children[1];
    return flag?.tag === 0x01 && flag.content[0] !== 0;
  }
  return false;
}

interface TstInfoParts {
  request: TimeStampRequest;
  policy: string;
  genTime: Date;
  accuracyMs: number;
  tsaName: Der;
}

/**
 * TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
 *   serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL,
 *   ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL,
 *   extensions [1] IMPLICIT Extensions OPTIONAL }                                     (RFC 3161 §2.4.2)
 * ordering is FALSE, its DEFAULT, so DER leaves it out (X.690 §11.5).
 */
function tstInfo(parts: TstInfoParts): Buffer {
  const { request } = parts;
  return sequence(
    integer(1),
    oid(parts.policy),
    messageImprint(request.hash, request.hashedMessage),
    integer(serialNumber()),
    generalizedTime(parts.genTime),
    ...(parts.accuracyMs > 0 ? [accuracy(parts.accuracyMs)] : []),
    ...(request.nonce ? [request.nonce] : []),
    parts.tsaName,
  );
}

/** 16 random bytes with the top bit cleared: positive and unique per token (RFC 3161 §2.4.2, at most 160 bits). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  if (bytes.every((b) => b === 0)) bytes[15] = 1;
  return bytes;
}

/**
 * GeneralizedTime in UTC with milliseconds: YYYYMMDDhhmmss[.f*]Z, trailing zeros of the fraction and
 * a bare decimal point removed as DER requires (X.690 §11.7; RFC 3161 §2.4.2).
 */
export function generalizedTime(date: Date): Der {
  const iso = date.toISOString(); // 2026-12-06T02:00:33.120Z
  const whole = iso.slice(0, 19).replace(/[-:T]/g, '');
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return tlv(0x18, Buffer.from(`${whole}${fraction ? `.${fraction}` : ''}Z`, 'ascii'));
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL, micros [1] … } */
function accuracy(ms: number): Der {
  const seconds = Math.floor(ms / 1000);
  const millis = Math.round(ms % 1000);
  const millisDer = integer(millis).subarray(2);
  return sequence(...(seconds > 0 ? [integer(seconds)] : []), ...(millis > 0 ? [contextPrimitive(0, millisDer)] : []));
}
