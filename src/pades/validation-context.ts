/**
 * What every check of one file shares: the trust anchors, the certificate pool (signatures, their
 * timestamp tokens and the /DSS), the embedded revocation evidence, and an optional live
 * RevocationSource (our own CAs, online), and the trusted lists the signers' certificates are classified by. Paths and revocation answers are memoised per certificate,
 * so a file with many signatures by the same chain costs one path search and one look-up each.
 */
import type { X509Certificate } from 'node:crypto';
import type { RevocationSource } from '../keys/types.ts';
import { CertificatePool } from './certificate-pool.ts';
import type { RevocationReport } from './report.ts';
import { RevocationEvidence, statusAt, type RevocationFinding } from './revocation-check.ts';
import { buildPath, subjectOf, type BuiltPath } from './trust.ts';
import type { TrustList } from './trust-list.ts';

export interface EmbeddedData {
  certs: Buffer[];
  ocsps: Buffer[];
  crls: Buffer[];
}

export class ValidationContext {
  readonly pool = new CertificatePool();
  readonly dssCertificates = new CertificatePool();
  readonly embedded: RevocationEvidence;
  readonly problems: string[] = [];
  /** Every path searched, found or not (the pool is complete before the first search). */
  private readonly paths = new Map<string, BuiltPath>();
  /** `child issuer` signature checks shared by all searches of the file. */
  private readonly issued = new Map<string, boolean>();
  private readonly live = new Map<string, Promise<RevocationFinding[]>>();

  /** Our own anchors and the trusted lists' CA/QC and TSA/QTST certificates. */
  readonly anchors: readonly X509Certificate[];

  constructor(
    anchors: readonly X509Certificate[],
    dss: EmbeddedData,
    private readonly liveSource: RevocationSource | undefined,
    readonly trustList?: TrustList,
  ) {
    const own = new Set(anchors.map((a) => a.fingerprint256));
    this.anchors = [...anchors, ...(trustList?.anchors ?? []).filter((a) => !own.has(a.fingerprint256))];
    this.dssCertificates.add(dss.certs);
    this.pool.add(this.dssCertificates.all);
    this.embedded = new RevocationEvidence(dss, 'dss');
  }

  /** A path from `cert` to an anchor through everything the file carries (memoised per certificate). */
  pathOf(cert: X509Certificate, extra: readonly X509Certificate[] = []): BuiltPath {
    const key = `${cert.fingerprint256} ${extra.length}`;
    let built = this.paths.get(key);
    if (!built) {
      const pool = [...extra, ...this.pool.all];
      built = buildPath(cert, pool, anchorsFor([cert, ...pool], this.anchors), this.issued);
      this.paths.set(key, built);
    }
    return built;
  }

  isAnchor(cert: X509Certificate): boolean {
    return this.anchors.some((anchor) => anchor.raw.equals(cert.raw));
  }

  /**
   * Revocation status of every certificate of `path` but anchors and self-signed ones, as of `at`
   * (RFC 5280 §6.3, ETSI EN 319 102-1 §5.2.5 simplified): embedded evidence, then the live source.
   */
  async revocationOf(path: readonly X509Certificate[] | null, at: Date): Promise<RevocationReport> {
    const report: RevocationReport = { status: 'not_checked', checkedAt: at.toISOString(), certificates: [] };
    if (!path) return report;
    for (let i = 0; i + 1 < path.length; i++) {
      const cert = path[i];
      if (this.isAnchor(cert)) break;
      const findings = [...this.embedded.findings(cert, path[i + 1]), ...(await this.liveFindings(cert, path[i + 1]))];
      const { status, finding } = statusAt(findings, at);
      report.certificates.push({
        subject: subjectOf(cert),
        serialNumber: cert.serialNumber.toLowerCase(),
        status,
        source: finding?.source ?? null,
        origin: finding?.origin ?? null,
        revokedAt: status === 'revoked' ? (finding?.revokedAt?.toISOString() ?? null) : null,
        reason: status === 'revoked' ? (finding?.reason ?? null) : null,
      });
    }
    const statuses = report.certificates.map((c) => c.status);
    report.status = statuses.includes('revoked') ? 'revoked' : statuses.includes('unknown') ? 'unknown' : 'good';
    return report;
  }

  /** Whether the /DSS alone answers for every certificate of `path` but anchors (B-LT, ETSI EN 319 142-1 §6.3). */
  embeddedCovers(path: readonly X509Certificate[], dss: { certificates: CertificatePool; evidence: RevocationEvidence }): string | null {
    for (let i = 0; i + 1 < path.length; i++) {
      const cert = path[i];
      if (this.isAnchor(cert)) break;
      if (!dss.certificates.has(cert)) return `the DSS lacks the certificate ${subjectOf(cert)}`;
      if (dss.evidence.findings(cert, path[i + 1]).length === 0) return `the DSS has no OCSP response or CRL for ${subjectOf(cert)}`;
    }
    return null;
  }

  private liveFindings(cert: X509Certificate, issuer: X509Certificate): Promise<RevocationFinding[]> {
    const source = this.liveSource;
    if (!source) return Promise.resolve([]);
    const key = `${cert.fingerprint256} ${issuer.fingerprint256}`;
    let pending = this.live.get(key);
    if (!pending) {
      pending = source.revocationData(cert, issuer).then(
        (data) => (data ? new RevocationEvidence(data, 'live').findings(cert, issuer) : []),
        () => {
          this.problems.push(`the live revocation source did not answer for ${subjectOf(cert)}`);
          return [];
        },
      );
      this.live.set(key, pending);
    }
    return pending;
  }
}

/**
 * The anchors a path from these certificates can end at: those that issued one of them (by name) or are
 * one of them. With trusted lists there are hundreds of anchors; buildPath takes a bounded number of
 * candidates, anchors first, so the rest would crowd out the intermediates a file carries.
 */
export function anchorsFor(certificates: readonly X509Certificate[], anchors: readonly X509Certificate[]): X509Certificate[] {
  const issuers = new Set(certificates.map((c) => c.issuer));
  const present = new Set(certificates.map((c) => c.fingerprint256));
  return anchors.filter((a) => issuers.has(a.subject) || present.has(a.fingerprint256));
}
