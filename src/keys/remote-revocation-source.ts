/**
 * Revocation data for certificates of CAs that are not ours (an eID card's citizen CA, a QTSP), fetched where the
 * certificate says: an OCSP request (RFC 6960 Appendix A.1, HTTP POST) to its AIA id-ad-ocsp URL (RFC 5280
 * §4.2.2.1), else the CRL of its cRLDistributionPoints (§4.2.1.13). An answer counts only when it is what we asked
 * for and genuine: a successful OCSP response whose CertID names this certificate and issuer, signed by the issuer or
 * a responder it certified with id-kp-OCSPSigning (RFC 6960 §4.2.2.2), echoing our nonce if any; a CRL of this issuer
 * signed by it (RFC 5280 §6.3.3); either not issued in the future nor past its nextUpdate. The signature and CertID
 * checks are revocation-check.ts's, the ones validation also uses. A revoked status is returned like a good one: it
 * is evidence, and the caller judges it (RevocationEvidence/statusAt).
 *
 * Only http(s), no redirects, bounded in time and size: the URLs come from certificates that strangers present. Call
 * it for certificates whose path to a trust anchor is already built, so the URLs are a trusted CA's and not whatever
 * a self-made chain points at (an internal address, say).
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import { BerError, child, integerBytes, octets, oidString, readBer, type BerNode } from '../asn1/ber.ts';
import { contextConstructed, octetString, oid, OID, sequence } from '../asn1/der.ts';
import { certificateFields, type CertificateFields } from '../asn1/certificate-fields.ts';
import { AppError } from '../errors.ts';
import { readAsn1Time } from '../pades/asn1-time.ts';
import { RevocationEvidence, type RevocationFinding } from '../pades/revocation-check.ts';
import { encodeCertId } from './ocsp.ts';
import type { RevocationData, RevocationSource } from './types.ts';
import { describeFetchError, readBounded } from './http-body.ts';

export interface RemoteRevocationSourceOptions {
  /**
   * Per request, connection to last byte (`REVOCATION_TIMEOUT_MS`). A certificate naming several URLs costs at most
   * (OCSP + CRL URLs, each kind capped at REMOTE_REVOCATION_LIMITS.urlsPerKind) times this.
   */
  timeoutMs: number;
  /** For tests and proxies; the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Largest accepted OCSP response and CRL. Default 1 MB and 10 MB. */
  maxBytes?: { ocsp?: number; crl?: number };
  /** Clock tolerance: an answer issued later than now + this, or whose nextUpdate is before now - this, is refused. Default 5 min. */
  maxClockSkewMs?: number;
  clock?: () => Date;
}

export const REMOTE_REVOCATION_LIMITS = Object.freeze({ ocspBytes: 1024 * 1024, crlBytes: 10 * 1024 * 1024, urlsPerKind: 4 });

