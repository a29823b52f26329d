/**
 * What the app is built from (DESIGN §2): everything with an external effect, created once
 * by `main.ts` (or a test's bootstrap) and passed down. No module keeps its own.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { TrustList, ValidationReport, VerifyPdfOptions } from './pades/index.ts';
import type { CertificateIssuer, PkiAuthorities, PkiProvider, PkiServices, RevocationSource, TimeStamper } from './keys/index.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { failOpen } from './http/rate-limit.ts';
import type { RateLimitStore } from './store/rate-limit-store.ts';
import { createBuiltInTsa, type BuiltInTsa } from './pades/tsa.ts';
import { createHttpTimeStamper } from './pades/timestamp-client.ts';
import { createBlobStore, type BlobStore, type Knex } from './store/index.ts';
import { AppError, TimestampError } from './errors.ts';
import type { WorkflowDeps } from './workflow/index.ts';
import { ownRevocationSource } from './workflow/pki-publication.ts';
import { createValidationDataCache } from './workflow/long-term.ts';
import { forTrustedIssuers } from './keys/combined-revocation-source.ts';
import { createRemoteRevocationSource } from './keys/remote-revocation-source.ts';
import type { CscClient } from './keys/csc-client.ts';
import type { CscProviderConfig } from './config.ts';

/** TSAPolicyId of the built-in development TSA (an OID under 2.25, ITU-T X.667: no registration needed). */
export const DEV_TSA_POLICY = '2.25.314284513135050658252265026292863153018';

export type VerifyPdf = (pdf: Buffer, options: VerifyPdfOptions) => Promise<ValidationReport>;
/** verifyPdf on a file read where the work runs (the verify worker pool), so a waiting upload is not held in memory. */
export type VerifyPdfFile = (path: string, options: VerifyPdfOptions) => Promise<ValidationReport>;

export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Knex;
  readonly blobs: BlobStore;
  readonly metrics: Metrics;
  /** Rate limits and failed-login counts (RATE_LIMIT_STORE), failing open when the store is away (src/http/rate-limit.ts). */
  readonly rateLimits: RateLimitStore;
  readonly verifyPdf: VerifyPdf;
  /** When set (the worker pool), `POST /api/v1/verify` hands over the uploaded file instead of its bytes. */
  readonly verifyPdfFile?: VerifyPdfFile;
  /** Roots trusted when validating signatures; by default the (dev) organisation root. */
  readonly trustAnchors: X509Certificate[];
  /** ETSI TS 119 612 trusted lists (TRUST_LIST_FILES): their qualified CAs are trusted too, and classify signers as qualified. */
  readonly trustList?: TrustList;
  /** The deployment's PKI (each organisation's CA, the TSA key); absent: signing answers 503. */
  readonly pki?: PkiServices;
  /** The built-in RFC 3161 TSA when `TSA_URL` is unset and the PKI has a TSA key: served at `POST /pki/tsa`. */
  readonly builtInTsa?: BuiltInTsa;
  readonly clock: () => Date;
  /** What the envelope use cases run on: the same db, blobs and clock, the PKI, trusted time and the public base URL. */
  readonly workflow: WorkflowDeps;
}

export interface BuildDepsOptions {
  config: Config;
  logger: Logger;
  db: Knex;
  /** The store RATE_LIMIT_STORE names, opened (and closed) by the server: a Redis client has a life of its own. */
  rateLimits: RateLimitStore;
  verifyPdf: VerifyPdf;
  verifyPdfFile?: VerifyPdfFile;
  trustAnchors: X509Certificate[];
  trustList?: TrustList;
  pki?: PkiServices;
  /** Instead of the one chosen from the config (tests: a TSA that is down). */
  timeStamper?: TimeStamper;
  blobs?: BlobStore;
  metrics?: Metrics;
  clock?: () => Date;
  /** Revocation data of CAs that are not ours (signers' own certificates), instead of OCSP/CRL over HTTP (tests). */
  remoteRevocation?: RevocationSource;
  /** How to reach a remote signing service, instead of createCscClient (tests). */
  cscClient?: (provider: CscProviderConfig) => CscClient;
}

