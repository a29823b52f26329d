/**
 * A signer whose private key is not ours to hold — a Belgian eID card behind Web eID, a qualified
 * signature creation device of a remote QTSP behind the CSC API — known by its certificates only.
 * What the CMS needs from it follows from the leaf's public key; the value it sends back is checked
 * against that key before it goes into a PDF, in either encoding a card may use.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { integer, sequence } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import type { HashAlgorithm, SignatureScheme } from '../keys/types.ts';
import { resolveAlgorithm } from '../keys/signing-key.ts';
import { HASH_LENGTH } from './cms-build.ts';
import { verifySignatureValue, type SignatureAlgorithm } from './cms-algorithms.ts';

/** What we know of a signer whose key is elsewhere (eID card, remote QES). */
export interface ExternalSigner {
  /** Leaf first, then its issuers (the root may be left out). DER. */
  readonly certificates: readonly Buffer[];
  readonly scheme: SignatureScheme;
  readonly hash: HashAlgorithm;
  /** Largest signature value in bytes as the CMS carries it (RSA modulus length, or the maximum DER ECDSA length). */
  readonly signatureSize: number;
}

export interface ExternalSignerOptions {
  /** 'rsa-pss' for an RSA key whose service signs with PSS; by default RSA is PKCS#1 v1.5 and EC is ECDSA. */
  scheme?: SignatureScheme;
  /** By default the hash that matches the key's strength (SHA-256 for RSA and P-256). */
  hash?: HashAlgorithm;
}

/** Below this an RSA key no longer meets ETSI TS 119 312 for new signatures. */
const MIN_RSA_BITS = 2048;
/** A leaf, an intermediate or two and a root; anything longer is not a signer's chain. */
const MAX_CHAIN = 8;

const unsupported = (message: string, detail?: string): AppError => new AppError('certificate_unsupported', 422, message, { detail });

/**
 * From a chain (leaf first, DER). EC P-256 → ecdsa/sha256, P-384 → ecdsa/sha384, P-521 → ecdsa/sha512;
 * RSA (2048 bits or more) → rsa-pkcs1/sha256, or rsa-pss with `options.scheme` (an RSASSA-PSS key: PSS
 * only). Throws AppError `certificate_unsupported` (422: the certificate comes from the signer) for other
 * keys, an unreadable certificate or a chain out of order. Validity, key usage and trust are the caller's.
 */
export function externalSignerFromCertificates(chain: readonly Buffer[], options: ExternalSignerOptions = {}): ExternalSigner {
  if (chain.length === 0 || chain.length > MAX_CHAIN) throw unsupported(`A signer's chain has 1 to ${MAX_CHAIN} certificates, not ${chain.length}.`);
  const certificates = chain.map((der, index) => readCertificate(der, index));
  for (let i = 0; i + 1 < certificates.length; i++) {
    if (!certificates[i].checkIssued(certificates[i + 1])) {
      throw unsupported('The certificates are not a chain from the signer to its issuers.', `certificate ${i + 1} is not issued by certificate ${i + 2}`);
    }
  }
  const { scheme, hash, signatureSize } = algorithmsOf(certificates[0].publicKey, options);
  return { certificates: certificates.map((c) => Buffer.from(c.raw)), scheme, hash, signatureSize };
}

function readCertificate(der: Buffer, index: number): X509Certificate {
  try {
    if (!Buffer.isBuffer(der) || der[0] !== 0x30) throw new TypeError('not DER');
    return new X509Certificate(der);
  } catch (error) {
    throw unsupported('A certificate of the signer cannot be read.', `certificate ${index + 1}: ${(error as Error).message}`);
  }
}

/** resolveAlgorithm's choice for the key (also what our own keys use), refused as a 422 since the certificate comes from the signer. */
function algorithmsOf(key: KeyObject, options: ExternalSignerOptions): Omit<ExternalSigner, 'certificates'> {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_BITS) throw unsupported(`The signer's RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are needed.`);
  try {
    return resolveAlgorithm(key, options);
  } catch (error) {
    if (error instanceof AppError && error.code === 'key_unsupported') throw unsupported(`The signer's key cannot be used: ${error.message}`, error.message);
    throw error;
  }
}

/**
 * The value as the SignerInfo carries it, once it verifies with the leaf's public key over `data` (the
 * DER signed attributes): ECDSA given as DER or as raw r‖s (IEEE P1363, what PKCS#11 tokens and cards
 * return), RSA PKCS#1 v1.5 or PSS with a salt of the hash length — the parameters the CMS names
 * (cms-build.ts signatureAlgorithm). Returns null when it does not verify in any of these forms.
 */
export function checkedSignatureValue(signer: ExternalSigner, data: Buffer, value: Buffer): Buffer | null {
  const leaf = new X509Certificate(signer.certificates[0]);
  const key = leaf.publicKey;
  const algorithm: SignatureAlgorithm = { scheme: signer.scheme, hash: signer.hash, saltLength: HASH_LENGTH[signer.hash], name: `${signer.scheme}-${signer.hash}` };
  for (const candidate of candidates(signer, key, value)) {
    if (verifySignatureValue(algorithm, key, data, candidate)) return candidate;
  }
  return null;
}

/** The forms `value` may be read in; verification, not a guess on its first byte, decides which one it is. */
function candidates(signer: ExternalSigner, key: KeyObject, value: Buffer): Buffer[] {
  if (signer.scheme !== 'ecdsa') {
    // The value is an octet string of exactly the modulus length (RFC 8017 §8.1.1, I2OSP): one whose leading
    // zero octets were dropped, or given one zero too many as a signed integer would be, is brought back to it.
    const size = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (value.length > 0 && value.length < size) return [Buffer.concat([Buffer.alloc(size - value.length), value])];
    const extra = value.length - size;
    if (extra > 0 && value.subarray(0, extra).every((byte) => byte === 0)) return [value.subarray(extra)];
    return [value];
  }
  const forms = value[0] === 0x30 ? [value] : [];
  // The field size in bytes is that of the public point's x coordinate.
  const fieldBytes = Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url').length;
  // IEEE P1363: r and s as big-endian integers of exactly the field size each.
  if (fieldBytes && value.length === 2 * fieldBytes) forms.push(sequence(integer(value.subarray(0, fieldBytes)), integer(value.subarray(fieldBytes))));
  return forms;
}
