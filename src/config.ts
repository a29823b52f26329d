/**
 * The only reader of `process.env` (DESIGN §2). Parses the environment once with zod and
 * returns a frozen Config; everything else receives the values it needs.
 */
import net from 'node:net';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

export type BlobStoreKind = 'fs' | 'db' | 's3';
export type DatabaseClient = 'sqlite3' | 'pg';

export interface DatabaseConfig {
  readonly client: DatabaseClient;
  /** A `postgres://…` URL, or the absolute path of the SQLite file. */
  readonly url: string;
}

/** S3-compatible object storage (`S3_*`), for `BLOB_STORE=s3` and for `blobs migrate --to s3`. */
export interface S3Config {
  /** Unset: AWS S3 itself, by region. */
  readonly endpoint?: string;
  readonly bucket: string;
  readonly region: string;
  /** Unset (both): the SDK's own credential chain (instance role, AWS_* variables, profiles). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, Ceph and most self-hosted stores). */
  readonly forcePathStyle: boolean;
  /** Put before every key: '' or ending in '/'. */
  readonly prefix: string;
}

export interface Config {
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly blobStore: BlobStoreKind;
  /** Set when S3_BUCKET is (required with BLOB_STORE=s3). */
  readonly s3?: S3Config;
  readonly certsDir: string;
  readonly logLevel: LogLevel;
  readonly maxUploadBytes: number;
  readonly nodeEnv: string;
  /** `smtp://user:pass@host:port` (or `smtps://`); unset: mails go to `DATA_DIR/outbox` as .eml. */
  readonly smtpUrl?: string;
  /** The From header of every mail we send. */
  readonly mailFrom: string;
  /**
   * Internal addresses a webhook may be delivered to all the same (`WEBHOOK_ALLOW_PRIVATE`,
   * comma-separated IPs, e.g. `127.0.0.1` for a receiver on this machine). Empty (the default):
   * private, loopback, link-local and other internal addresses are refused. Refused in production.
   */
  readonly webhookAllowPrivate: readonly string[];
  /**
   * Key of the signer pages' CSRF tokens and receipts (src/http/csrf.ts). Required on PostgreSQL, where
   * several instances serve one database. Unset (SQLite): a random key per app instance, so forms opened
   * before a restart answer 403.
   */
  readonly signerSecret?: string;
  /** Signer-page requests per minute per client IP (token bucket in the rate-limit store). */
  readonly signerRateLimitPerMinute: number;
  /** How long the completion mail's link to the signed PDFs works (`RESULT_LINK_DAYS`, issue 12). */
  readonly resultLinkDays: number;
  /** The signed PDFs are also attached to the completion mail when together they are at most this many KiB (`RESULT_ATTACH_MAX_KB`); 0: never. */
  readonly resultAttachMaxKb: number;
  /** Where rate limits and failed-login counts live (`RATE_LIMIT_STORE`, `REDIS_URL`); see RateLimitConfig. */
  readonly rateLimit: RateLimitConfig;
  /** `POST /api/v1/verify` (public): requests per minute per client IP, worker threads, files waiting for one, time per file. */
  readonly verify: { readonly rateLimitPerMinute: number; readonly workers: number; readonly maxQueued: number; readonly timeoutMs: number };
  /**
   * The reverse proxies (`TRUST_PROXY`, comma-separated IPs or CIDRs) whose `X-Forwarded-For`,
   * `-Proto` and `-Host` count. Empty (the default): no forwarding header counts, the client is
   * the socket's peer.
   */
  readonly trustProxy: readonly string[];
  /**
   * RFC 3161 TSAs (`TSA_URL`, comma-separated), tried in order. Empty: the built-in TSA of the development PKI
   * answers in-process (and at `BASE_URL/pki/tsa`).
   */
  readonly tsaUrls: readonly string[];
  /** Per TSA, for the whole exchange (`TSA_TIMEOUT_MS`). */
  readonly tsaTimeoutMs: number;
  /** Password of the PKI's PKCS#12 files (`PKI_PASSWORD`); unset: the development password, which production refuses. */
  readonly pkiPassword?: string;
  /** The PKCS#11 token holding the PKI's keys (`PKCS11_MODULE` …); unset: keys in PKCS#12 files under CERTS_DIR. */
  readonly pkcs11?: Pkcs11Config;
  /**
   * How long an `Idempotency-Key` claimed by a request that never answered (its process died) stays
   * "in progress" before a retry runs afresh (`IDEMPOTENCY_LEASE_SECONDS`, default 60).
   */
  readonly idempotencyLeaseMs: number;
  /**
   * How often the scheduled jobs look for work: envelopes past their deadline, reminders due, mails given up on
   * (`JOBS_INTERVAL_SECONDS`, default 60). With several instances each ticks, and one runs a job at a time.
   */
  readonly jobsIntervalMs: number;
  /**
   * Bearer token that `/metrics` asks for (`METRICS_TOKEN`); required in production. Unset outside
   * production: `/metrics` answers anyone, as a development convenience.
   */
  readonly metricsToken?: string;
  /**
   * ETSI TS 119 612 trusted lists (`TRUST_LIST_FILES`, comma-separated paths), e.g. the Belgian list: their
   * CA/QC services are trust anchors for signers who bring their own certificate, and they say which
   * certificates are qualified (issue 13). Empty: only the deployment's own root is trusted.
   */
  readonly trustListFiles: readonly string[];
  /** Remote qualified signing services (Cloud Signature Consortium API v2) offered to signers (`CSC_PROVIDERS`, JSON). */
  readonly cscProviders: readonly CscProviderConfig[];
  /** Per request for OCSP responses and CRLs of CAs that are not ours (`REVOCATION_TIMEOUT_MS`, default 10000). */
  readonly revocationTimeoutMs: number;
}