export function buildDeps(options: BuildDepsOptions): Deps {
  const blobs = options.blobs ?? createBlobStore(options.config.blobStore, options.config, options.db);
  const clock = options.clock ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics();
  const { config, db } = options;
  const builtInTsa = config.tsaUrls.length === 0 && options.pki?.tsaKey
    ? createBuiltInTsa({ key: options.pki.currentTsaKey ?? options.pki.tsaKey, policy: DEV_TSA_POLICY, clock })
    : undefined;
  const timeStamper = countFailures(options.timeStamper ?? chooseTimeStamper(config, builtInTsa), metrics);
  const authorities = options.pki?.authorities ?? noAuthorities;
  // Our own CAs answer in-process (also live in POST /api/v1/verify). A signer's own certificate (eID, remote QSCD) is
  // checked at its CA's OCSP responder or CRL, only for CAs the deployment trusts: the URLs come from the certificate.
  const anchors = [...options.trustAnchors, ...(options.trustList?.anchors ?? [])];
  const remoteRevocation = forTrustedIssuers(options.remoteRevocation ?? createRemoteRevocationSource({ timeoutMs: config.revocationTimeoutMs, clock }), () => anchors);
  const revocation: RevocationSource = ownRevocationSource({ db, clock, authorities });
  return Object.freeze({
    config,
    logger: options.logger,
    db,
    blobs,
    metrics,
    rateLimits: failOpen(options.rateLimits, { logger: options.logger, clock, onFailure: () => metrics.rateLimitStoreFailuresTotal.inc({ store: options.rateLimits.kind }) }),
    verifyPdf: options.verifyPdf,
    verifyPdfFile: options.verifyPdfFile,
    trustAnchors: options.trustAnchors,
    trustList: options.trustList,
    pki: options.pki,
    builtInTsa,
    clock,
    workflow: Object.freeze({
      db,
      blobs,
      pki: options.pki?.provider ?? unavailablePki,
      timeStamper,
      revocation,
      authorities,
      clock,
      baseUrl: config.baseUrl,
      resultLinkDays: config.resultLinkDays,
      resultAttachMaxBytes: config.resultAttachMaxKb * 1024,
      logger: options.logger,
      remoteRevocation,
      trustList: options.trustList,
      cscProviders: config.cscProviders,
      cscClient: options.cscClient,
      // The same secret as the signer forms (SIGNER_SECRET); without it, one per process: a remote signing round trip then
      // does not survive a restart.
      signerSecret: config.signerSecret ? Buffer.from(config.signerSecret, 'utf8') : randomBytes(32),
      validationDataCache: createValidationDataCache(),
    }),
  });
}

/** `TSA_URL` when set (tried in order), else the built-in TSA, else none: signing then answers 503. */
function chooseTimeStamper(config: Config, builtInTsa: BuiltInTsa | undefined): TimeStamper {
  if (config.tsaUrls.length > 0) return createHttpTimeStamper({ urls: [...config.tsaUrls], timeoutMs: config.tsaTimeoutMs });
  if (builtInTsa) return builtInTsa;
  return { timestamp: () => Promise.reject(new TimestampError()) };
}

/** Counts every timestamp no TSA gave (`paraaf_timestamp_failures_total`) and passes the error on. */
function countFailures(timeStamper: TimeStamper, metrics: Metrics): TimeStamper {
  return {
    async timestamp(digest, hash) {
      try {
        return await timeStamper.timestamp(digest, hash);
      } catch (error) {
        metrics.timestampFailuresTotal.inc();
        throw error;
      }
    },
  };
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

const unavailablePki: PkiProvider = Object.freeze({ trustAnchors: [], forOrganisation: async () => unavailableIssuer });

const noAuthorities: PkiAuthorities = Object.freeze({ authority: async () => null, authorityFor: async () => null });