export function createRemoteRevocationSource(options: RemoteRevocationSourceOptions): RevocationSource {
  const fetchImpl = options.fetch ?? fetch;
  const clock = options.clock ?? (() => new Date());
  const maxBytes = { ocsp: options.maxBytes?.ocsp ?? REMOTE_REVOCATION_LIMITS.ocspBytes, crl: options.maxBytes?.crl ?? REMOTE_REVOCATION_LIMITS.crlBytes };
  const skew = options.maxClockSkewMs ?? 5 * 60_000;

  /** One URL: fetched, verified, and not issued in the future; the DER on success. */
  async function fetchEvidence(attempt: Attempt, certificate: X509Certificate, issuer: X509Certificate): Promise<Buffer> {
    const der = await fetchBounded(fetchImpl, attempt.url, attempt.init, maxBytes[attempt.kind], options.timeoutMs);
    const { issuedAt } = usable(der, attempt.kind, certificate, issuer);
    const now = clock().getTime();
    // OCSP producedAt or CRL thisUpdate after now: a responder clock far ahead, or an answer made for later use.
    if (issuedAt && issuedAt.getTime() > now + skew) throw new Error(`produced in the future (${issuedAt.toISOString()})`);
    const times = updateTimes(der, attempt.kind);
    for (const at of times.thisUpdate) if (at.getTime() > now + skew) throw new Error(`thisUpdate in the future (${at.toISOString()})`);
    // Past nextUpdate the issuer no longer vouches for the answer (RFC 5019 §4, RFC 5280 §5.1.2.5): an old or replayed one.
    for (const at of times.nextUpdate) if (at.getTime() < now - skew) throw new Error(`out of date: nextUpdate ${at.toISOString()} has passed`);
    if (times.nonce && attempt.nonce && !times.nonce.equals(attempt.nonce)) throw new Error('the nonce is not the one sent: a replayed answer');
    return der;
  }

  return {
    async revocationData(certificate: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null> {
      // Never fetch on behalf of a pair that does not belong together: the answer would be about something else.
      if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) return null;
      const attempts = attemptsFor(certificate, issuer);
      if (attempts.length === 0) return null;
      const failures: string[] = [];
      for (const attempt of attempts) {
        try {
          const der = await fetchEvidence(attempt, certificate, issuer);
          return attempt.kind === 'ocsp' ? { ocsps: [der], crls: [] } : { ocsps: [], crls: [der] };
        } catch (error) {
          failures.push(`${attempt.kind.toUpperCase()} ${attempt.url}: ${describeFetchError(error)}`);
        }
      }
      throw new AppError('revocation_unavailable', 503, 'The revocation status of the certificate could not be fetched.', {
        detail: `${certificate.subject.replace(/\n/g, ', ')}: ${failures.join('; ')}`,
      });
    },
  };
}

interface Attempt {
  kind: 'ocsp' | 'crl';
  url: string;
  init: RequestInit;
  /** extnValue of the nonce extension sent, which a responder that supports nonces echoes (RFC 8954 §2.1). */
  nonce?: Buffer;
}