/** One remote signing service (CSC API v2) and the organisations that offer it to their signers. */
export interface CscProviderConfig {
  /** Short stable id used in URLs and audit events, e.g. `quovadis`. */
  readonly id: string;
  /** Shown to the signer: "Ondertekenen via <name>". */
  readonly name: string;
  /** Base URL of the CSC API, without the trailing `/csc/v2`, e.g. `https://qes.example.eu`. */
  readonly baseUrl: string;
  /** OAuth 2.0 client registered with the provider (authorization code flow with PKCE). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Organisation slugs whose signers may use it; `["*"]` for all. */
  readonly organisations: readonly string[];
}

/**
 * `memory`: in this process (the default on SQLite, one process per database). `postgres`: a table every
 * instance shares (the default on PostgreSQL). `redis`: a Redis every instance shares (`REDIS_URL`).
 */
export interface RateLimitConfig {
  readonly store: 'memory' | 'postgres' | 'redis';
  /** Set with store `redis` only (default redis://127.0.0.1:6379). */
  readonly redisUrl?: string;
  /** Set with store `redis` only: prefix of every key (`REDIS_KEY_PREFIX`, default `paraaf:`), so two deployments can share one Redis. */
  readonly redisKeyPrefix?: string;
}

export interface Pkcs11Config {
  /** Path of the PKCS#11 module (`PKCS11_MODULE`), e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly module: string;
  /** User PIN (`PKCS11_PIN`). */
  readonly pin: string;
  /** Token label (`PKCS11_TOKEN_LABEL`); unset: the token in `slot`, or the only token present. */
  readonly tokenLabel?: string;
  /** Slot ID as `pkcs11-tool -L` prints it (`PKCS11_SLOT`). */
  readonly slot?: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `192.0.2.1`, `10.0.0.0/8`, `2001:db8::1`, `fd00::/8`: what express's `trust proxy` (proxy-addr) accepts, minus its named ranges. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0 || address.includes('%')) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Unset and empty are the same: a blank line in `.env` means "use the default". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  BASE_URL: optional(z.url({ protocol: /^https?$/ })),
  DATA_DIR: optional(z.string()),
  DATABASE_URL: optional(
    z.string().refine((value) => !value.includes('://') || /^(postgres|postgresql|sqlite|file):\/\//.test(value), {
      message: 'expected postgres://… or a SQLite file path (optionally sqlite:// or file://)',
    }),
  ),
  BLOB_STORE: optional(z.enum(['fs', 'db', 's3'])),
  S3_ENDPOINT: optional(z.url({ protocol: /^https?$/ })),
  S3_BUCKET: optional(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)')),
  S3_REGION: optional(z.string().regex(/^[a-z0-9-]+$/)),
  S3_ACCESS_KEY_ID: optional(z.string()),
  S3_SECRET_ACCESS_KEY: optional(z.string()),
  S3_FORCE_PATH_STYLE: optional(z.enum(['true', 'false', '1', '0'])),
  S3_PREFIX: optional(z.string().max(200)),
  CERTS_DIR: optional(z.string()),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS)),
  MAX_UPLOAD_MB: optional(z.coerce.number().positive().max(2048)),
  RESULT_LINK_DAYS: optional(z.coerce.number().int().min(1).max(3650)),
  RESULT_ATTACH_MAX_KB: optional(z.coerce.number().int().min(0).max(51_200)),
  NODE_ENV: optional(z.string()),
  SMTP_URL: optional(z.url({ protocol: /^smtps?$/ })),
  MAIL_FROM: optional(z.string().min(3)),
  WEBHOOK_ALLOW_PRIVATE: optional(
    z.string().refine((value) => value.split(',').every((entry) => isIP(entry.trim()) !== 0), {
      message: 'expected IP addresses (127.0.0.1, ::1) separated by commas',
    }),
  ),
  SIGNER_SECRET: optional(z.string().min(32, 'use at least 32 random characters')),
  SIGNER_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(100_000)),
  RATE_LIMIT_STORE: optional(z.enum(['memory', 'postgres', 'redis'])),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/ })),
  REDIS_KEY_PREFIX: optional(z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only, at most 64')),
  VERIFY_RATE_LIMIT: optional(z.coerce.number().int().min(1).max(100_000)),
  VERIFY_WORKERS: optional(z.coerce.number().int().min(1).max(16)),
  VERIFY_QUEUE: optional(z.coerce.number().int().min(0).max(1000)),
  VERIFY_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(600_000)),
  TRUST_PROXY: optional(
    z.string().refine((value) => value.split(',').every((entry) => isAddressOrCidr(entry.trim())), {
      message: 'expected IP addresses or CIDR ranges (10.0.0.0/8, fd00::/8) separated by commas',
    }),
  ),
  TSA_URL: optional(
    z.string().refine((value) => value.split(',').every((url) => /^https?:\/\/\S+$/.test(url.trim())), {
      message: 'expected one or more http(s) URLs separated by commas',
    }),
  ),
  TSA_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(120_000)),
  PKI_PASSWORD: optional(z.string().min(1)),
  PKCS11_MODULE: optional(z.string().refine((value) => path.isAbsolute(value), { message: 'expected the absolute path of a PKCS#11 module (.so)' })),
  PKCS11_PIN: optional(z.string().min(4)),
  PKCS11_TOKEN_LABEL: optional(z.string().max(32, 'a PKCS#11 token label has at most 32 characters')),
  PKCS11_SLOT: optional(z.coerce.number().int().min(0)),
  IDEMPOTENCY_LEASE_SECONDS: optional(z.coerce.number().int().min(1).max(3600)),
  JOBS_INTERVAL_SECONDS: optional(z.coerce.number().int().min(1).max(3600)),
  METRICS_TOKEN: optional(z.string().min(32, 'use at least 32 random characters')),
  TRUST_LIST_FILES: optional(
    z.string().refine((value) => value.split(',').every((file) => file.trim() !== ''), { message: 'expected paths of trusted-list XML files separated by commas' }),
  ),
  CSC_PROVIDERS: optional(z.string()),
  REVOCATION_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(120_000)),
});

const cscProvidersSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
      name: z.string().min(1).max(80),
      baseUrl: z.url({ protocol: /^https?$/ }),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      organisations: z.array(z.string().min(1)).min(1),
    }),
  )
  .refine((providers) => new Set(providers.map((p) => p.id)).size === providers.length, { message: 'provider ids must be unique' });

/** `CSC_PROVIDERS` is JSON: `[{"id","name","baseUrl","clientId","clientSecret","organisations":["*"]}]`. */
function parseCscProviders(raw: string | undefined, nodeEnv: string | undefined): readonly CscProviderConfig[] {
  if (raw === undefined) return Object.freeze([]);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(['CSC_PROVIDERS: expected a JSON array of providers']);
  }
  const parsed = cscProvidersSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `CSC_PROVIDERS.${issue.path.join('.')}: ${issue.message}`));
  // The OAuth exchange carries the signer's authorisation: never over plain HTTP in production.
  const plain = parsed.data.filter((p) => p.baseUrl.startsWith('http:'));
  if (nodeEnv === 'production' && plain.length) throw new ConfigError(plain.map((p) => `CSC_PROVIDERS: ${p.id} must use https when NODE_ENV=production`));
  return Object.freeze(parsed.data.map((p) => Object.freeze({ ...p, baseUrl: p.baseUrl.replace(/\/+$/, ''), organisations: Object.freeze([...p.organisations]) })));
}

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function parseDatabase(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined) return { client: 'sqlite3', url: path.join(dataDir, 'paraaf.sqlite3') };
  if (/^(postgres|postgresql):\/\//.test(url)) return { client: 'pg', url };
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return { client: 'sqlite3', url: file === ':memory:' ? file : path.resolve(file) };
}

