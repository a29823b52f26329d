/**
 * The HTTP benchmarks' server: the real Paraaf server (startServer) in its own process, so the
 * bench clients in the parent do not share its event loop. Started by scripts/bench/http.ts and
 * scripts/bench/soak.ts as
 *
 *   node --import tsx scripts/bench/http-server.ts
 *
 * with an IPC channel and, in its environment, BENCH_SMTP_URL (the parent's mail sink, required:
 * production refuses the file mailer), BENCH_DATABASE_URL (`postgres://…`; unset: SQLite in the
 * temp DATA_DIR), BENCH_BLOB_STORE (fs when unset) and BENCH_BACKGROUND_JOBS=1 (the outbox worker
 * and timers run, as in production; unset: the parent delivers the outbox with `deliver`).
 * NODE_ENV=production, a fresh dev PKI, one organisation and API key, 127.0.0.1 on port 0. It
 * answers `READY <json>` on stdout and then serves IPC commands (see `Command`).
 *
 * Instrumentation, without touching src/: the server's 'request' listener is wrapped, and what happens on a
 * request's behalf is counted for it (see `Attribution`: its async context when many requests are in flight, the
 * only request in flight in a one-at-a-time phase): knex 'query' events (every statement sent, BEGIN and COMMIT
 * included — what src/store/statement-counter.ts counts), the pool's acquire waits, the time
 * between BEGIN and the connection's release, and the issuer's issueOneShot and the blob store's
 * get/put, which are wrapped. Its server time runs from the 'request' event to the response's
 * 'finish' (the last byte handed to the socket). Records are kept from a `stats-reset` on.
 *
 * Memory (soak.ts): started with --expose-gc, `gc` runs a full collection and answers
 * process.memoryUsage(), and `heap-snapshot` writes a heap snapshot after one. Bench-only: the
 * production server has no such hook.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { loadOrCreateDevPki } from '../../src/keys/index.ts';
import type { SigningKey } from '../../src/keys/index.ts';
import { createLogger } from '../../src/logger.ts';
import { signPdf } from '../../src/pades/index.ts';
import { startServer } from '../../src/server.ts';
import { createApiKey, createOrganisation } from '../../src/store/index.ts';
import { revisionsOf } from '../../src/store/document-repository.ts';
import { fieldsOf } from '../../src/store/recipient-repository.ts';
import { statementsOf } from '../../src/store/statement-counter.ts';
import { loadEnvelopeDto } from '../../src/workflow/envelope-dto.ts';
import { extendForLongTerm, prefetchedRevocation } from '../../src/workflow/long-term.ts';
import { BENCH_METRICS_TOKEN } from './server-child.ts';

export const BENCH_BASE_URL = 'http://paraaf-bench.invalid';

export interface ServerReady {
  url: string;
  apiKey: string;
  rootPem: string;
  dataDir: string;
  pid: number;
  database: 'sqlite' | 'postgres';
  blobStore: string;
}

export type Command =
  | { id: number; cmd: 'deliver' }
  /** Records are kept from here on, attributed as `attribution` says (default 'async-context'). */
  | { id: number; cmd: 'stats-reset'; attribution?: Attribution }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'engine'; envelopeId: string; warmups: number; iterations: number; budgetMs: number }
  | { id: number; cmd: 'close' }
  /** A full collection (the child runs with --expose-gc), then process.memoryUsage(): the true floor. */
  | { id: number; cmd: 'gc' }
  /** Collects, then writes a heap snapshot to `path` (v8.writeHeapSnapshot); answers the path. */
  | { id: number; cmd: 'heap-snapshot'; path: string }
  /** Starts the V8 CPU profiler (node:inspector) over what follows, e.g. the sign requests of a phase. */
  | { id: number; cmd: 'profile-start' }
  /** Stops it and writes the .cpuprofile to `path` (Chrome DevTools format); answers the path. */
  | { id: number; cmd: 'profile-stop'; path: string };

export interface DeliverResult {
  delivered: number;
  failed: number;
  rounds: number;
  ms: number;
}

