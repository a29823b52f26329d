/**
 * The certificates a validator may use to build paths: those of the signatures, of their
 * timestamp tokens and of the /DSS, without duplicates and capped, so that a file stuffed with
 * certificates costs a bounded amount of work.
 */
import { X509Certificate } from 'node:crypto';

/** Distinct certificates kept per file; path building considers at most this many. */
export const MAX_CERTIFICATES = 1000;

export function readCertificate(der: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(der);
  } catch {
    return null;
  }
}

export class CertificatePool {
  private readonly byFingerprint = new Map<string, X509Certificate>();

  add(certificates: Iterable<X509Certificate | Buffer>): this {
    for (const item of certificates) {
      if (this.byFingerprint.size >= MAX_CERTIFICATES) break;
      const cert = Buffer.isBuffer(item) ? readCertificate(item) : item;
      if (cert && !this.byFingerprint.has(cert.fingerprint256)) this.byFingerprint.set(cert.fingerprint256, cert);
    }
    return this;
  }

  has(cert: X509Certificate): boolean {
    return this.byFingerprint.has(cert.fingerprint256);
  }

  get all(): X509Certificate[] {
    return [...this.byFingerprint.values()];
  }
}
