import type { X509Certificate } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';
export type SignatureScheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa';

/**
 * A key that can produce one CMS signature value. The private key may live in memory,
 * in a PKCS#12 file or in an HSM; callers only see `sign`.
 */
export interface SigningKey {
  /** Signer's certificate first, then its issuers (the root may be left out). DER. */
  readonly certificates: readonly Buffer[];
  readonly scheme: SignatureScheme;
  readonly hash: HashAlgorithm;
  /** Size in bytes of a signature value (RSA modulus length, or the maximum DER ECDSA length). */
  readonly signatureSize: number;
  /** Signs `data` (the DER of the CMS signed attributes) with `hash`; ECDSA values are DER-encoded. */
  sign(data: Buffer): Promise<Buffer>;
}

/** Who a one-shot certificate is for (DESIGN §5). */
export interface SignerIdentity {
  name: string;
  email?: string;
  /** Function title shown in the signature, e.g. "Algemeen directeur" or "wnd. burgemeester". */
  title?: string;
}

export interface CertificateIssuer {
  /** Issues a certificate for a fresh key pair used once, valid for a few minutes. */
  issueOneShot(identity: SignerIdentity): Promise<SigningKey>;
  /** The organisation's seal key (for audit reports and document timestamps). */
  seal(): Promise<SigningKey>;
  /** Issuing CA and root, for chains and trust stores. */
  readonly caCertificates: readonly X509Certificate[];
}
