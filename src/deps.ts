/**
 * What the app is built from (DESIGN §2): everything with an external effect, created once
 * by `main.ts` (or a test's bootstrap) and passed down. No module keeps its own.
 */
import type { X509Certificate } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { ValidationReport, VerifyPdfOptions } from './pades/index.ts';
import type { CertificateIssuer } from './keys/index.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createFsBlobStore, type BlobStore, type Knex } from './store/index.ts';
import { AppError } from './errors.ts';
import type { WorkflowDeps } from './workflow/index.ts';

export type VerifyPdf = (pdf: Buffer, options: VerifyPdfOptions) => Promise<ValidationReport>;

export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Knex;
  readonly blobs: BlobStore;
  readonly metrics: Metrics;
  readonly verifyPdf: VerifyPdf;
  /** Roots trusted when validating signatures; by default the (dev) organisation root. */
  readonly trustAnchors: X509Certificate[];
  /** Issues one-shot signer certificates; absent until an organisation CA is loaded. */
  readonly keys?: CertificateIssuer;
  readonly clock: () => Date;
  /** What the envelope use cases run on: the same db, blobs and clock, the issuer and the public base URL. */
  readonly workflow: WorkflowDeps;
}

export interface BuildDepsOptions {
  config: Config;
  logger: Logger;
  db: Knex;
  verifyPdf: VerifyPdf;
  trustAnchors: X509Certificate[];
  keys?: CertificateIssuer;
  blobs?: BlobStore;
  metrics?: Metrics;
  clock?: () => Date;
}

export function buildDeps(options: BuildDepsOptions): Deps {
  if (options.config.blobStore === 'db' && !options.blobs) {
    // Declared in DESIGN §7 but not built yet: refuse rather than silently use the filesystem.
    throw new Error('BLOB_STORE=db is not implemented yet; use BLOB_STORE=fs');
  }
  const blobs = options.blobs ?? createFsBlobStore(path.join(options.config.dataDir, 'blobs'));
  const clock = options.clock ?? (() => new Date());
  return Object.freeze({
    config: options.config,
    logger: options.logger,
    db: options.db,
    blobs,
    metrics: options.metrics ?? createMetrics(),
    verifyPdf: options.verifyPdf,
    trustAnchors: options.trustAnchors,
    keys: options.keys,
    clock,
    workflow: Object.freeze({
      db: options.db,
      blobs,
      issuer: options.keys ?? unavailableIssuer,
      clock,
      baseUrl: options.config.baseUrl,
      logger: options.logger,
    }),
  });
}

function signingUnavailable(): AppError {
  return new AppError('signing_unavailable', 503, 'Signing is not available: no organisation CA is loaded.');
}

/** Stands in when no CA is loaded: everything but signing still works; signing answers 503. */
const unavailableIssuer: CertificateIssuer = Object.freeze({
  issueOneShot: () => Promise.reject(signingUnavailable()),
  seal: () => Promise.reject(signingUnavailable()),
  caCertificates: [],
});
