/**
 * What a PKCS#11 token is asked to sign, and how its answer becomes a CMS signature value. We hash
 * in Node and hand the token only the digest, with the raw mechanisms every token has (CKM_RSA_PKCS,
 * CKM_RSA_PKCS_PSS, CKM_ECDSA: PKCS#11 v2.40 §2.1.6, §2.1.10, §2.3.6): a few bytes cross the
 * interface whatever the size of the signed attributes, and tokens without the combined
 * hash-and-sign mechanisms (many smart cards, some HSM firmwares) work the same.
 */
import { createHash } from 'node:crypto';
import { integer, nullValue, octetString, oid, OID, sequence } from '../asn1/der.ts';
import type { HashAlgorithm, SignatureScheme } from './types.ts';

/** The PKCS#11 constants we use, as pkcs11js names them (a subset of the module's exports). */
export interface Pkcs11Constants {
  CKM_RSA_PKCS: number;
  CKM_RSA_PKCS_PSS: number;
  CKM_ECDSA: number;
  CKM_SHA256: number;
  CKM_SHA384: number;
  CKM_SHA512: number;
  CKG_MGF1_SHA256: number;
  CKG_MGF1_SHA384: number;
  CKG_MGF1_SHA512: number;
  CK_PARAMS_RSA_PSS: number;
}

export interface TokenSignRequest {
  mechanism: { mechanism: number; parameter?: { type: number; hashAlg: number; mgf: number; saltLen: number } };
  /** What goes into C_Sign. */
  input: Buffer;
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };
const HASH_OID: Record<HashAlgorithm, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

/** The mechanism and C_Sign input that sign `data` with `scheme` and `hash`. */
export function tokenSignRequest(
  constants: Pkcs11Constants,
  scheme: SignatureScheme,
  hash: HashAlgorithm,
  data: Buffer,
): TokenSignRequest {
  const digest = createHash(hash).update(data).digest();
  switch (scheme) {
    case 'rsa-pkcs1':
      // CKM_RSA_PKCS pads its input as EMSA-PKCS1-v1_5 type 1; the input must be the DigestInfo (RFC 8017 §9.2).
      return { mechanism: { mechanism: constants.CKM_RSA_PKCS }, input: digestInfo(hash, digest) };
    case 'rsa-pss': {
      // Salt length = digest length, MGF1 with the same hash: what signatureAlgorithmIdentifier announces (RFC 4055 §3.1).
      const [hashAlg, mgf] = {
        sha256: [constants.CKM_SHA256, constants.CKG_MGF1_SHA256],
        sha384: [constants.CKM_SHA384, constants.CKG_MGF1_SHA384],
        sha512: [constants.CKM_SHA512, constants.CKG_MGF1_SHA512],
      }[hash];
      const parameter = { type: constants.CK_PARAMS_RSA_PSS, hashAlg, mgf, saltLen: DIGEST_LENGTH[hash] };
      return { mechanism: { mechanism: constants.CKM_RSA_PKCS_PSS, parameter }, input: digest };
    }
    case 'ecdsa':
      return { mechanism: { mechanism: constants.CKM_ECDSA }, input: digest };
  }
}

/** DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING } (RFC 8017 §9.2 note 1). */
export function digestInfo(hash: HashAlgorithm, digest: Buffer): Buffer {
  return sequence(sequence(oid(HASH_OID[hash]), nullValue()), octetString(digest));
}

/**
 * A token's ECDSA signature is r || s, each as long as the curve order (PKCS#11 v2.40 §2.3.1); CMS wants
 * ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5753 §7.2, RFC 3279 §2.2.3).
 */
export function ecdsaRawToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error(`An ECDSA signature of ${raw.length} bytes is not r || s.`);
  const half = raw.length / 2;
  return sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}

/** Named curves by the OID in CKA_EC_PARAMS (RFC 5480 §2.1.1.1), with Node's and JWK's names. */
export const CURVES = {
  'P-256': { oid: '1.2.840.10045.3.1.7', size: 32 },
  'P-384': { oid: '1.3.132.0.34', size: 48 },
  'P-521': { oid: '1.3.132.0.35', size: 66 },
} as const;
export type CurveName = keyof typeof CURVES;