/** What one HTTP request cost inside the server, ms unless said otherwise. */
export interface RequestRecord {
  kind: 'sign' | 'page' | 'create' | 'other';
  status: number;
  /** 'request' event → response 'finish'. */
  serverMs: number;
  /**
   * Process CPU (user + system, every thread) over the same span: the request's own CPU when it ran
   * alone (the sequential phases, background jobs off), which other load on the machine barely moves.
   */
  cpuMs: number;
  /** The statements' SQL (sign requests only), to say what they were. */
  sql?: string[];
  /** Statements sent on its behalf (knex 'query' events, BEGIN/COMMIT/ROLLBACK included). */
  statements: number;
  transactions: number;
  /** BEGIN sent → the connection released, summed over its transactions. */
  txMs: number;
  /** Waiting for a pooled connection, summed. */
  poolWaitMs: number;
  issueOneShotMs: number;
  blobGetMs: number;
  blobPutMs: number;
  /** 'request' → 'finish' on process.hrtime in µs, the clock of V8's CPU profiles (profile-sign.ts keeps the samples within). */
  spanUs?: [number, number];
}

export interface ServerStats {
  requests: RequestRecord[];
  cpuMs: number;
  wallMs: number;
  rssMax: number;
}

export interface EngineResult {
  bytes: number;
  /** issueOneShot + signPdf, per run, ms. */
  total: number[];
  issueOneShot: number[];
  signPdf: number[];
  warmupMs: number[];
  verified: string;
  /**
   * The signature as the sign request makes it: issueOneShot, signPdf with the server's time-stamper
   * (B-T; the built-in TSA, in-process) and the B-LT revision (our CAs' OCSP answers, one revocation
   * read; the answers about the CA's and the TSA's certificates given again from the server's
   * validationDataCache, as a sign request gives them), per run, ms — with its parts.
   */
  asWorkflow: { total: number[]; signPdfWithTimestamp: number[]; validationRevision: number[] };
}

interface RequestContext {
  record: RequestRecord;
  txStart?: number;
  /** The connection of the transaction under way (knex's `__knexUid`): only its release ends it. */
  txConnection?: string;
}

/**
 * How what happens in the server (a statement, a pool wait, a timed call) is given to a request.
 * 'async-context' follows each request's own continuations (AsyncLocalStorage), right however many requests are in
 * flight; but on Node 20 that runs a hook on every promise of the process, which cost a sign request about 1 ms
 * (requests alternating between the two ways in one server), a cost the production server, which has no such
 * hook, does not pay. 'one-at-a-time', for phases that send one request at a time, gives what happens while exactly
 * one request is in flight to that request, with no hook.
 */
export type Attribution = 'async-context' | 'one-at-a-time';

class RequestAttribution {
  private readonly als = new AsyncLocalStorage<RequestContext>();
  private readonly inFlight = new Set<RequestContext>();
  private mode: Attribution = 'async-context';

  use(mode: Attribution): void {
    this.mode = mode;
    // Turns the promise hook off again (it comes back with the next `run`).
    if (mode === 'one-at-a-time') this.als.disable();
  }

  run(context: RequestContext, handle: () => void): void {
    this.inFlight.add(context);
    if (this.mode === 'async-context') this.als.run(context, handle);
    else handle();
  }

  finished(context: RequestContext): void {
    this.inFlight.delete(context);
  }

  current(): RequestContext | undefined {
    if (this.mode === 'async-context') return this.als.getStore();
    return this.inFlight.size === 1 ? this.inFlight.values().next().value : undefined;
  }
}

function kindOf(req: IncomingMessage): RequestRecord['kind'] {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'POST' && /^\/s\/[^/]+\/sign$/.test(path)) return 'sign';
  if (req.method === 'GET' && /^\/s\/[^/]+$/.test(path)) return 'page';
  if (req.method === 'POST' && path === '/api/v1/envelopes') return 'create';
  return 'other';
}

/** Wraps something async so its time is added to the current request's record. */
function timedFor<A extends unknown[], R>(attribution: RequestAttribution, field: 'issueOneShotMs' | 'blobGetMs' | 'blobPutMs', fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const t0 = performance.now();
    try {
      return await fn(...args);
    } finally {
      const record = attribution.current()?.record;
      if (record) record[field] += performance.now() - t0;
    }
  };
}

