/**
 * Where the deployment publishes its PKI (src/http/routes/pki.ts): one CRL, one CA certificate and, for an
 * organisation's issuing CA, one OCSP responder per CA, under `BASE_URL/pki/`. Certificates point here through
 * authorityInfoAccess (RFC 5280 §4.2.2.1) and cRLDistributionPoints (§4.2.1.13).
 */

/** The name of the root in `/pki/<name>/…`; organisation slugs never equal it (see `isPkiAuthorityName`). */
export const ROOT_AUTHORITY = 'root';

export interface AuthorityUrls {
  /** DER certificate of the CA (AIA caIssuers of what it issues). */
  caIssuers: string;
  /** DER CRL of the CA (CRLDP of what it issues). */
  crl: string;
  /** RFC 6960 responder of the CA (POST, or GET with the base64 request appended). */
  ocsp: string;
}

export function authorityUrls(baseUrl: string, authority: string): AuthorityUrls {
  const base = `${baseUrl.replace(/\/+$/, '')}/pki/${encodeURIComponent(authority)}`;
  return { caIssuers: `${base}/ca.crt`, crl: `${base}/crl`, ocsp: `${base}/ocsp` };
}

/** The built-in RFC 3161 TSA (POST application/timestamp-query). */
export function tsaUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/pki/tsa`;
}

/** A slug as organisations have them (lower-case letters, digits, dashes); also guards the directory names. */
export function isPkiAuthorityName(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(name);
}
