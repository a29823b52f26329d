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

/** A one-shot key (DESIGN §5) with its certificate as it was parsed when built, for the caller to read without parsing again. */
export interface OneShotKey extends SigningKey {
  readonly certificate: X509Certificate;
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
  issueOneShot(identity: SignerIdentity): Promise<OneShotKey>;
  /** The organisation's seal key (for audit reports and document timestamps). */
  seal(): Promise<SigningKey>;
  /** Issuing CA and root, for chains and trust stores. */
  readonly caCertificates: readonly X509Certificate[];
}

/**
 * A source of trusted time (RFC 3161): the built-in TSA of the development PKI (src/pades/tsa.ts)
 * or one or more remote TSAs (`TSA_URL`, src/pades/timestamp-client.ts). Lives here beside the other
 * providers so that every layer that needs signed time depends on this interface only.
 */
export interface TimeStamper {
  /**
   * A DER TimeStampToken (RFC 3161 §2.4.2: a ContentInfo holding SignedData over TSTInfo) whose
   * message imprint is `digest`, computed with `hash`. Throws an AppError with code
   * `timestamp_unavailable` (status 503) when no TSA gives a valid token in time; never returns
   * a token it has not checked against the request (imprint, nonce, status).
   */
  timestamp(digest: Buffer, hash: HashAlgorithm): Promise<Buffer>;
}

/** Revocation evidence for one certificate, as embedded in a PDF's /DSS (ETSI EN 319 142-1 §5.4). */
export interface RevocationData {
  /** DER OCSPResponse structures (RFC 6960 §4.2.1). */
  ocsps: Buffer[];
  /** DER CertificateList structures (RFC 5280 §5.1). */
  crls: Buffer[];
}

/**
 * Where validation data comes from when a signature is extended to B-LT: our own CAs answer
 * in-process (their OCSP responder and CRL, src/keys/revocation*), others may be fetched.
 */
export interface RevocationSource {
  /** Evidence that `certificate` (issued by `issuer`) is not revoked now; null when this source does not know the issuer. */
  revocationData(certificate: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null>;
}

/** Who an organisation is, as far as its certificates are concerned (the store's Organisation fits). */
export interface OrganisationIdentity {
  id: string;
  slug: string;
  name: string;
}

/**
 * The deployment's PKI (DESIGN §5): one root, one issuing CA per organisation whose subject names the
 * organisation, a seal per organisation, and the TSA key of the built-in timestamp service.
 */
export interface PkiProvider {
  /** The roots that validation trusts. */
  readonly trustAnchors: readonly X509Certificate[];
  /** The organisation's own issuing CA (created on first use in development). */
  forOrganisation(organisation: OrganisationIdentity): Promise<CertificateIssuer>;
}
