/**
 * The sealed audit report of a closed envelope (DESIGN §6), made on request from the chain as
 * it stands: completed, declined, cancelled or expired envelopes; an open one answers 409
 * `envelope_open` (see audit-evidence.ts). The download is recorded as `audit.exported`
 * (format `report`) with the caller as actor, in the same transaction and after the read: the
 * report shows the trail as it was just before. A report that could not be sealed (no TSA)
 * rolls back and records nothing.
 */
import { lockChain } from '../audit/chain.ts';
import type { ReportLanguage } from '../audit/report-i18n.ts';
import { appendAuditExported, loadAuditEvidence, sealedAuditReport } from './audit-evidence.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface GetAuditReportOptions extends StaffRequest {
  envelopeId: string;
  /** Dutch unless asked otherwise. */
  language?: ReportLanguage;
}

export async function getAuditReport(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'pki' | 'timeStamper' | 'logger'>, options: GetAuditReportOptions): Promise<Buffer> {
  const language = options.language ?? 'nl';
  return inTransaction(deps, 'getAuditReport', async (trx) => {
    // Before the read: a concurrent download appends before or after this report, not between its read and its event.
    await lockChain(trx, options.organisationId, options.envelopeId);
    const evidence = await loadAuditEvidence({ ...deps, db: trx }, options);
    const pdf = await sealedAuditReport(deps, evidence, language);
    await appendAuditExported(trx, deps, options, 'report', language);
    return pdf;
  });
}
