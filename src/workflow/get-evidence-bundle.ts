/**
 * The evidence bundle of a closed envelope as a ZIP: the signed PDFs (current revisions), the
 * sealed audit report, the hashed events and a README on checking each part independently.
 * Report and events come from one read of the chain, so they always agree. The download is
 * recorded as `audit.exported` (format `bundle`) with the caller as actor, in the same
 * transaction and after the read: the bundle holds the trail as it was just before.
 */
import yazl from 'yazl';
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

function zipToBuffer(zip: yazl.ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

export async function getEvidenceBundle(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'pki' | 'timeStamper' | 'blobs' | 'logger'>, options: GetEvidenceBundleOptions): Promise<Buffer> {
  const language = options.language ?? 'nl';
  return inTransaction(deps, 'getEvidenceBundle', async (trx) => {
    const zip = await buildBundle(deps, await loadAuditEvidence({ ...deps, db: trx }, options), options.organisationId, language);
    await appendAuditExported(trx, deps, options, 'bundle', language);
    return zip;
  });
}

async function buildBundle(deps: Pick<WorkflowDeps, 'pki' | 'timeStamper' | 'blobs'>, evidence: AuditEvidence, organisationId: string, language: ReportLanguage): Promise<Buffer> {
  const report = await sealedAuditReport(deps, evidence, language);
  const documents = evidence.documents.filter((d) => evidence.currentRevisions.has(d.id));
  const paths = bundlePaths(documents.map((d) => d.name));
  const mtime = evidence.generatedAt;
  const zip = new yazl.ZipFile();
  const done = zipToBuffer(zip);
  zip.addBuffer(Buffer.from(bundleReadme({ organisation: evidence.organisation.name, envelopeTitle: evidence.envelope.title, envelopeId: evidence.envelope.id, documentFiles: paths }), 'utf8'), 'README.txt', { mtime });
  for (const [index, document] of documents.entries()) {
    const revision = evidence.currentRevisions.get(document.id)!;
    // PDFs are compressed already; storing them keeps the bytes recognisable in the archive.
    zip.addBuffer(await deps.blobs.get(revision.blobSha256), paths[index], { mtime, compress: false });
  }
  zip.addBuffer(report, 'audit-report.pdf', { mtime, compress: false });
  zip.addBuffer(Buffer.from(auditEventsJson({ id: evidence.envelope.id, organisationId }, evidence.events), 'utf8'), 'audit-events.json', { mtime });
  zip.end();
  return done;
}
