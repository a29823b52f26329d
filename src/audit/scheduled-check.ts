/**
 * The audit trail check on a schedule (DESIGN §6): the service runs `verifyAuditTrails` itself,
 * sets `paraaf_audit_chain_breaks`, counts `paraaf_audit_checks_total` and logs every break at
 * error level, so a tampered trail is seen without anyone remembering to run `audit verify`.
 * Beside it, the anchor job (`createScheduledAnchoring`) keeps the chain heads anchored.
 */
import type { X509Certificate } from 'node:crypto';
import type { Metrics } from '../http/metrics.ts';
import type { Logger } from '../logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { Db } from '../store/sql.ts';
import { createAnchorJob, type AnchorDeps, type AnchorJob, type AnchorJobResult } from './anchors.ts';
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

export interface ScheduledAnchoringDeps extends AnchorDeps {
  metrics: Metrics;
  logger: Logger;
  /** How often a periodic anchor is taken when the trail has moved (default hourly). */
  intervalMs?: number;
}

/**
 * The anchor job as the service runs it (ticked every ANCHOR_POLL_MS): counts every run in
 * `paraaf_audit_anchors_total` and logs a failure at error level; the next tick retries, and
 * `audit verify` reports what stays unanchored past its grace period, so nothing fails silently.
 */
export function createScheduledAnchoring(deps: ScheduledAnchoringDeps): AnchorJob {
  const job = createAnchorJob(deps, deps.intervalMs);
  return {
    async run() {
      let result: AnchorJobResult;
      try {
        result = await job.run();
      } catch (error) {
        deps.metrics.auditAnchorsTotal.inc({ result: 'error' });
        deps.logger.error({ err: error }, 'audit anchor could not be taken; retrying on the next run');
        throw error;
      }
      deps.metrics.auditAnchorsTotal.inc({ result: result.anchor ? 'taken' : 'idle' });
      if (result.anchor) {
        const { seq, reason, genTime, heads } = result.anchor;
        deps.logger.info({ anchor: seq, reason, genTime, heads: heads.length }, `audit anchor ${seq} taken`);
      }
      return result;
    },
  };
}
