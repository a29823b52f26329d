/**
 * Revocation data for certificates of our own CAs, produced in-process: the issuing CA signs an OCSP
 * response for the certificate (RFC 6960 §4.2.2.2) exactly as its HTTP responder would, so extending a
 * signature to B-LT (ETSI EN 319 142-1 §5.4) needs no network round trip to ourselves.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { ocspResponseFor, type CertStatus } from './ocsp.ts';
import type { RevocationData, RevocationSource, SigningKey } from './types.ts';
import { integerBytes } from '../asn1/ber.ts';
import { BoundedMap, CertificateCache, CERTIFICATE_CACHE_SIZE } from './certificate-cache.ts';

export interface OwnRevocationSourceOptions {
  /** The signing key of the CA whose certificate is `issuer`, or null when it is not one of ours. */
  authorityFor: (issuer: X509Certificate) => Promise<SigningKey | null>;
  /** The CA's record of the certificate with this serial (INTEGER magnitude, big-endian). */
  status: (issuer: X509Certificate, serial: Buffer) => Promise<CertStatus>;
  clock: () => Date;
  /** How long each OCSP response may be cached (its nextUpdate - thisUpdate). */
  ocspValidityMs: number;
  /**
   * Optionally the issuer's current DER CRL, added beside the OCSP response (or instead of it when
   * authorityFor has no key for the issuer, e.g. a root kept offline that publishes a CRL).
   */
  crlFor?: (issuer: X509Certificate) => Promise<Buffer | null>;
  /** Issuer checks made once per pair of certificates (a cache the caller keeps across calls). */
  certificates?: CertificateCache;
  /**
   * Answers given again instead of signed anew (issue 11): for a certificate `fresh` does not claim, an answer
   * signed less than `maxAgeMs` ago by the same CA, giving the same status, is given again.
   */
  reuse?: { answers: OcspAnswerCache; maxAgeMs: number; fresh: (certificate: X509Certificate) => boolean };
}

export function createOwnRevocationSource(options: OwnRevocationSourceOptions): RevocationSource {
  const certificates = options.certificates ?? new CertificateCache();
  return {
    async revocationData(certificate: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null> {
      // Only answer for a certificate this issuer really signed: never vouch for a look-alike.
      if (!certificates.issuedBy(certificate, issuer)) return null;
      const authority = await options.authorityFor(issuer);
      const crl = options.crlFor ? await options.crlFor(issuer) : null;
      if (!authority?.certificates.length) return crl ? { ocsps: [], crls: [crl] } : null;
      assertSameCa(authority, certificate, issuer, certificates);
      const fields = certificates.fields(certificate);
      if (!fields) return null;
      const serial = integerBytes(fields.serial);
      const status = await options.status(issuer, serial);
      const now = options.clock();
      const reuse = options.reuse && !options.reuse.fresh(certificate) ? options.reuse : undefined;
      const key = reuse && OcspAnswerCache.key(authority, issuer, serial);
      const reused = key && reuse.answers.take(key, status, now, reuse.maxAgeMs);
      if (reused) return { ocsps: [reused], crls: crl ? [crl] : [] };
      const ocsp = await ocspResponseFor({ responder: authority, certificate: certificate.raw, status, now, validityMs: options.ocspValidityMs });
      if (key) reuse.answers.keep(key, status, now, ocsp);
      return { ocsps: [ocsp], crls: crl ? [crl] : [] };
    },
  };
}

/** The key must be the issuer's: the same certificate, or the same CA re-certified (same name, same key). */
function assertSameCa(authority: SigningKey, certificate: X509Certificate, issuer: X509Certificate, certificates: CertificateCache): void {
  if (Buffer.from(authority.certificates[0]).equals(issuer.raw)) return;
  const authorityCert = certificates.parse(authority.certificates[0]);
  if (authorityCert.subject !== issuer.subject || !certificates.issuedBy(certificate, authorityCert)) {
    // A wiring error worth hearing about, not a reason to publish a response a validator will reject.
    throw new Error('createOwnRevocationSource: authorityFor returned a key of another CA');
  }
}

/** How a status is compared: an answer is only given again for the very same status (a revocation, or its lifting, is a new answer). */
function statusKey(status: CertStatus): string {
  return status.status === 'revoked' ? `revoked ${status.revokedAt.toISOString()} ${status.reason ?? ''}` : status.status;
}

/**
 * Signed OCSP answers of our CAs, by responder, issuer and serial (one per certificate: a newer answer
 * replaces the older), bounded, least recently used out first. Owned by `deps`, never module state.
 */
export class OcspAnswerCache {
  private readonly answers: BoundedMap<string, { status: string; thisUpdate: number; der: Buffer }>;

  constructor(max = CERTIFICATE_CACHE_SIZE) {
    this.answers = new BoundedMap(max);
  }

  static key(responder: SigningKey, issuer: X509Certificate, serial: Buffer): string {
    const responderSha256 = createHash('sha256').update(responder.certificates[0]).digest('hex');
    return `${responderSha256}:${issuer.fingerprint256}:${serial.toString('hex')}`;
  }

  /** The answer kept under `key` when it gives `status` and was made at most `maxAgeMs` before `now` (and not after it). */
  take(key: string, status: CertStatus, now: Date, maxAgeMs: number): Buffer | undefined {
    const kept = this.answers.get(key);
    if (!kept) return undefined;
    const age = now.getTime() - kept.thisUpdate;
    if (kept.status !== statusKey(status) || age < 0 || age >= maxAgeMs) {
      this.answers.delete(key);
      return undefined;
    }
    return kept.der;
  }

  keep(key: string, status: CertStatus, thisUpdate: Date, der: Buffer): void {
    this.answers.set(key, { status: statusKey(status), thisUpdate: thisUpdate.getTime(), der });
  }

  get size(): number {
    return this.answers.size;
  }
}