async function main(): Promise<void> {
  const smtpUrl = process.env.BENCH_SMTP_URL;
  if (!smtpUrl) throw new Error('BENCH_SMTP_URL is required (the mail sink of the parent)');
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const blobStore = process.env.BENCH_BLOB_STORE ?? 'fs';
  const dataDir = mkdtempSync(join(tmpdir(), 'paraaf-bench-http-'));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', cleanup);
  const pki = await loadOrCreateDevPki({ directory: join(dataDir, 'pki'), organisationName: 'Gemeente Benchstad' });
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: join(dataDir, 'data'),
    CERTS_DIR: join(dataDir, 'certs'),
    BASE_URL: BENCH_BASE_URL,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    SIGNER_RATE_LIMIT: '100000',
    SIGNER_SECRET: 'bench-'.repeat(8),
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    SMTP_URL: smtpUrl,
    BLOB_STORE: blobStore,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });

  // ---- instrumentation ----
  const attribution = new RequestAttribution();
  // Records are kept only once a bench asks for them with `stats-reset` (scripts/bench/http.ts):
  // kept from the start, they grew by every request's record and its sign SQL (~18 KB a signature)
  // for the whole life of a soak or cluster-load server, which never reads them — the soak's
  // "memory not steady" was this array (heap snapshots: the retained strings were its records' sql).
  let requests: RequestRecord[] | undefined;
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  const resetStats = (mode: Attribution = 'async-context') => {
    attribution.use(mode);
    requests = [];
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
  };

  // Each organisation's CA is made on first use; time its one-shot issuance whichever organisation signs.
  const instrumented = new WeakSet<object>();
  const forOrganisation = pki.provider.forOrganisation.bind(pki.provider);
  pki.provider.forOrganisation = async (organisation) => {
    const issuer = await forOrganisation(organisation);
    if (instrumented.has(issuer)) return issuer;
    instrumented.add(issuer);
    issuer.issueOneShot = timedFor(attribution, 'issueOneShotMs', issuer.issueOneShot.bind(issuer));
    return issuer;
  };

  const handle = await startServer(config, {
    // Errors only, to stderr, which the parent keeps the tail of for its failure report.
    logger: createLogger({ level: 'error', destination: process.stderr }),
    trustAnchors: [pki.rootCertificate],
    pki,
    backgroundJobs: process.env.BENCH_BACKGROUND_JOBS === '1',
    host: '127.0.0.1',
  });
  const { db } = handle.deps;

  const blobs = handle.deps.blobs as { get: (sha: string) => Promise<Buffer>; put: (bytes: Buffer) => Promise<{ sha256: string; size: number }> };
  const blobGet = blobs.get.bind(blobs);
  blobs.get = timedFor(attribution, 'blobGetMs', blobGet);
  blobs.put = timedFor(attribution, 'blobPutMs', blobs.put.bind(blobs));

  // Every request in its own context, from the 'request' event to the response's 'finish'.
  const listeners = handle.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  handle.server.removeAllListeners('request');
  handle.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const hr0 = Number(process.hrtime.bigint() / 1000n);
    const cpu0 = process.cpuUsage();
    const kind = kindOf(req);
    const record: RequestRecord = { kind, status: 0, serverMs: 0, cpuMs: 0, statements: 0, transactions: 0, txMs: 0, poolWaitMs: 0, issueOneShotMs: 0, blobGetMs: 0, blobPutMs: 0, ...(kind === 'sign' ? { sql: [] } : {}) };
    const context: RequestContext = { record };
    res.once('finish', () => {
      record.serverMs = performance.now() - t0;
      attribution.finished(context);
      record.spanUs = [hr0, Number(process.hrtime.bigint() / 1000n)];
      const cpu = process.cpuUsage(cpu0);
      record.cpuMs = (cpu.user + cpu.system) / 1000;
      record.status = res.statusCode;
      requests?.push(record);
    });
    attribution.run(context, () => {
      for (const listener of listeners) listener.call(handle.server, req, res);
    });
  });

  // Knex emits no response event for BEGIN and COMMIT; the pool's `release` (in the same async
  // context) marks the end of a transaction, i.e. COMMIT answered.
  db.on('query', (q: { sql?: string; __knexUid?: string }) => {
    const context = attribution.current();
    if (!context) return;
    for (const statement of statementsOf(q.sql ?? '')) {
      context.record.statements += 1;
      context.record.sql?.push(statement.replace(/\s+/g, ' ').slice(0, 160));
    }
    if (/^\s*(BEGIN|START TRANSACTION)/i.test(q.sql ?? '')) {
      context.record.transactions += 1;
      context.txStart = performance.now();
      context.txConnection = q.__knexUid;
    }
  });
  const pool = (db.client as { pool?: { on(event: string, fn: (...args: unknown[]) => void): void } }).pool;
  const acquireAt = new Map<unknown, { t0: number; context?: RequestContext }>();
  pool?.on('acquireRequest', (eventId) => acquireAt.set(eventId, { t0: performance.now(), context: attribution.current() }));
  pool?.on('acquireSuccess', (eventId) => {
    const waited = acquireAt.get(eventId);
    acquireAt.delete(eventId);
    if (waited?.context) waited.context.record.poolWaitMs += performance.now() - waited.t0;
  });
  // Another statement's connection coming back meanwhile (a read started before the transaction, answered during it,
  // as the sign request's revocations read is) does not end it.
  pool?.on('release', (connection: unknown) => {
    const context = attribution.current();
    if (context?.txStart === undefined || (connection as { __knexUid?: string } | undefined)?.__knexUid !== context.txConnection) return;
    context.record.txMs += performance.now() - context.txStart;
    context.txStart = undefined;
  });

  const organisation = await createOrganisation(db, { slug: 'gemeente-benchstad', name: 'Gemeente Benchstad' });
  const apiKey = (await createApiKey(db, organisation.id, { name: 'bench' })).plaintext;

  const reply = (id: number, result: unknown, error?: string) => process.send?.({ id, result, error });

  /** Two full collections (the second frees what the first's finalizers let go), then the memory left. */
  function collect(): NodeJS.MemoryUsage {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('gc is not exposed: start the bench server with --expose-gc');
    gc();
    gc();
    return process.memoryUsage();
  }

  async function deliver(): Promise<DeliverResult> {
    const t0 = performance.now();
    let delivered = 0;
    let failed = 0;
    let rounds = 0;
    for (;;) {
      const r = await handle.jobs.outbox.runOnce();
      rounds += 1;
      delivered += r.delivered;
      failed += r.failed;
      if (r.delivered + r.failed === 0 || rounds > 10_000) break;
    }
    return { delivered, failed, rounds, ms: performance.now() - t0 };
  }

  /** The engine alone on the envelope's prepared revision, exactly as sign-envelope.ts calls it for signer 1. */
  async function engine(envelopeId: string, warmups: number, iterations: number, budgetMs: number): Promise<EngineResult> {
    const dto = await loadEnvelopeDto(db, organisation.id, envelopeId);
    const recipient = dto.recipients.find((r) => r.routingOrder === 1) ?? dto.recipients[0];
    const document = dto.documents[0];
    const prepared = (await revisionsOf(db, document.id)).find((r) => r.kind === 'prepared');
    if (!prepared) throw new Error(`document ${document.id} has no prepared revision`);
    const field = (await fieldsOf(db, [recipient.id])).find((f) => f.documentId === document.id && f.fieldName);
    if (!field?.fieldName) throw new Error('no prepared field for signer 1');
    const pdf = await blobGet(prepared.blobSha256);
    const r = recipient;
    const once = async (): Promise<{ total: number; issue: number; sign: number; out: Buffer }> => {
      const t0 = performance.now();
      const key: SigningKey = await pki.issuer.issueOneShot({ name: r.name, email: r.email, title: r.function ?? undefined });
      const t1 = performance.now();
      const out = await signPdf(pdf, {
        key,
        signer: { name: r.name, function: r.function ?? undefined },
        fieldName: field.fieldName!,
        signingTime: new Date(),
        language: r.language,
      });
      const t2 = performance.now();
      return { total: t2 - t0, issue: t1 - t0, sign: t2 - t1, out };
    };
    const result: EngineResult = { bytes: pdf.length, total: [], issueOneShot: [], signPdf: [], warmupMs: [], verified: '', asWorkflow: { total: [], signPdfWithTimestamp: [], validationRevision: [] } };
    const workflow = handle.deps.workflow;
    const asWorkflow = async () => {
      const t0 = performance.now();
      const key: SigningKey = await pki.issuer.issueOneShot({ name: r.name, email: r.email, title: r.function ?? undefined });
      const t1 = performance.now();
      const signed = await signPdf(pdf, { key, timeStamper: workflow.timeStamper, signer: { name: r.name, function: r.function ?? undefined }, fieldName: field.fieldName!, signingTime: new Date(), language: r.language });
      const t2 = performance.now();
      await extendForLongTerm(workflow, signed, prefetchedRevocation(workflow, [key.certificates]));
      const t3 = performance.now();
      return { total: t3 - t0, sign: t2 - t1, ltv: t3 - t2 };
    };
    let last: Buffer | undefined;
    for (let i = 0; i < warmups; i++) result.warmupMs.push((await once()).total);
    const started = performance.now();
    for (let i = 0; i < iterations; i++) {
      const run = await once();
      result.total.push(run.total);
      result.issueOneShot.push(run.issue);
      result.signPdf.push(run.sign);
      last = run.out;
      if (performance.now() - started > budgetMs && i >= 4) break;
    }
    for (let i = 0; i < warmups; i++) await asWorkflow();
    for (let i = 0; i < result.total.length; i++) {
      const run = await asWorkflow();
      result.asWorkflow.total.push(run.total);
      result.asWorkflow.signPdfWithTimestamp.push(run.sign);
      result.asWorkflow.validationRevision.push(run.ltv);
    }
    if (last) {
      const { verifyPdf } = await import('../../src/pades/index.ts');
      const report = await verifyPdf(last, { trustAnchors: [pki.rootCertificate] });
      result.verified = report.signatures.length === 1 && report.signatures[0].integrity.valid ? 'ok' : `${report.verdict} (${report.signatures.length} signatures)`;
    }
    return result;
  }

  let profiler: Session | undefined;
  async function profileStart(): Promise<boolean> {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    await profiler.post('Profiler.start');
    return true;
  }
  async function profileStop(path: string): Promise<string> {
    if (!profiler) throw new Error('profile-stop without profile-start');
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    writeFileSync(path, JSON.stringify(profile));
    return path;
  }

  process.on('message', (message: Command) => {
    const run = async (): Promise<unknown> => {
      switch (message.cmd) {
        case 'deliver':
          return deliver();
        case 'stats-reset':
          resetStats(message.attribution);
          return true;
        case 'stats': {
          const cpu = process.cpuUsage(cpuStart);
          return { requests: requests ?? [], cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallStart, rssMax: process.resourceUsage().maxRSS * 1024 } satisfies ServerStats;
        }
        case 'engine':
          // Without the promise hook, as the one-at-a-time sign requests it is compared with are measured.
          attribution.use('one-at-a-time');
          return engine(message.envelopeId, message.warmups, message.iterations, message.budgetMs);
        case 'gc':
          return collect();
        case 'heap-snapshot':
          collect();
          return writeHeapSnapshot(message.path);
        case 'profile-start':
          return profileStart();
        case 'profile-stop':
          return profileStop(message.path);
        case 'close':
          await handle.close();
          cleanup();
          setImmediate(() => process.exit(0));
          return true;
      }
    };
    run().then(
      (result) => reply(message.id, result),
      (error: unknown) => reply(message.id, undefined, (error as Error).stack ?? String(error)),
    );
  });
  // Parent gone: stop.
  process.on('disconnect', () => {
    void handle.close().finally(() => {
      cleanup();
      process.exit(0);
    });
  });

  const ready: ServerReady = { url: handle.url, apiKey, rootPem: pki.rootCertificate.toString(), dataDir, pid: process.pid, database: databaseUrl ? 'postgres' : 'sqlite', blobStore };
  new X509Certificate(ready.rootPem);
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
}

await main();