/** The test seam of webhook delivery: never in production, where every internal address is refused. */
function parseWebhookAllowPrivate(values: z.infer<typeof envSchema>): readonly string[] {
  const entries = (values.WEBHOOK_ALLOW_PRIVATE ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length > 0 && values.NODE_ENV === 'production') {
    throw new ConfigError(['WEBHOOK_ALLOW_PRIVATE: not allowed when NODE_ENV=production (webhooks go to public addresses only)']);
  }
  return Object.freeze(entries);
}

function parsePkcs11(values: z.infer<typeof envSchema>): Pkcs11Config | undefined {
  if (values.PKCS11_MODULE === undefined) {
    const stray = (['PKCS11_PIN', 'PKCS11_TOKEN_LABEL', 'PKCS11_SLOT'] as const).filter((name) => values[name] !== undefined);
    if (stray.length) throw new ConfigError(stray.map((name) => `${name}: set PKCS11_MODULE too, or leave it out`));
    return undefined;
  }
  if (values.PKCS11_PIN === undefined) throw new ConfigError(['PKCS11_PIN: required with PKCS11_MODULE']);
  return Object.freeze({ module: values.PKCS11_MODULE, pin: values.PKCS11_PIN, tokenLabel: values.PKCS11_TOKEN_LABEL, slot: values.PKCS11_SLOT });
}

/**
 * Values the schema accepts but this build or this environment cannot honour: refused at start,
 * never discovered late (issue 10).
 */
function unhonoured(values: z.infer<typeof envSchema>): string[] {
  const issues: string[] = [...blobStoreIssues(values)];
  const postgres = isPostgresUrl(values.DATABASE_URL);
  if (values.RATE_LIMIT_STORE === 'postgres' && !postgres) issues.push('RATE_LIMIT_STORE: postgres needs a postgres:// DATABASE_URL; with SQLite use memory (the default)');
  if (values.REDIS_URL !== undefined && values.RATE_LIMIT_STORE !== 'redis') issues.push('REDIS_URL: only used with RATE_LIMIT_STORE=redis; set that too, or leave REDIS_URL out');
  if (values.REDIS_KEY_PREFIX !== undefined && values.RATE_LIMIT_STORE !== 'redis') issues.push('REDIS_KEY_PREFIX: only used with RATE_LIMIT_STORE=redis; set that too, or leave REDIS_KEY_PREFIX out');
  // Several instances on one database: a form or link one hands out must pass on every other, so all share one key.
  if (postgres && values.SIGNER_SECRET === undefined) {
    issues.push('SIGNER_SECRET: required with a PostgreSQL DATABASE_URL (at least 32 random characters, the same on every instance: each must accept the forms and links the others hand out)');
  }
  if (values.NODE_ENV === 'production') {
    // Without it each process draws its own random key: forms opened on another instance or before a restart fail.
    if (values.SIGNER_SECRET === undefined && !postgres) issues.push('SIGNER_SECRET: required when NODE_ENV=production (at least 32 random characters, the same on every instance)');
    if (values.METRICS_TOKEN === undefined) issues.push('METRICS_TOKEN: required when NODE_ENV=production (at least 32 random characters; Prometheus sends it as a Bearer token)');
    // Without it the development mailer writes .eml files and logs their signing and reset links (tokens).
    if (values.SMTP_URL === undefined) issues.push('SMTP_URL: required when NODE_ENV=production (without it mails are written to files and their links, which carry tokens, are logged)');
  }
  return issues;
}

/** BLOB_STORE=db keeps documents in PostgreSQL, BLOB_STORE=s3 needs a bucket: refused at start, not at the first upload. */
function blobStoreIssues(values: z.infer<typeof envSchema>): string[] {
  const issues: string[] = [];
  if (values.BLOB_STORE === 'db' && !/^(postgres|postgresql):\/\//.test(values.DATABASE_URL ?? '')) {
    issues.push('BLOB_STORE: db keeps documents in PostgreSQL and needs a postgres:// DATABASE_URL; with SQLite use fs (the default)');
  }
  if (values.BLOB_STORE === 's3' && values.S3_BUCKET === undefined) issues.push('S3_BUCKET: required with BLOB_STORE=s3');
  if ((values.S3_ACCESS_KEY_ID === undefined) !== (values.S3_SECRET_ACCESS_KEY === undefined)) {
    issues.push('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither (the SDK\'s own credentials then)');
  }
  return issues;
}

