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
  chain: {
    trusted: boolean;
    /** Subjects from the signer up to the trust anchor (or as far as the chain goes). */
    path: string[];
    /** Certificates valid at the signing time. */
    validAtSigningTime: boolean;
    reason: string | null;
  };
  level: {
    /** Highest PAdES baseline level met, or null when not even B-B. */
    achieved: PadesLevel | null;
    /** Why a level is not met. */
    reasons: string[];
  };
  problems: string[];
  /** Integrity valid, chain trusted and valid, no modifications other than signatures and forms. */
  valid: boolean;
}

export type Verdict = 'valid' | 'invalid' | 'untrusted' | 'no_signatures';

export interface ValidationReport {
  verdict: Verdict;
  /** true when every signature is valid and trusted. */
  valid: boolean;
  revisions: number;
  signatures: SignatureReport[];
}
