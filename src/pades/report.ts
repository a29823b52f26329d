/** The shape of a validation report, as returned by `verifyPdf`, the CLI and `POST /api/v1/verify`. */

export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** What the bytes appended after a signed revision do (ISO 32000-2 §12.8.2.2, DocMDP semantics). */
export type ModificationsAfter = 'none' | 'signatures_and_forms' | 'other';

export interface SignerInfoReport {
  subject: string;
  commonName: string | null;
  email: string | null;
  organisation: string | null;
  title: string | null;
  issuer: string;
  serialNumber: string;
  fingerprintSha256: string;
  validFrom: string;
  validTo: string;
}

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

/** Revocation of one certificate of a chain, from the /DSS or a live source (RFC 6960, RFC 5280 §5). */
export interface CertificateRevocationReport {
  subject: string;
  serialNumber: string;
  status: RevocationStatus;
  source: 'ocsp' | 'crl' | null;
  /** `dss`: embedded in the PDF; `live`: asked of the revocation source at validation time. */
  origin: 'dss' | 'live' | null;
  revokedAt: string | null;
  reason: string | null;
}

export interface RevocationReport {
  /** Worst status over the chain (anchors excluded); `not_checked` when no chain was built. */
  status: RevocationStatus | 'not_checked';
  /** The moment the chain was judged at. */
  checkedAt: string;
  certificates: CertificateRevocationReport[];
}

export interface ChainReport {
  trusted: boolean;
  /** Subjects from the signer up to the trust anchor (or as far as the chain goes). */
  path: string[];
  /** Certificates valid at the time the chain is judged at (the proven time). */
  validAtSigningTime: boolean;
  reason: string | null;
}

/** An RFC 3161 timestamp token: a signature timestamp, or the token of a document timestamp. */
export interface TimestampReport {
  /** The TSA's genTime (RFC 3161 §2.4.2), ISO 8601. */
  genTime: string | null;
  /** Intact, imprint matches, TSA certificate for time-stamping, chain trusted and valid, not revoked at `judgedAt`. */
  valid: boolean;
  imprintMatches: boolean;
  signatureValid: boolean;
  /** The TSA certificate carries id-kp-timeStamping (RFC 3161 §2.3). */
  timeStampingEku: boolean;
  tsa: SignerInfoReport | null;
  chain: ChainReport;
  revocation: RevocationReport;
  /** When the TSA's chain was judged: the validation time, or the genTime of a later timestamp covering this one. */
  judgedAt: string;
  problems: string[];
}

/** A signer certificate judged against the trusted lists (ETSI TS 119 615, roughly; src/pades/qualification.ts). */
export interface CertificateQualification {
  /**
   * `qualified`: a qualified certificate for electronic signatures (QcCompliance, QcType esign) with its key
   * on a QSCD, from a CA/QC service granted on a loaded trusted list at issuance and at the time judged at;
   * `non_qualified`: known not to be; `unknown`: the certificate says it is qualified, but no loaded list
   * confirms or denies it.
   */
  kind: 'qualified' | 'non_qualified' | 'unknown';
  qcCompliance: boolean;
  /** The key is on a (Q)SCD: QcSSCD in the certificate, or QCWithQSCD in the list. */
  qcSscd: boolean;
  qcType: 'esign' | 'eseal' | 'web' | null;
  /** The issuing trust service on the list, with its status (`granted`, `withdrawn`, …) at the time judged at. */
  service: { tsp: string; name: string; status: string } | null;
  /** Why the certificate is not qualified, or not known to be; null when it is. */
  reason: string | null;
}

export interface SignatureReport {
  fieldName: string;
  subFilter: string;
  /** `/M` of the signature dictionary, ISO 8601. */
  signingTime: string | null;
  reason: string | null;
  location: string | null;
  signer: SignerInfoReport | null;
  integrity: {
    /** The message digest matches the ByteRange content and the signature value verifies. */
    valid: boolean;
    digestAlgorithm: string | null;
    signatureAlgorithm: string | null;
    byteRange: number[];
    /** ByteRange starts at 0, has two ranges and its gap is exactly the /Contents string. */
    byteRangeValid: boolean;
  };
  coverage: {
    /** 1-based revision the signature covers. */
    revision: number;
    revisions: number;
    coversWholeFile: boolean;
    modificationsAfter: ModificationsAfter;
    /** Human-readable list of what changed after the signed revision. */
    changes: string[];
  };
  /**
   * What proves when the signature existed: `timestamp` (its signature timestamp, or a document
   * timestamp covering it), `self_declared` (only /M, written by the signing software itself), or null.
   */
  timeSource: 'timestamp' | 'self_declared' | null;
  /** The time the signer's chain was judged at (ETSI EN 319 102-1 §5.6): the proven time, else the validation time. */
  judgedAt: string;
  /** The signature timestamp (unsigned attribute id-aa-signatureTimeStampToken), or a document timestamp's own token. */
  timestamp: TimestampReport | null;
  chain: ChainReport;
  revocation: RevocationReport;
  /**
   * Whether the signer's certificate is a qualified certificate for electronic signatures on a QSCD
   * (ETSI TS 119 615), judged at `judgedAt` against the loaded trusted lists (ETSI TS 119 612).
   */
  certificate: CertificateQualification;
  level: {
    /** Highest PAdES baseline level met, or null when not even B-B. */
    achieved: PadesLevel | null;
    /** Why a level is not met. */
    reasons: string[];
  };
  problems: string[];
  /** Integrity valid, chain trusted and valid at the proven time, not revoked then, no modifications other than signatures and forms. */
  valid: boolean;
}

export type Verdict = 'valid' | 'invalid' | 'untrusted' | 'no_signatures';

export interface ValidationReport {
  verdict: Verdict;
  /** true when every signature is valid and trusted. */
  valid: boolean;
  revisions: number;
  /** The moment the file was judged as of (`at`, default now), ISO 8601. */
  validationTime: string;
  signatures: SignatureReport[];
  /** Problems of the file as a whole (limits reached, a revocation source that did not answer). */
  problems: string[];
}
