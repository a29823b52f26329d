import type { X509Certificate } from 'node:crypto';
import type { PkiProvider, SigningKey } from './types.ts';

/**
 * The CAs of a deployment as the publication routes and the revocation source see them (src/http/routes/pki.ts,
 * own-revocation-source.ts): who signs the CRL and the OCSP responses of each CA. Our CAs sign their own CRLs and
 * OCSP responses (RFC 5280 §5, RFC 6960 §4.2.2.2 "the CA who issued the certificate").
 */
export interface PkiAuthorities {
  /**
   * The CA published as `/pki/<name>/…`: 'root' or an organisation slug. Null when there is none (an unknown name,
   * or an organisation that has not signed anything yet). Its certificates: the CA first, then its issuers.
   */
  authority(name: string): Promise<SigningKey | null>;
  /** The key of our CA whose certificate is `issuer` (same DER), or null when it is not ours. */
  authorityFor(issuer: X509Certificate): Promise<SigningKey | null>;
}

/** What `main.ts` and the tests hand to the server: the provider, its CAs, and the built-in TSA's key. */
export interface PkiServices {
  provider: PkiProvider;
  authorities: PkiAuthorities;
  /** The key of the built-in RFC 3161 TSA (TSA certificate first, then the root); absent when there is none. */
  tsaKey?: SigningKey;
  /**
   * The built-in TSA's key now, when the PKI rolls its TSA key over (the development PKI): the running service
   * asks for it per timestamp, so a new key is used without a restart. Absent: `tsaKey` serves for good.
   */
  currentTsaKey?: () => Promise<SigningKey>;
  /** True for the generated development PKI, which production refuses. */
  development: boolean;
}
