/**
 * `bootstrap()`: a running app on a fresh temporary DATA_DIR and a fresh database —
 * SQLite by default, or PostgreSQL in a fresh schema when TEST_DATABASE_URL is set.
 * Tests drive it over HTTP with supertest and call `close()` when done.
 */
import type { X509Certificate } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Deps, VerifyPdf } from '../../src/deps.ts';
import type { PkiServices, TimeStamper } from '../../src/keys/index.ts';
import { createLogger } from '../../src/logger.ts';
import type { DestinationStream } from 'pino';
import type { HostResolver } from '../../src/notify/webhook-address.ts';
import { startServer, type ServerHandle } from '../../src/server.ts';

export interface BootstrapOptions {
  /** Extra environment for loadConfig (e.g. MAX_UPLOAD_MB). */
  env?: Record<string, string>;
  trustAnchors?: X509Certificate[];
  verifyPdf?: VerifyPdf;
  /** The verify pool's worker module (a test worker that hangs on some files). */
  verifyWorker?: URL;
  /** The PKI to sign with (e.g. a DevPki: each organisation's CA, the built-in TSA); without it signing answers 503. */
  pki?: PkiServices;
  /** Instead of the built-in TSA (e.g. one that is down). */
  timeStamper?: TimeStamper;
  /** The server's clock (default the system clock). */
  clock?: () => Date;
  /** How webhook hosts resolve (default node:dns): a test makes `hooks.example` resolve to 10.0.0.1 without real DNS. */
  webhookResolver?: HostResolver;
  /** Run the outbox worker and expiry timer; off by default, tests drive `handle.jobs`. */
  backgroundJobs?: boolean;
  /** Where the process log goes (e.g. a stream that captures the request log); silent by default. */
  logDestination?: DestinationStream;
}

export interface TestApp {
  readonly url: string;
  readonly config: Config;
  readonly deps: Deps;
  readonly handle: ServerHandle;
  readonly dataDir: string;
  /** Stops the server, drops the PostgreSQL schema, removes DATA_DIR. Idempotent. */
  close(): Promise<void>;
}

/** Runs `statement` on a short-lived connection outside the app's pool (schema setup and teardown). */
async function withAdminConnection(url: string, statement: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(statement);
  } finally {
    await admin.destroy();
  }
}

export async function bootstrap(options: BootstrapOptions = {}): Promise<TestApp> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-test-'));
  const postgresUrl = process.env.TEST_DATABASE_URL;
  const schema = postgresUrl ? `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}` : undefined;
  if (postgresUrl && schema) await withAdminConnection(postgresUrl, `create schema "${schema}"`);

  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    CERTS_DIR: path.join(dataDir, 'certs'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    // Webhook receivers in tests listen on 127.0.0.1; every other internal address stays refused.
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
    // PostgreSQL means several instances may serve the database: config requires the key they share (tests may pass their own).
    ...(postgresUrl ? { DATABASE_URL: postgresUrl, SIGNER_SECRET: 'test-signer-secret-'.repeat(2) } : {}),
    ...options.env,
  });

  let handle: ServerHandle;
  try {
    handle = await startServer(config, {
      logger: options.logDestination ? createLogger({ level: 'info', destination: options.logDestination }) : createLogger({ level: config.logLevel }),
      trustAnchors: options.trustAnchors ?? [],
      verifyPdf: options.verifyPdf,
      verifyWorker: options.verifyWorker,
      pki: options.pki,
      timeStamper: options.timeStamper,
      clock: options.clock,
      webhookResolver: options.webhookResolver,
      backgroundJobs: options.backgroundJobs ?? false,
      searchPath: schema,
      host: '127.0.0.1',
    });
  } catch (error) {
    if (postgresUrl && schema) await withAdminConnection(postgresUrl, `drop schema "${schema}" cascade`);
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await handle.close();
      if (postgresUrl && schema) await withAdminConnection(postgresUrl, `drop schema "${schema}" cascade`);
      await fs.rm(dataDir, { recursive: true, force: true });
    })();
    return closing;
  };

  return { url: handle.url, config, deps: handle.deps, handle, dataDir, close };
}
