/**
 * Prometheus metrics on a per-app Registry (no module-level singletons: two apps in one
 * test process must not share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestsTotal: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** One increment per signature checked by `POST /api/v1/verify`, by outcome. */
  readonly signaturesVerifiedTotal: Counter<'result'>;
  /** Chains (envelopes) with a break at the last scheduled audit check (src/audit/scheduled-check.ts). */
  readonly auditChainBreaks: Gauge;
  /** Scheduled audit checks run, by result: ok, broken, or error (the check itself failed). */
  readonly auditChecksTotal: Counter<'result'>;
  /** Runs of the audit anchor job (src/audit/anchors.ts), by result: taken, idle (nothing due or moved), or error. */
  readonly auditAnchorsTotal: Counter<'result'>;
  /** Signature or seal timestamps that no TSA gave (nothing was signed), issue 9. */
  readonly timestampFailuresTotal: Counter;
  /**
   * Envelopes the archive-timestamp job could not stamp, by reason: tsa_expiring (the TSA's certificate itself
   * expires within the renewal window, so a renewal would prove nothing) or error (TSA down, database…).
   */
  readonly archiveTimestampFailuresTotal: Counter<'reason'>;
  /** Rate-limit store operations that failed (Redis or PostgreSQL away), by store; the limit was not applied (fail open, issue 11). */
  readonly rateLimitStoreFailuresTotal: Counter<'store'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    httpRequestsTotal: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status.',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    signaturesVerifiedTotal: new Counter({
      name: 'paraaf_signatures_verified_total',
      help: 'Signatures checked by the verify endpoint, by result (valid or invalid).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    auditChainBreaks: new Gauge({
      name: 'paraaf_audit_chain_breaks',
      help: 'Audit chains (envelopes) with a break, as found by the last scheduled audit check.',
      registers: [registry],
    }),
    auditChecksTotal: new Counter({
      name: 'paraaf_audit_checks_total',
      help: 'Scheduled audit trail checks, by result (ok, broken, error).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    auditAnchorsTotal: new Counter({
      name: 'paraaf_audit_anchors_total',
      help: 'Runs of the audit anchor job, by result (taken, idle, error: the TSA or the database failed; retried on the next run).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    timestampFailuresTotal: new Counter({
      name: 'paraaf_timestamp_failures_total',
      help: 'Timestamps no TSA gave in time; the signature or seal that needed it was not made.',
      registers: [registry],
    }),
    archiveTimestampFailuresTotal: new Counter({
      name: 'paraaf_archive_timestamp_failures_total',
      help: 'Envelopes the archive-timestamp job could not stamp, by reason (tsa_expiring: the TSA certificate expires within the renewal window; error).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    rateLimitStoreFailuresTotal: new Counter({
      name: 'paraaf_rate_limit_store_failures_total',
      help: 'Rate-limit store operations that failed, by store (redis, postgres); the request went on unlimited (fail open).',
      labelNames: ['store'] as const,
      registers: [registry],
    }),
  };
}
