/**
 * PAdES B-LT (ETSI EN 319 142-1 §5.4, §6.3 level B-LT): after a signature (or a document timestamp)
 * an incremental DSS update adds every certificate and the revocation data a validator needs to check
 * every signature and timestamp of the file offline: the certificates of each signature's CMS, of the
 * signature-time-stamp tokens in its SignerInfos and of document timestamps, their chains completed
 * from everything known (the file's own certificates, the DSS, `extraCertificates`), and an OCSP
 * response or CRL for every certificate that is not self-signed (a trust anchor needs none, RFC 5280 §6.1).
 * OCSP responder certificates that come with the responses are added and checked in turn, unless they
 * carry id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
 */
import { X509Certificate } from 'node:crypto';
import { CertificateCache } from '../keys/certificate-cache.ts';
import type { RevocationSource } from '../keys/types.ts';
import { appendDss, findSignatures, PdfReader, readDss, type DssContent } from '../pdf/index.ts';
import { cmsCertificates, coveredBy, OcspReader, ocspCertificates } from './ltv-evidence.ts';

const ID_PKIX_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';
/** A file with more distinct certificates than this is not one we extend (bounded work per request). */
const MAX_CERTIFICATES = 500;

export interface AddValidationDataOptions {
  revocation: RevocationSource;
  /** Certificates that complete chains the file's CMS leaves open (issuing CAs, the root, the TSA chain). */
  extraCertificates?: readonly (X509Certificate | Buffer)[];
  /**
   * 'missing' (default): revocation data only for certificates the DSS says nothing about yet, so a
   * second signature does not re-embed what the first one brought; 'all': fresh data for every
   * certificate, e.g. just before a new archive timestamp.
   */
  refresh?: 'missing' | 'all';
  /**
   * Parsed certificates and issuer checks kept across calls (the caller's, e.g. the server's deps): the CA,
   * root and TSA certificates every signature carries are then parsed and checked once, not per signature.
   */
  certificates?: CertificateCache;
}

export interface ValidationData extends DssContent {
  /** Certificates for which no revocation data could be had (issuer unknown or source silent). */
  withoutRevocation: X509Certificate[];
}

/** Returns `pdf` with a DSS revision holding the validation data of all its signatures and timestamps. */
export async function addValidationData(pdf: Buffer, options: AddValidationDataOptions): Promise<Buffer> {
  return (await extendWithValidationData(pdf, options)).pdf;
}

export interface ExtendedWithValidationData {
  /** `pdf` itself (same Buffer) when the DSS already held everything. */
  pdf: Buffer;
  added: { certs: number; ocsps: number; crls: number };
  withoutRevocation: X509Certificate[];
}

/** `addValidationData`, also telling what was added and which certificates got no revocation data. */
export async function extendWithValidationData(pdf: Buffer, options: AddValidationDataOptions): Promise<ExtendedWithValidationData> {
  // One reading of the file for both steps (its cross-reference parsed once, ~0.1 ms a signature).
  const reader = PdfReader.open(pdf);
  const data = await collectValidationData(pdf, options, reader);
  const appended = appendDss(pdf, data, reader);
  return { pdf: appended.pdf, added: appended.added, withoutRevocation: data.withoutRevocation };
}

/** What `addValidationData` would add, without writing it; `reader` reads `pdf`. */
export async function collectValidationData(pdf: Buffer, options: AddValidationDataOptions, reader = PdfReader.open(pdf)): Promise<ValidationData> {
  const existing = readDss(reader);
  const certificates = options.certificates ?? new CertificateCache();
  const pool = new CertificatePool(certificates);
  const ocsps = new OcspReader();
  for (const cert of [...existing.certs, ...existing.ocsps.flatMap((der) => ocspCertificates(der, ocsps)), ...(options.extraCertificates ?? [])]) pool.add(cert);
  const queue: X509Certificate[] = [];
  for (const signature of findSignatures(reader)) for (const der of cmsCertificates(signature.contents)) queue.push(pool.add(der));

  const result: ValidationData = { certs: [], ocsps: [], crls: [], withoutRevocation: [] };
  const done = new Set<string>();
  while (queue.length > 0) {
    const cert = queue.shift()!;
    if (done.has(cert.fingerprint256)) continue;
    if (done.size >= MAX_CERTIFICATES) break;
    done.add(cert.fingerprint256);
    result.certs.push(cert.raw);
    if (certificates.issuedBy(cert, cert)) continue; // self-signed: a trust anchor
    const issuer = pool.issuerOf(cert);
    if (issuer) queue.push(issuer);
    if (certificates.fields(cert)?.extensions.has(ID_PKIX_OCSP_NOCHECK)) continue;
    const known = { ocsps: [...existing.ocsps, ...result.ocsps], crls: [...existing.crls, ...result.crls] };
    if (options.refresh !== 'all' && coveredBy(cert, known, ocsps)) continue;
    const data = issuer ? await options.revocation.revocationData(cert, issuer) : null;
    if (!data || data.ocsps.length + data.crls.length === 0) {
      result.withoutRevocation.push(cert);
      continue;
    }
    result.ocsps.push(...data.ocsps);
    result.crls.push(...data.crls);
    for (const responder of data.ocsps.flatMap((der) => ocspCertificates(der, ocsps))) queue.push(pool.add(responder));
  }
  return result;
}

/** Certificates by fingerprint, with issuer look-up by name, then signature (RFC 5280 §6.1), through `certificates`. */
class CertificatePool {
  private readonly byFingerprint = new Map<string, X509Certificate>();

  constructor(private readonly certificates: CertificateCache) {}

  add(value: X509Certificate | Buffer): X509Certificate {
    const cert = value instanceof X509Certificate ? value : this.certificates.parse(value);
    const known = this.byFingerprint.get(cert.fingerprint256);
    if (known) return known;
    this.byFingerprint.set(cert.fingerprint256, cert);
    return cert;
  }

  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    // One known to have issued it first (a one-shot certificate's CA, issuedHere), before asking every other.
    for (const candidate of this.byFingerprint.values()) if (this.certificates.knownIssuedBy(cert, candidate)) return candidate;
    for (const candidate of this.byFingerprint.values()) {
      if (candidate.fingerprint256 !== cert.fingerprint256 && this.certificates.issuedBy(cert, candidate)) return candidate;
    }
    return undefined;
  }
}
