/**
 * The evidence bundle of a closed envelope as a ZIP: the signed PDFs (current revisions), the
 * sealed audit report, the hashed events and a README on checking each part independently.
 * Report and events come from one read of the chain, so they always agree. The download is
 * recorded as `audit.exported` (format `bundle`) with the caller as actor, in the same
 * transaction and after the read: the bundle holds the trail as it was just before. The ZIP is a
 * stream: the signed PDFs (up to ~50 MB each) go from the blob store to the client without being
 * held whole; only the small parts (README, report, events) are buffers.
 */
import type { PassThrough, Readable } from 'node:stream';
import yazl from 'yazl';
import { lockChain } from '../audit/chain.ts';
import { bundleReadme } from '../audit/bundle-readme.ts';
import { auditEventsJson } from '../audit/exports.ts';
import type { ReportLanguage } from '../audit/report-i18n.ts';
import { appendAuditExported, loadAuditEvidence, sealedAuditReport, type AuditEvidence } from './audit-evidence.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface GetEvidenceBundleOptions extends StaffRequest {
  envelopeId: string;
  /** Language of the audit report inside; Dutch unless asked otherwise. */
  language?: ReportLanguage;
}

/** `documents/<name>.pdf`, unique within the bundle and safe as a ZIP entry name. */
function bundlePaths(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    // eslint-disable-next-line no-control-regex
    const base = name.replace(/[\\/:*?"<>|\x00-\x1f\x7f]/g, '_').replace(/^\.+/, '').replace(/\.pdf$/i, '').trim() || 'document';
    let candidate = `documents/${base}.pdf`;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `documents/${base} (${n}).pdf`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

export async function getEvidenceBundle(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'pki' | 'timeStamper' | 'blobs' | 'logger'>, options: GetEvidenceBundleOptions): Promise<Readable> {
  const language = options.language ?? 'nl';
  let documents: BundledDocument[] = [];
  const closeDocuments = () => {
    for (const document of documents) document.pdf.destroy();
    documents = [];
  };
  try {
    const { evidence, report } = await inTransaction(deps, 'getEvidenceBundle', async (trx) => {
      closeDocuments(); // those of an attempt that runs again
      // Before the read: a concurrent download appends before or after this bundle, not between its read and its event.
      await lockChain(trx, options.organisationId, options.envelopeId);
      const evidence = await loadAuditEvidence({ ...deps, db: trx }, options);
      const report = await sealedAuditReport(deps, evidence, language);
      documents = await openDocuments(deps, evidence);
      await appendAuditExported(trx, deps, options, 'bundle', language);
      return { evidence, report };
    });
    return zipBundle({ evidence, report, documents }, options.organisationId);
  } catch (error) {
    closeDocuments();
    throw error;
  }
}

interface BundledDocument {
  name: string;
  size: number;
  /** Errors at its end when the stored bytes do not hash to their name (blob_corrupt). */
  pdf: Readable;
}

/**
 * Each current revision's PDF, opened before anything is answered so a missing blob is a whole
 * error (a problem, no audit event) rather than a cut download. One that fails closes the ones
 * opened before it.
 */
async function openDocuments(deps: Pick<WorkflowDeps, 'blobs'>, evidence: AuditEvidence): Promise<BundledDocument[]> {
  const opened: BundledDocument[] = [];
  try {
    for (const document of evidence.documents) {
      const revision = evidence.currentRevisions.get(document.id);
      if (!revision) continue;
      const pdf = await deps.blobs.open(revision.blobSha256);
      // Heard here until the ZIP takes it (an error in between would otherwise end the process); zipBundle looks at `errored`.
      pdf.on('error', () => undefined);
      opened.push({ name: document.name, size: revision.size, pdf });
    }
    return opened;
  } catch (error) {
    for (const document of opened) document.pdf.destroy();
    throw error;
  }
}

/**
 * The ZIP as a stream: the PDFs pass through as the reader takes them (never whole in memory); the
 * README, the report and the events are small and go in as buffers. A PDF that fails on its way
 * (blob_corrupt at its end, the store dropping) fails the stream, so the download is cut rather
 * than ending as a complete-looking archive; once the stream is gone, PDFs not yet read are closed.
 */
function zipBundle(parts: { evidence: AuditEvidence; report: Buffer; documents: BundledDocument[] }, organisationId: string): Readable {
  const { evidence, report, documents } = parts;
  const paths = bundlePaths(documents.map((d) => d.name));
  const mtime = evidence.generatedAt;
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as PassThrough;
  const fail = (error: Error) => output.destroy(error);
  // yazl reports a wrong length on the ZipFile and leaves an input's own error unheard: both end the download.
  zip.on('error', fail);
  for (const document of documents) {
    document.pdf.on('error', fail);
    if (document.pdf.errored) fail(document.pdf.errored);
  }
  output.once('close', () => {
    for (const document of documents) document.pdf.destroy();
  });
  zip.addBuffer(Buffer.from(bundleReadme({ organisation: evidence.organisation.name, envelopeTitle: evidence.envelope.title, envelopeId: evidence.envelope.id, documentFiles: paths }), 'utf8'), 'README.txt', { mtime });
  for (const [index, document] of documents.entries()) {
    // PDFs are compressed already; storing them keeps the bytes recognisable in the archive. The size is checked by yazl.
    zip.addReadStream(document.pdf, paths[index]!, { mtime, compress: false, size: document.size });
  }
  zip.addBuffer(report, 'audit-report.pdf', { mtime, compress: false });
  zip.addBuffer(Buffer.from(auditEventsJson({ id: evidence.envelope.id, organisationId }, evidence.events), 'utf8'), 'audit-events.json', { mtime });
  zip.end();
  return output;
}
