/**
 * `startServer(config, options)`: database, migrations, deps, app, listening socket —
 * returned as a handle whose `close()` undoes all of it. Used by `main.ts` and by tests
 * (port 0) alike.
 */
import type { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config, CscProviderConfig } from './config.ts';
import { ANCHOR_INTERVAL_MS, ANCHOR_POLL_MS, type AnchorJobResult } from './audit/anchors.ts';
import { AUDIT_CHECK_INTERVAL_MS, createScheduledAnchoring, runAuditCheck } from './audit/scheduled-check.ts';
import type { TrailReport } from './audit/verify-trail.ts';
import { buildDeps, type Deps, type VerifyPdf } from './deps.ts';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.ts';
import { createApp } from './http/index.ts';
import { purgeIdempotencyKeys } from './http/idempotency.ts';
import type { PkiServices, RevocationSource, TimeStamper } from './keys/index.ts';
import type { CscClient } from './keys/csc-client.ts';
import { createLogger, type Logger } from './logger.ts';
import { createVerifyPool, type VerifyPool } from './pades/verify-pool.ts';
import { loadTrustLists } from './pades/trust-list.ts';
import { createMailer, createOutboxWorker, type OutboxWorker } from './notify/index.ts';
import { createDb, migrateToLatest } from './store/index.ts';
import { currentRevision } from './store/document-repository.ts';
import { createKnexOutboxStore, knexWebhookTarget } from './store/knex-outbox-store.ts';
import { runExclusively } from './store/job-lock.ts';
import { openRateLimitStore } from './store/rate-limit-store-open.ts';
import { MAX_WAIT_MS } from './http/staff/login-throttle.ts';
import type { HostResolver } from './notify/webhook-address.ts';
import {
  expireEnvelopes,
  noticeDeadMails,
  purgeQualifiedSigningSessions,
  renewArchiveTimestamps,
  sendDueReminders,
  type ExpireEnvelopesResult,
  type RenewArchiveTimestampsResult,
  type SendDueRemindersResult,
} from './workflow/index.ts';

/**
 * How often completed envelopes are checked for a missing or expiring archive timestamp (PAdES B-LTA): hourly
 * retries a completion whose TSA was down within the hour; renewal is due months ahead, so the rate is no concern.
 */
export const ARCHIVE_TIMESTAMP_INTERVAL_MS = 60 * 60_000;
/** How often idempotency keys past their retention (24 h) are deleted. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60_000;
/** How often rate-limit rows that no longer limit anything (full buckets, old failed logins) are deleted. */
export const RATE_LIMIT_PURGE_INTERVAL_MS = 10 * 60_000;

export interface StartServerOptions {
  /** Roots trusted when validating; `main.ts` passes the organisation (dev) root. Required so nobody trusts nothing by accident. */
  trustAnchors: X509Certificate[];
  /** The deployment's PKI (`main.ts`: the development PKI); without it signing answers 503. */
  pki?: PkiServices;
  /** Instead of `TSA_URL` or the built-in TSA (tests: a TSA that is down). */
  timeStamper?: TimeStamper;
  /** Revocation data of CAs that are not ours, instead of their OCSP responders and CRLs over HTTP (tests). */
  remoteRevocation?: RevocationSource;
  /** How to reach a remote signing service (CSC_PROVIDERS), instead of createCscClient (tests). */
  cscClient?: (provider: CscProviderConfig) => CscClient;
  logger?: Logger;
  /** PostgreSQL schema to work in (tests). */
  searchPath?: string;
  /** Instead of the worker pool that runs verifyPdf off the event loop (tests: a stub). */
  verifyPdf?: VerifyPdf;
  /** The pool's worker module instead of pades/verify-worker (tests: one that hangs on some files). */
  verifyWorker?: URL;
  /** Host to bind; all interfaces when unset. */
  host?: string;
  /** How long `close()` lets in-flight requests finish before cutting connections. */
  shutdownGraceMs?: number;
  /**
   * Start the outbox worker and the expiry timer (default true). Tests pass false and drive
   * them through `handle.jobs` instead.
   */
  backgroundJobs?: boolean;
  /** How often the audit trail check runs with the background jobs (default hourly); 0 turns only it off. */
  auditCheckIntervalMs?: number;
  /** The service's clock (default the system clock); tests move it years ahead. */
  clock?: () => Date;
  /** How often a periodic audit anchor is taken (default hourly; completions are anchored within a minute); 0 turns anchoring off. */
  anchorIntervalMs?: number;
  /** How webhook hosts are resolved (default node:dns); tests make a name resolve to an internal address. */
  webhookResolver?: HostResolver;
}