function parseS3(values: z.infer<typeof envSchema>): S3Config | undefined {
  if (values.S3_BUCKET === undefined) return undefined;
  const prefix = (values.S3_PREFIX ?? '').replace(/^\/+/, '');
  return Object.freeze({
    endpoint: values.S3_ENDPOINT?.replace(/\/+$/, ''),
    bucket: values.S3_BUCKET,
    region: values.S3_REGION ?? 'us-east-1',
    accessKeyId: values.S3_ACCESS_KEY_ID,
    secretAccessKey: values.S3_SECRET_ACCESS_KEY,
    // Self-hosted stores rarely resolve bucket subdomains; AWS itself prefers them.
    forcePathStyle: values.S3_FORCE_PATH_STYLE === undefined ? values.S3_ENDPOINT !== undefined : ['true', '1'].includes(values.S3_FORCE_PATH_STYLE),
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
  });
}

const isPostgresUrl = (url: string | undefined) => /^(postgres|postgresql):\/\//.test(url ?? '');

/** Shared by every instance on PostgreSQL (a table), in memory on SQLite, unless RATE_LIMIT_STORE says otherwise. */
function parseRateLimit(values: z.infer<typeof envSchema>): RateLimitConfig {
  const store = values.RATE_LIMIT_STORE ?? (isPostgresUrl(values.DATABASE_URL) ? 'postgres' : 'memory');
  return Object.freeze(store === 'redis' ? { store, redisUrl: values.REDIS_URL ?? 'redis://127.0.0.1:6379', redisKeyPrefix: values.REDIS_KEY_PREFIX ?? 'paraaf:' } : { store });
}

/** Reads the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const refused = unhonoured(values);
  if (refused.length) throw new ConfigError(refused);
  const port = values.PORT ?? 3000;
  const dataDir = path.resolve(values.DATA_DIR ?? './data');
  const config: Config = {
    port,
    baseUrl: (values.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    dataDir,
    database: Object.freeze(parseDatabase(values.DATABASE_URL, dataDir)),
    blobStore: values.BLOB_STORE ?? 'fs',
    s3: parseS3(values),
    certsDir: path.resolve(values.CERTS_DIR ?? './certs'),
    logLevel: values.LOG_LEVEL ?? 'info',
    maxUploadBytes: Math.floor((values.MAX_UPLOAD_MB ?? 50) * 1024 * 1024),
    nodeEnv: values.NODE_ENV ?? 'development',
    smtpUrl: values.SMTP_URL,
    mailFrom: values.MAIL_FROM ?? 'Paraaf <noreply@paraaf.local>',
    webhookAllowPrivate: parseWebhookAllowPrivate(values),
    signerSecret: values.SIGNER_SECRET,
    signerRateLimitPerMinute: values.SIGNER_RATE_LIMIT ?? 60,
    resultLinkDays: values.RESULT_LINK_DAYS ?? 30,
    resultAttachMaxKb: values.RESULT_ATTACH_MAX_KB ?? 0,
    rateLimit: parseRateLimit(values),
    verify: Object.freeze({
      rateLimitPerMinute: values.VERIFY_RATE_LIMIT ?? 20,
      workers: values.VERIFY_WORKERS ?? 2,
      maxQueued: values.VERIFY_QUEUE ?? 8,
      timeoutMs: values.VERIFY_TIMEOUT_MS ?? 30_000,
    }),
    trustProxy: Object.freeze((values.TRUST_PROXY ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)),
    tsaUrls: Object.freeze((values.TSA_URL ?? '').split(',').map((url) => url.trim()).filter(Boolean)),
    tsaTimeoutMs: values.TSA_TIMEOUT_MS ?? 10_000,
    pkiPassword: values.PKI_PASSWORD,
    pkcs11: parsePkcs11(values),
    idempotencyLeaseMs: (values.IDEMPOTENCY_LEASE_SECONDS ?? 60) * 1000,
    jobsIntervalMs: (values.JOBS_INTERVAL_SECONDS ?? 60) * 1000,
    metricsToken: values.METRICS_TOKEN,
    trustListFiles: Object.freeze((values.TRUST_LIST_FILES ?? '').split(',').map((file) => file.trim()).filter(Boolean).map((file) => path.resolve(file))),
    cscProviders: parseCscProviders(values.CSC_PROVIDERS, values.NODE_ENV),
    revocationTimeoutMs: values.REVOCATION_TIMEOUT_MS ?? 10_000,
  };
  return Object.freeze(config);
}