/** OCSP first (small, current), then the CRLs (RFC 5280 §4.2.1.13): every http(s) URL the certificate names. */
function attemptsFor(certificate: X509Certificate, issuer: X509Certificate): Attempt[] {
  const fields = certificateFields(certificate.raw);
  const urls = revocationUrls(fields);
  const attempts: Attempt[] = [];
  if (urls.ocsp.length) {
    const nonce = octetString(randomBytes(16));
    const body = new Uint8Array(ocspRequest(certificateFields(issuer.raw), integerBytes(fields.serial), nonce));
    const headers = { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' };
    for (const url of urls.ocsp) attempts.push({ kind: 'ocsp', url, nonce, init: { method: 'POST', headers, body } });
  }
  for (const url of urls.crl) attempts.push({ kind: 'crl', url, init: { method: 'GET', headers: { accept: 'application/pkix-crl' } } });
  return attempts;
}

/**
 * The verified statement of `der` about `certificate`; throws when there is none (wrong issuer or serial, bad
 * signature, not a successful response) or it says "unknown": then the responder does not vouch either way.
 */
function usable(der: Buffer, kind: 'ocsp' | 'crl', certificate: X509Certificate, issuer: X509Certificate): RevocationFinding {
  const evidence = new RevocationEvidence(kind === 'ocsp' ? { ocsps: [der], crls: [] } : { ocsps: [], crls: [der] }, 'live');
  const findings = evidence.findings(certificate, issuer);
  const known = findings.find((finding) => finding.status !== 'unknown');
  if (known) return known;
  throw new Error(findings.length ? 'the responder does not know the certificate' : 'no verifiable statement about the certificate');
}

/**
 * OCSPRequest { TBSRequest { requestList SEQUENCE OF Request { reqCert CertID }, [2] EXPLICIT requestExtensions } }
 * (RFC 6960 §4.1.1), SHA-1 CertID (RFC 5019 §2.1.1, what every responder reads) and a 16-byte nonce (RFC 8954 §2.1).
 * A nonce is not required back: responders that pre-produce answers (RFC 5019) leave it out; a different one is refused.
 */
function ocspRequest(issuer: CertificateFields, serial: Buffer, nonce: Buffer): Buffer {
  const extensions = contextConstructed(2, sequence(sequence(oid(OID.ocspNonce), octetString(nonce))));
  return sequence(sequence(sequence(sequence(encodeCertId(issuer, serial, 'sha1'))), extensions));
}

interface UpdateTimes {
  thisUpdate: Date[];
  nextUpdate: Date[];
  /** extnValue of the response's nonce extension. */
  nonce: Buffer | null;
}

/**
 * What revocation-check.ts does not keep of an answer it has verified, and a fetcher must check: the update times
 * of each OCSP SingleResponse (RFC 6960 §4.2.1) or of the CRL (RFC 5280 §5.1.2.4-5), and the OCSP nonce.
 */
function updateTimes(der: Buffer, kind: 'ocsp' | 'crl'): UpdateTimes {
  const times: UpdateTimes = { thisUpdate: [], nextUpdate: [], nonce: null };
  const add = (list: Date[], node: BerNode | undefined) => {
    const at = node ? readAsn1Time(node) : null;
    if (at) list.push(at);
  };
  if (kind === 'crl') {
    // TBSCertList { version OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL, … }
    const tbs = child(readBer(der), 0, 0x30);
    const index = tbs.children[0]?.tag === 0x02 ? 3 : 2;
    add(times.thisUpdate, child(tbs, index));
    const next = tbs.children[index + 1];
    if (next?.tag === 0x17 || next?.tag === 0x18) add(times.nextUpdate, next);
    return times;
  }
  // OCSPResponse → [0] ResponseBytes → BasicOCSPResponse → ResponseData { [0]?, responderID, producedAt, responses, [1]? }
  const bytes = child(child(readBer(der), 1, 0xa0), 0, 0x30);
  const tbs = child(readBer(octets(child(bytes, 1, 0x04))), 0, 0x30);
  const offset = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
  for (const single of child(tbs, offset + 2, 0x30).children) {
    add(times.thisUpdate, child(single, 2));
    add(times.nextUpdate, single.children.find((node) => node.tag === 0xa0)?.children[0]);
  }
  const extensions = tbs.children.find((node) => node.tag === 0xa1)?.children[0]?.children ?? [];
  const nonce = extensions.find((extension) => oidString(child(extension, 0, 0x06)) === OID.ocspNonce);
  times.nonce = nonce ? octets(child(nonce, nonce.children.length - 1, 0x04)) : null;
  return times;
}

/** OCSP URLs of the AIA and CRL URLs of the CRLDP fullNames; only http(s), at most a few of each. */
export function revocationUrls(fields: CertificateFields): { ocsp: string[]; crl: string[] } {
  const pick = (urls: string[]) => urls.filter(isHttp).slice(0, REMOTE_REVOCATION_LIMITS.urlsPerKind);
  return { ocsp: pick(safely(() => aiaOcspUrls(fields))), crl: pick(safely(() => crlDistributionUrls(fields))) };
}

/** AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod, accessLocation GeneralName } (§4.2.2.1). */
function aiaOcspUrls(fields: CertificateFields): string[] {
  const value = fields.extensions.get(OID.authorityInfoAccess);
  if (!value) return [];
  return readBer(value)
    .children.filter((description) => oidString(child(description, 0, 0x06)) === OID.accessOcsp)
    .flatMap((description) => uriOf(child(description, 1)));
}

/** CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } (§4.2.1.13). */
function crlDistributionUrls(fields: CertificateFields): string[] {
  const value = fields.extensions.get(OID.crlDistributionPoints);
  if (!value) return [];
  return readBer(value).children.flatMap((point) => {
    const name = point.children.find((node) => node.tag === 0xa0)?.children[0];
    return name?.tag === 0xa0 ? name.children.flatMap(uriOf) : []; // nameRelativeToCRLIssuer [1] names no URL
  });
}

/** GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String. */
function uriOf(name: BerNode): string[] {
  return name.tag === 0x86 ? [name.content.toString('latin1')] : [];
}

function isHttp(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function safely(read: () => string[]): string[] {
  try {
    return read();
  } catch (error) {
    if (error instanceof BerError) return [];
    throw error;
  }
}

/** The body of a 2xx answer, read as a stream and abandoned past `maxBytes`; the timeout covers the body too. */
async function fetchBounded(fetchImpl: typeof fetch, url: string, init: RequestInit, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const response = await fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const body = await readBounded(response, maxBytes);
  if (!body) throw new Error(`answer larger than ${maxBytes} bytes`);
  return body;
}

