/**
 * The audit trail check on a schedule (DESIGN §6): the service runs `verifyAuditTrails` itself,
 * sets `paraaf_audit_chain_breaks`, counts `paraaf_audit_checks_total` and logs every break at
 * error level, so a tampered trail is seen without anyone remembering to run `audit verify`.
 */
import type { Metrics } from '../http/metrics.ts';
import type { Logger } from '../logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { Db } from '../store/sql.ts';
import { verifyAuditTrails, type TrailReport } from './verify-trail.ts';

/** How often the service checks the whole trail. */
export const AUDIT_CHECK_INTERVAL_MS = 60 * 60_000;

export interface AuditCheckDeps {
  db: Db;
  blobs: BlobStore;
  metrics: Metrics;
  logger: Logger;
}

/** One check of every chain and blob; records the outcome in the metrics and the log, and answers the report. */
export async function runAuditCheck(deps: AuditCheckDeps): Promise<TrailReport> {
  let report: TrailReport;
  try {
    report = await verifyAuditTrails(deps.db, deps.blobs);
  } catch (error) {
    deps.metrics.auditChecksTotal.inc({ result: 'error' });
    deps.logger.error({ err: error }, 'audit trail check could not run');
    throw error;
  }
  deps.metrics.auditChainBreaks.set(report.broken);
  deps.metrics.auditChecksTotal.inc({ result: report.ok ? 'ok' : 'broken' });
  const events = report.chains.reduce((n, c) => n + c.events, 0);
  if (report.ok) {
    deps.logger.info({ chains: report.chains.length, events }, 'audit trail check: all chains OK');
    return report;
  }
  const breaks = report.chains
    .filter((c) => c.breaks.length > 0)
    .map((c) => ({ chain: c.chain, organisationId: c.organisationId, envelopeId: c.envelopeId, breaks: c.breaks }));
  deps.logger.error({ chains: report.chains.length, broken: report.broken, breaks }, `audit trail check: ${report.broken} chain(s) BROKEN`);
  return report;
}
