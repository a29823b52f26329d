/**
 * The conditions of B-LT and B-LTA (ETSI EN 319 142-1 §6.3, §5.4): the /DSS holds the certificates
 * and revocation data of the signer's chain and of its TSA's chain, and a valid document timestamp
 * after the signature covers a revision whose /DSS already held them. The /DSS "as covered" by a
 * document timestamp is read from the file cut at that timestamp's revision (cached per timestamp).
 */
import type { X509Certificate } from 'node:crypto';
import { readDss } from '../pdf/dss.ts';
import { PdfReader } from '../pdf/index.ts';
import { CertificatePool } from './certificate-pool.ts';
import { RevocationEvidence } from './revocation-check.ts';
import type { ValidationContext } from './validation-context.ts';
import type { CheckedSignature } from './verify-pdf.ts';

interface DssView {
  certificates: CertificatePool;
  evidence: RevocationEvidence;
}

export class LongTermChecks {
  private readonly covered = new Map<number, DssView | null>();

  constructor(
    private readonly pdf: Buffer,
    private readonly context: ValidationContext,
    /** Document timestamps, newest first. */
    private readonly timestamps: CheckedSignature[],
  ) {}

  /** Why the current /DSS does not make these chains B-LT, or null. */
  longTermGap(paths: (readonly X509Certificate[] | null)[]): string | null {
    return this.gapIn({ certificates: this.context.dssCertificates, evidence: this.context.embedded }, paths);
  }

  /** Why no valid document timestamp after byte `end` covers a /DSS that makes these chains B-LT, or null. */
  archiveGap(end: number, paths: (readonly X509Certificate[] | null)[]): string | null {
    const after = this.timestamps.filter((t) => t.end > end && t.timestamp?.valid).reverse();
    if (after.length === 0) {
      return this.timestamps.some((t) => t.end > end) ? 'no valid document timestamp after the signature' : 'no document timestamp after the signature';
    }
    let gap: string | null = null;
    for (const timestamp of after) {
      const view = this.dssCoveredBy(timestamp);
      gap = view ? this.gapIn(view, paths) : 'the DSS covered by the document timestamp cannot be read';
      if (gap === null) return null;
    }
    return `the document timestamp does not cover the validation data (${gap})`;
  }

  private gapIn(view: DssView, paths: (readonly X509Certificate[] | null)[]): string | null {
    for (const path of paths) {
      if (!path) return 'a chain could not be built to a trust anchor';
      const gap = this.context.embeddedCovers(path, view);
      if (gap) return gap;
    }
    return null;
  }

  private dssCoveredBy(timestamp: CheckedSignature): DssView | null {
    if (this.covered.has(timestamp.end)) return this.covered.get(timestamp.end)!;
    let view: DssView | null = null;
    try {
      // The file as it was when the timestamp was added: everything in it but /Contents is covered.
      const dss = readDss(PdfReader.open(this.pdf.subarray(0, timestamp.end)));
      view = { certificates: new CertificatePool().add(dss.certs), evidence: new RevocationEvidence(dss, 'dss') };
    } catch {
      view = null;
    }
    this.covered.set(timestamp.end, view);
    return view;
  }
}
