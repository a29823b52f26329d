/**
 * Algorithm identifiers found in SignerInfos made by us and by other tools (RFC 5652 §10.1,
 * RFC 3370, RFC 4055/4056, RFC 5754, RFC 5758), and signature checks with node:crypto.
 */
import { constants, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import { child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { OID } from '../asn1/der.ts';

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type SchemeName = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';

const SHA1 = '1.3.14.3.2.26';

const DIGESTS: Record<string, DigestName> = {
  [SHA1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Signature OIDs that name their hash; rsaEncryption and id-ecPublicKey take the digestAlgorithm's. */
const SIGNATURES: Record<string, { scheme: SchemeName; hash: DigestName | null }> = {
  [OID.rsaEncryption]: { scheme: 'rsa-pkcs1', hash: null },
  '1.2.840.113549.1.1.5': { scheme: 'rsa-pkcs1', hash: 'sha1' },
  [OID.sha256WithRSA]: { scheme: 'rsa-pkcs1', hash: 'sha256' },
  [OID.sha384WithRSA]: { scheme: 'rsa-pkcs1', hash: 'sha384' },
  [OID.sha512WithRSA]: { scheme: 'rsa-pkcs1', hash: 'sha512' },
  [OID.ecPublicKey]: { scheme: 'ecdsa', hash: null },
  '1.2.840.10045.4.1': { scheme: 'ecdsa', hash: 'sha1' },
  [OID.ecdsaWithSha256]: { scheme: 'ecdsa', hash: 'sha256' },
  [OID.ecdsaWithSha384]: { scheme: 'ecdsa', hash: 'sha384' },
  [OID.ecdsaWithSha512]: { scheme: 'ecdsa', hash: 'sha512' },
};

/** The digest named by an AlgorithmIdentifier, or null when we do not support it. */
export function digestName(algorithmIdentifier: BerNode): DigestName | null {
  return DIGESTS[oidString(child(algorithmIdentifier, 0))] ?? null;
}

export interface SignatureAlgorithm {
  scheme: SchemeName;
  hash: DigestName;
  /** PSS salt length in bytes. */
  saltLength?: number;
  /** e.g. 'ecdsa-sha256', as reported in CmsCheck. */
  name: string;
}

export type Identified = { algorithm: SignatureAlgorithm } | { problem: string };

/**
 * RSASSA-PSS-params { [0] hashAlgorithm DEFAULT sha1, [1] maskGenAlgorithm DEFAULT mgf1SHA1,
 * [2] saltLength DEFAULT 20, [3] trailerField DEFAULT 1 } (RFC 4055 §3.1).
 */
function pssParameters(params: BerNode | undefined): Identified {
  let hash: DigestName | null = 'sha1';
  let mgfHash: DigestName | null = 'sha1';
  let saltLength = 20;
  for (const field of params?.children ?? []) {
    const inner = field.children[0];
    if (!inner) continue;
    if (field.tag === 0xa0) hash = digestName(inner);
    if (field.tag === 0xa1) {
      if (oidString(child(inner, 0)) !== OID.mgf1) return { problem: 'RSA-PSS with a mask generation function other than MGF1' };
      mgfHash = digestName(child(inner, 1));
    }
    if (field.tag === 0xa2) saltLength = Number.parseInt(integerBytes(inner).toString('hex') || '0', 16);
    if (field.tag === 0xa3 && integerBytes(inner)[0] !== 1) return { problem: 'RSA-PSS with an unsupported trailer field' };
  }
  if (!hash || mgfHash !== hash) return { problem: 'RSA-PSS with an unsupported or mismatched hash in its parameters' };
  return { algorithm: { scheme: 'rsa-pss', hash, saltLength, name: `rsa-pss-${hash}` } };
}

/** Identifies the SignerInfo signatureAlgorithm; `digest` is the SignerInfo digestAlgorithm. */
export function identifySignature(algorithmIdentifier: BerNode, digest: DigestName | null): Identified {
  const id = oidString(child(algorithmIdentifier, 0));
  if (id === OID.rsassaPss) return pssParameters(algorithmIdentifier.children[1]);
  const known = SIGNATURES[id];
  if (!known) return { problem: `unsupported signature algorithm ${id}` };
  const hash = known.hash ?? digest;
  if (!hash) return { problem: 'signature algorithm without a supported digest algorithm' };
  return { algorithm: { scheme: known.scheme, hash, name: `${known.scheme}-${hash}` } };
}

/** Verifies `signature` over `data` (hashed with the algorithm's hash). Never throws. */
export function verifySignatureValue(algorithm: SignatureAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (algorithm.scheme === 'rsa-pss') {
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength };
      return verify(algorithm.hash, data, options, signature);
    }
    if (algorithm.scheme === 'ecdsa') return verify(algorithm.hash, data, { key, dsaEncoding: 'der' }, signature);
    return verify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/**
 * Without signed attributes the signature covers the content itself (RFC 5652 §5.4); we only hold
 * its digest, so an RSA PKCS#1 v1.5 value is opened and its DigestInfo compared (RFC 8017 §9.2).
 * Returns null when the scheme cannot be checked this way.
 */
export function verifyOverDigest(algorithm: SignatureAlgorithm, key: KeyObject, digest: Buffer, signature: Buffer): boolean | null {
  if (algorithm.scheme !== 'rsa-pkcs1') return null;
  try {
    const digestInfo = readBer(publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature));
    const algorithmOk = digestName(child(digestInfo, 0, 0x30)) === algorithm.hash;
    return algorithmOk && octets(child(digestInfo, 1, 0x04)).equals(digest);
  } catch {
    return false; // not an RSA key, bad padding or no DigestInfo inside
  }
}
