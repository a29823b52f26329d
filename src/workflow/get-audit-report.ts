/**
 * The sealed audit report of a closed envelope (DESIGN §6), made on request from the chain as
 * it stands: completed, declined, cancelled or expired envelopes; an open one answers 409
 * `envelope_open` (see audit-evidence.ts).
 */
import type { ReportLanguage } from '../audit/report-i18n.ts';
import { loadAuditEvidence, sealedAuditReport } from './audit-evidence.ts';
import type { WorkflowDeps } from './deps.ts';

export interface GetAuditReportOptions {
  organisationId: string;
  envelopeId: string;
  /** Dutch unless asked otherwise. */
  language?: ReportLanguage;
}

export async function getAuditReport(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'pki' | 'timeStamper'>, options: GetAuditReportOptions): Promise<Buffer> {
  const evidence = await loadAuditEvidence(deps, options);
  return sealedAuditReport(deps, evidence, options.language ?? 'nl');
}
