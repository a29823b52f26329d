/**
 * The audit trail check on a schedule (DESIGN §6): the service runs `verifyAuditTrails` itself,
 * sets `paraaf_audit_chain_breaks`, counts `paraaf_audit_checks_total` and logs every break at
 * error level, so a tampered trail is seen without anyone remembering to run `audit verify`.
 */
import type { X509Certificate } from 'node:crypto';
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
  /** Roots a TSA's chain must reach for the trail's anchors to count. */
  trustAnchors?: readonly X509Certificate[];
}

/** One check of every chain and blob; records the outcome in the metrics and the log, and answers the report. */
export async function runAuditCheck(deps: AuditCheckDeps): Promise<TrailReport> {
  let report: TrailReport;
  try {
    report = await verifyAuditTrails(deps.db, deps.blobs, {}, { trustAnchors: deps.trustAnchors });
  } catch (error) {
    deps.metrics.auditChecksTotal.inc({ result: 'error' });
    deps.logger.error({ err: error }, 'audit trail check could not run');
    throw error;
  }
  // An anchor problem counts as a break of the trail as a whole.
  deps.metrics.auditChainBreaks.set(report.broken + (report.anchors.problems.length > 0 ? 1 : 0));
  deps.metrics.auditChecksTotal.inc({ result: report.ok ? 'ok' : 'broken' });
  const events = report.chains.reduce((n, c) => n + c.events, 0);
  if (report.ok) {
    deps.logger.info({ chains: report.chains.length, events }, 'audit trail check: all chains OK');
    return report;
  }
  const breaks = report.chains
    .filter((c) => c.breaks.length > 0)
    .map((c) => ({ chain: c.chain, organisationId: c.organisationId, envelopeId: c.envelopeId, breaks: c.breaks }));
  const anchorProblems = report.anchors.problems;
  const summary = [report.broken > 0 ? `${report.broken} chain(s) BROKEN` : '', anchorProblems.length > 0 ? `${anchorProblems.length} anchor problem(s)` : ''].filter(Boolean).join(', ');
  deps.logger.error({ chains: report.chains.length, broken: report.broken, breaks, anchorProblems }, `audit trail check: ${summary}`);
  return report;
}