/** The background work, runnable by hand (tests) whether or not the timers run. */
export interface BackgroundJobs {
  readonly outbox: OutboxWorker;
  /** One expiry pass (what the 60 s timer does). */
  expire(): Promise<ExpireEnvelopesResult>;
  /** One audit trail check (what the hourly timer does): sets the metrics, logs breaks at error level. */
  auditCheck(): Promise<TrailReport>;
  /** One tick of the audit anchor job (every minute with the timers): anchors an unanchored completion, or hourly every moved chain head. */
  anchor(): Promise<AnchorJobResult>;
  /** One archive-timestamp pass (hourly with the timers): B-LTA for completions still without one, renewal before the TSA certificate expires. */
  archiveTimestamps(): Promise<RenewArchiveTimestampsResult>;
  /** One purge of idempotency keys older than their retention (hourly with the timers); returns how many went. */
  purgeIdempotencyKeys(): Promise<number>;
  /** One purge of qualified signing sessions an hour past their expiry (hourly with the timers); returns how many went. */
  purgeQualifiedSigningSessions(): Promise<number>;
  /** One purge of full rate-limit buckets and stale failed-login counts (every 10 minutes with the timers). */
  purgeRateLimits(): Promise<number>;
  /** One pass of the organisations' reminder schedules (every minute with the timers, issue 12). */
  sendDueReminders(): Promise<SendDueRemindersResult>;
  /** One look at mails that could not be delivered, told to their envelope's sender (every minute with the timers, issue 12). */
  noticeDeadMails(): Promise<{ noticed: number }>;
}

