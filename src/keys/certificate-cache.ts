/**
 * What the B-LT step of every signature asks again and again about the same few certificates — our CAs', the
 * root's, the TSA's — answered once per process (issue 11): each DER parsed once into an X509Certificate, and
 * whether one certificate was signed by another (name match, RFC 5280 §6.1.3, then one signature check). Owned
 * by `deps` (built in main.ts / buildDeps and passed in, DESIGN §2), never module state; bounded, least recently
 * used out first, so the one-shot certificates that pass through once do not make it grow.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { tryCertificateFields, type CertificateFields } from '../asn1/certificate-fields.ts';

/** Entries kept per map: far more than the CAs, roots and TSAs of a deployment, so those always stay. */
export const CERTIFICATE_CACHE_SIZE = 256;

/** A Map that forgets its least recently used entry beyond `max` (Map keeps insertion order). */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error('BoundedMap needs room for one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

/** Where the cache keeps a certificate of these DER bytes: their SHA-256. */
const derKey = (der: Buffer | Uint8Array): string => createHash('sha256').update(der).digest('hex');

/** Where the cache keeps whether `issuer` issued `cert`. */
const pairKey = (cert: X509Certificate, issuer: X509Certificate): string => `${cert.fingerprint256}>${issuer.fingerprint256}`;

export class CertificateCache {
  private readonly parsed: BoundedMap<string, X509Certificate>;
  private readonly issued: BoundedMap<string, boolean>;
  private readonly read: BoundedMap<string, CertificateFields | null>;

  constructor(max = CERTIFICATE_CACHE_SIZE) {
    this.parsed = new BoundedMap(max);
    this.issued = new BoundedMap(max);
    this.read = new BoundedMap(max);
  }

  /** The certificate of these DER bytes, parsed on first sight; throws as `new X509Certificate` does. */
  parse(der: Buffer | Uint8Array): X509Certificate {
    const key = derKey(der);
    const known = this.parsed.get(key);
    if (known) return known;
    const cert = new X509Certificate(Buffer.isBuffer(der) ? der : Buffer.from(der));
    this.parsed.set(key, cert);
    return cert;
  }

  /**
   * What this process knows without checking: `cert`, parsed already, was signed a moment ago by the CA whose
   * certificate is `issuer` (a one-shot certificate, DESIGN §5). Kept so that its B-LT step neither parses it
   * again nor verifies a signature we made ourselves (issue 11).
   */
  issuedHere(cert: X509Certificate, issuer: Buffer): void {
    this.parsed.set(derKey(cert.raw), cert);
    this.issued.set(pairKey(cert, this.parse(issuer)), true);
    // Nor is it self-signed, which the B-LT step asks first of every certificate.
    this.issued.set(pairKey(cert, cert), false);
  }

  /** Whether `issuer` issued `cert`, when that is known already (issuedBy or issuedHere answered it); else undefined. */
  knownIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean | undefined {
    return this.issued.get(pairKey(cert, issuer));
  }

  /** The raw fields node:crypto does not expose (serial, names, extensions), read once; null when unreadable. */
  fields(cert: X509Certificate): CertificateFields | null {
    const known = this.read.get(cert.fingerprint256);
    if (known !== undefined) return known;
    const fields = tryCertificateFields(cert.raw);
    this.read.set(cert.fingerprint256, fields);
    return fields;
  }

  /**
   * Whether `issuer` issued `cert`: its subject is `cert`'s issuer name (and key identifiers agree, which
   * checkIssued tests first, without any signature check) and its key verifies `cert`'s signature. Both answers
   * are kept: OpenSSL's name comparison alone costs tens of microseconds, asked of every pair at every signature.
   */
  issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
    const key = pairKey(cert, issuer);
    const known = this.issued.get(key);
    if (known !== undefined) return known;
    let verified = false;
    if (cert.checkIssued(issuer)) {
      try {
        verified = cert.verify(issuer.publicKey);
      } catch {
        // A key type node:crypto cannot use: not an issuer we can prove.
      }
    }
    this.issued.set(key, verified);
    return verified;
  }
}
