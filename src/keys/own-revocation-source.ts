/**
 * Revocation data for certificates of our own CAs, produced in-process: the issuing CA signs an OCSP
 * response for the certificate (RFC 6960 §4.2.2.2) exactly as its HTTP responder would, so extending a
 * signature to B-LT (ETSI EN 319 142-1 §5.4) needs no network round trip to ourselves.
 */
import { X509Certificate } from 'node:crypto';
import { ocspResponseFor, type CertStatus } from './ocsp.ts';
import type { RevocationData, RevocationSource, SigningKey } from './types.ts';
import { certificateFields } from '../asn1/certificate-fields.ts';
import { integerBytes } from '../asn1/ber.ts';

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
}

export function createOwnRevocationSource(options: OwnRevocationSourceOptions): RevocationSource {
  return {
    async revocationData(certificate: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null> {
      // Only answer for a certificate this issuer really signed: never vouch for a look-alike.
      if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) return null;
      const authority = await options.authorityFor(issuer);
      const crl = options.crlFor ? await options.crlFor(issuer) : null;
      if (!authority?.certificates.length) return crl ? { ocsps: [], crls: [crl] } : null;
      assertSameCa(authority, certificate, issuer);
      const serial = integerBytes(certificateFields(certificate.raw).serial);
      const ocsp = await ocspResponseFor({
        responder: authority,
        certificate: certificate.raw,
        status: await options.status(issuer, serial),
        now: options.clock(),
        validityMs: options.ocspValidityMs,
      });
      return { ocsps: [ocsp], crls: crl ? [crl] : [] };
    },
  };
}

/** The key must be the issuer's: the same certificate, or the same CA re-certified (same name, same key). */
function assertSameCa(authority: SigningKey, certificate: X509Certificate, issuer: X509Certificate): void {
  if (Buffer.from(authority.certificates[0]).equals(issuer.raw)) return;
  const authorityCert = new X509Certificate(Buffer.from(authority.certificates[0]));
  if (authorityCert.subject !== issuer.subject || !certificate.verify(authorityCert.publicKey)) {
    // A wiring error worth hearing about, not a reason to publish a response a validator will reject.
    throw new Error('createOwnRevocationSource: authorityFor returned a key of another CA');
  }
}