export interface ServerHandle {
  readonly app: Express;
  readonly server: Server;
  readonly deps: Deps;
  /** The port actually bound (useful with PORT=0). */
  readonly port: number;
  readonly jobs: BackgroundJobs;
  /** `http://127.0.0.1:<port>` style URL of the bound socket. */
  readonly url: string;
  /** Stops accepting, waits for in-flight requests, destroys the database pool. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(config: Config, options: StartServerOptions): Promise<ServerHandle> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // A trusted list that cannot be read refuses the start (TrustListError names the file), rather than trusting less in silence.
  const trustList = config.trustListFiles.length > 0 ? loadTrustLists(config.trustListFiles) : undefined;
  for (const warning of trustList?.warnings ?? []) logger.warn({ warning }, 'trusted list: a service was left out');
  for (const list of trustList?.lists ?? []) {
    if (list.nextUpdate && list.nextUpdate.getTime() < (options.clock?.() ?? new Date()).getTime()) logger.warn({ territory: list.territory, nextUpdate: list.nextUpdate }, 'trusted list: past its NextUpdate, load a newer one');
  }
  await fs.mkdir(config.dataDir, { recursive: true });

  const db = createDb(config.database, { searchPath: options.searchPath });
  const rateLimits = openRateLimitStore(config, db, logger);
  let server: Server | undefined;
  // Verification runs in worker threads, bounded in number, queue and time (config.verify).
  const pool: VerifyPool | undefined = options.verifyPdf
    ? undefined
    : createVerifyPool({ size: config.verify.workers, maxQueued: config.verify.maxQueued, timeoutMs: config.verify.timeoutMs, worker: options.verifyWorker });
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, `applied ${applied.length} migration(s)`);

    const deps = buildDeps({
      config,
      logger,
      db,
      rateLimits,
      verifyPdf: options.verifyPdf ?? pool!.verify,
      verifyPdfFile: pool?.verifyFile,
      trustAnchors: options.trustAnchors,
      trustList,
      pki: options.pki,
      timeStamper: options.timeStamper,
      remoteRevocation: options.remoteRevocation,
      cscClient: options.cscClient,
      clock: options.clock,
    });
    const app = createApp(deps);

    const outbox = createOutboxWorker({
      store: createKnexOutboxStore(db),
      mailer: createMailer(config, logger),
      webhookTarget: knexWebhookTarget(db),
      blob: (sha256) => deps.workflow.blobs.get(sha256),
      // An attached signed PDF goes as it is when the mail leaves: with the archive timestamp added after completion.
      currentRevision: async (documentId) => (await currentRevision(db, documentId))?.blobSha256 ?? null,
      // Internal addresses are refused after resolution; the allow list is a test seam (config refuses it in production).
      addressPolicy: { allowPrivate: config.webhookAllowPrivate },
      resolveHost: options.webhookResolver,
      clock: deps.clock,
      logger,
    });
    const anchorInterval = options.anchorIntervalMs ?? ANCHOR_INTERVAL_MS;
    const anchoring = createScheduledAnchoring({ db, timeStamper: deps.workflow.timeStamper, clock: deps.clock, metrics: deps.metrics, logger, intervalMs: anchorInterval });
    const jobs: BackgroundJobs = {
      outbox,
      expire: () => expireEnvelopes(deps.workflow),
      auditCheck: () => runAuditCheck({ db, blobs: deps.blobs, metrics: deps.metrics, logger, trustAnchors: deps.trustAnchors }),
      anchor: () => anchoring.run(),
      archiveTimestamps: async () => {
        const result = await renewArchiveTimestamps(deps.workflow);
        const counter = deps.metrics.archiveTimestampFailuresTotal;
        if (result.tsaExpiring > 0) counter.inc({ reason: 'tsa_expiring' }, result.tsaExpiring);
        if (result.failed > result.tsaExpiring) counter.inc({ reason: 'error' }, result.failed - result.tsaExpiring);
        return result;
      },
      purgeIdempotencyKeys: () => purgeIdempotencyKeys(db, deps.clock()),
      purgeQualifiedSigningSessions: () => purgeQualifiedSigningSessions(deps.workflow),
      purgeRateLimits: () => rateLimits.purge(deps.clock().getTime(), MAX_WAIT_MS),
      sendDueReminders: () => sendDueReminders(deps.workflow),
      noticeDeadMails: () => noticeDeadMails(deps.workflow),
    };
    const periodic: PeriodicJob[] = [];
    const stopJobs = async (): Promise<void> => {
      await Promise.all([outbox.stop(), ...periodic.splice(0).map((job) => job.stop())]);
    };

    server = options.host === undefined ? app.listen(config.port) : app.listen(config.port, options.host);
    await once(server, 'listening');
    if (options.backgroundJobs ?? true) {
      outbox.start();
      // Every timer fires on every instance; the advisory lock lets one of them run each tick (handle.jobs stays direct).
      const acrossInstances = (name: string, run: () => Promise<unknown>) => () => runExclusively(db, name, run);
      const expiry = async (): Promise<void> => {
        const result = await jobs.expire();
        if (result.expired.length > 0 || result.failed > 0) logger.info({ expired: result.expired.length, failed: result.failed }, 'expiry pass');
      };
      periodic.push(startPeriodicJob(config.jobsIntervalMs, acrossInstances('expiry', expiry), (error) => logger.error({ err: error }, 'expiry pass failed')));
      const reminders = async (): Promise<void> => {
        const result = await jobs.sendDueReminders();
        if (result.reminded.length > 0 || result.failed > 0) logger.info({ envelopes: result.reminded.length, failed: result.failed }, 'scheduled reminders');
      };
      periodic.push(startPeriodicJob(config.jobsIntervalMs, acrossInstances('reminders', reminders), (error) => logger.error({ err: error }, 'scheduled reminders failed')));
      periodic.push(startPeriodicJob(config.jobsIntervalMs, acrossInstances('dead-mail-notices', jobs.noticeDeadMails), (error) => logger.error({ err: error }, 'dead mail notices failed')));
      const auditInterval = options.auditCheckIntervalMs ?? AUDIT_CHECK_INTERVAL_MS;
      // runAuditCheck logs and counts its own failures.
      if (auditInterval > 0) periodic.push(startPeriodicJob(auditInterval, acrossInstances('audit-check', jobs.auditCheck), () => undefined));
      // The anchor job logs and counts its own failures too.
      if (anchorInterval > 0) periodic.push(startPeriodicJob(ANCHOR_POLL_MS, acrossInstances('audit-anchor', jobs.anchor), () => undefined));
      const archiveTimestamps = async (): Promise<void> => {
        const result = await jobs.archiveTimestamps();
        if (result.stamped.length > 0 || result.failed > 0) logger.info({ stamped: result.stamped, failed: result.failed }, 'archive timestamp pass');
      };
      periodic.push(startPeriodicJob(ARCHIVE_TIMESTAMP_INTERVAL_MS, acrossInstances('archive-timestamps', archiveTimestamps), (error) => logger.error({ err: error }, 'archive timestamp pass failed')));
      periodic.push(startPeriodicJob(IDEMPOTENCY_PURGE_INTERVAL_MS, acrossInstances('idempotency-purge', jobs.purgeIdempotencyKeys), (error) => logger.error({ err: error }, 'idempotency key purge failed')));
      periodic.push(startPeriodicJob(IDEMPOTENCY_PURGE_INTERVAL_MS, acrossInstances('qualified-session-purge', jobs.purgeQualifiedSigningSessions), (error) => logger.error({ err: error }, 'qualified signing session purge failed')));
      // Each instance's memory store is its own; a shared one is purged by one instance.
      const purgeRateLimits = rateLimits.kind === 'memory' ? jobs.purgeRateLimits : acrossInstances('rate-limit-purge', jobs.purgeRateLimits);
      periodic.push(startPeriodicJob(RATE_LIMIT_PURGE_INTERVAL_MS, purgeRateLimits, (error) => logger.error({ err: error }, 'rate-limit purge failed')));
    }
    const listening = server;
    const port = (listening.address() as AddressInfo).port;

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
        listening.closeIdleConnections();
        const grace = setTimeout(() => listening.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        await stopJobs();
        await closed;
        clearTimeout(grace);
        await rateLimits.close();
        await deps.blobs.close?.();
        await db.destroy();
        await pool?.close();
      })();
      return closing;
    };

    return { app, server: listening, deps, jobs, port, url: `http://127.0.0.1:${port}`, close };
  } catch (error) {
    server?.close();
    await rateLimits.close();
    await db.destroy();
    await pool?.close();
    throw error;
  }
}
