import { constants, createPublicKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { contextConstructed, integer, nullValue, oid, OID, sequence, type Der } from '../asn1/der.ts';
import { AppError } from '../errors.ts';
import type { HashAlgorithm, SignatureScheme, SigningKey } from './types.ts';

export interface SigningKeyOptions {
  hash?: HashAlgorithm;
  /** Only meaningful for plain RSA keys, which can sign with PKCS#1 v1.5 or PSS. */
  scheme?: SignatureScheme;
}

const DIGEST_LENGTH: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * Largest DER ECDSA-Sig-Value per curve: SEQUENCE { r INTEGER, s INTEGER } where each integer
 * can take one byte more than the order when its top bit is set (P-521's order has no spare bit).
 */
const ECDSA_MAX_SIZE: Record<string, { size: number; hash: HashAlgorithm }> = {
  prime256v1: { size: 72, hash: 'sha256' },
  secp384r1: { size: 104, hash: 'sha384' },
  secp521r1: { size: 139, hash: 'sha512' },
};

/**
 * Wraps a private key held in memory as a SigningKey. The first certificate must belong to
 * the key; we check that here so a mismatched PKCS#12 or PEM pair fails at load, not at signing.
 */
export function createSigningKey(
  privateKey: KeyObject,
  certificates: readonly Buffer[],
  options: SigningKeyOptions = {},
): SigningKey {
  if (certificates.length === 0) throw keyError('key_file_invalid', 'The key has no certificate.');
  const signer = createKeySigner(privateKey, options);
  assertKeyMatchesCertificate(privateKey, certificates[0]);
  return { ...signer, certificates: Object.freeze([...certificates]) };
}

/** A signing key without certificates: what signs a self-signed root, or a CSR-less first certificate. */
export type KeySigner = Omit<SigningKey, 'certificates'>;

export function createKeySigner(privateKey: KeyObject, options: SigningKeyOptions = {}): KeySigner {
  if (privateKey.type !== 'private') throw keyError('key_file_invalid', 'A private key is required.');
  const { scheme, hash, signatureSize } = resolveAlgorithm(privateKey, options);
  const signOptions =
    scheme === 'rsa-pss'
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LENGTH[hash] }
      : scheme === 'ecdsa'
        ? { key: privateKey, dsaEncoding: 'der' as const }
        : { key: privateKey, padding: constants.RSA_PKCS1_PADDING };
  return {
    scheme,
    hash,
    signatureSize,
    sign: async (data: Buffer) => sign(hash, data, signOptions),
  };
}

/** Scheme, hash and signature size for a key (private or public: only its type and size are read). */
export function resolveAlgorithm(
  key: KeyObject,
  options: SigningKeyOptions,
): { scheme: SignatureScheme; hash: HashAlgorithm; signatureSize: number } {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const scheme = options.scheme ?? 'rsa-pkcs1';
      if (scheme === 'ecdsa') throw keyError('key_unsupported', 'An RSA key cannot sign with ECDSA.');
      return { scheme, hash: options.hash ?? 'sha256', signatureSize: Math.ceil((details.modulusLength ?? 0) / 8) };
    }
    case 'rsa-pss': {
      if (options.scheme && options.scheme !== 'rsa-pss') {
        throw keyError('key_unsupported', 'An RSA-PSS key can only sign with RSA-PSS.');
      }
      // A PSS key may be restricted to one hash in its parameters (RFC 4055 §1.2).
      const restricted = details.hashAlgorithm as HashAlgorithm | undefined;
      const hash = options.hash ?? restricted ?? 'sha256';
      return { scheme: 'rsa-pss', hash, signatureSize: Math.ceil((details.modulusLength ?? 0) / 8) };
    }
    case 'ec': {
      if (options.scheme && options.scheme !== 'ecdsa') throw keyError('key_unsupported', 'An EC key signs with ECDSA only.');
      const curve = ECDSA_MAX_SIZE[details.namedCurve ?? ''];
      if (!curve) throw keyError('key_unsupported', `Unsupported elliptic curve ${details.namedCurve}.`);
      return { scheme: 'ecdsa', hash: options.hash ?? curve.hash, signatureSize: curve.size };
    }
    default:
      throw keyError('key_unsupported', `Unsupported key type ${key.asymmetricKeyType}.`);
  }
}

function assertKeyMatchesCertificate(privateKey: KeyObject, certificate: Buffer): void {
  let certificateKey: KeyObject;
  try {
    certificateKey = new X509Certificate(certificate).publicKey;
  } catch (cause) {
    throw keyError('key_file_invalid', 'The certificate cannot be read.', cause);
  }
  const fromPrivate = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fromCertificate = certificateKey.export({ type: 'spki', format: 'der' });
  if (!fromPrivate.equals(fromCertificate)) {
    throw keyError('key_certificate_mismatch', 'The private key does not belong to the first certificate.');
  }
}

const HASH_OID: Record<HashAlgorithm, string> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const RSA_OID: Record<HashAlgorithm, string> = {
  sha256: OID.sha256WithRSA,
  sha384: OID.sha384WithRSA,
  sha512: OID.sha512WithRSA,
};
const ECDSA_OID: Record<HashAlgorithm, string> = {
  sha256: OID.ecdsaWithSha256,
  sha384: OID.ecdsaWithSha384,
  sha512: OID.ecdsaWithSha512,
};

/**
 * The AlgorithmIdentifier of a signature made by `key`: sha*WithRSAEncryption with NULL parameters
 * (RFC 4055 §5), ecdsa-with-SHA* with absent parameters (RFC 5758 §3.2), or RSASSA-PSS with
 * explicit hash, MGF1 and salt length (RFC 4055 §3.1). Used for certificates and CMS alike.
 */
export function signatureAlgorithmIdentifier(key: Pick<SigningKey, 'scheme' | 'hash'>): Der {
  switch (key.scheme) {
    case 'rsa-pkcs1':
      return sequence(oid(RSA_OID[key.hash]), nullValue());
    case 'ecdsa':
      return sequence(oid(ECDSA_OID[key.hash]));
    case 'rsa-pss': {
      const hashId = sequence(oid(HASH_OID[key.hash]), nullValue());
      return sequence(
        oid(OID.rsassaPss),
        sequence(
          contextConstructed(0, hashId),
          contextConstructed(1, sequence(oid(OID.mgf1), hashId)),
          contextConstructed(2, integer(DIGEST_LENGTH[key.hash])),
        ),
      );
    }
  }
}

export function keyError(code: string, message: string, cause?: unknown): AppError {
  return new AppError(code, 400, message, { cause, detail: cause instanceof Error ? cause.message : undefined });
}
