/**
 * An envelope's audit trail for download as JSON or CSV (DESIGN §6), open or closed: the events
 * as they stand, then `audit.exported` (format `json` or `csv`) with the caller as actor, in the
 * same transaction and under the chain's lock, so the export never lists itself and ends just
 * before it (issue 10: every download is audited).
 * Unknown or another organisation's envelopes are 404 and record nothing.
 */
import { lockChain } from '../audit/chain.ts';
import { listEnvelopeAuditEvents, type AuditEventRecord } from '../store/audit-event-repository.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { isUuid } from '../store/sql.ts';
import { appendAuditExported } from './audit-evidence.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound } from './envelope-dto.ts';
import { inTransaction } from './transaction.ts';

export interface ExportAuditTrailOptions extends StaffRequest {
  envelopeId: string;
  format: 'json' | 'csv';
}

export async function exportAuditTrail(deps: Pick<WorkflowDeps, 'db' | 'clock' | 'logger'>, options: ExportAuditTrailOptions): Promise<AuditEventRecord[]> {
  const { organisationId, envelopeId } = options;
  return inTransaction(deps, 'exportAuditTrail', async (trx) => {
    const envelope = isUuid(envelopeId) ? await envelopeById(trx, organisationId, envelopeId) : null;
    if (!envelope) throw envelopeNotFound();
    // Before the read: a download at the same moment appends before or after, never inside, this export.
    await lockChain(trx, organisationId, envelopeId);
    const events = await listEnvelopeAuditEvents(trx, organisationId, envelopeId);
    await appendAuditExported(trx, deps, options, options.format);
    return events;
  });
}
