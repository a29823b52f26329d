/**
 * The HTTP benchmark's server: the real Paraaf server (startServer) in its own process, so the
 * bench clients in the parent do not share its event loop. Started by scripts/bench/http.ts as
 *
 *   node --import tsx scripts/bench/http-server.ts
 *
 * with an IPC channel. Temp DATA_DIR, SQLite (the default), fs blobs, background jobs off, a fresh
 * dev PKI, one organisation and API key, bound to 127.0.0.1 on port 0. It answers `READY <json>`
 * on stdout and then serves IPC commands (see `Command`): deliver the outbox, read links from the
 * outbox payloads, time the engine on a prepared document, and report where the time of the sign
 * transactions went.
 *
 * Instrumentation, without touching src/: the issuer's issueOneShot and the blob store's get/put
 * are wrapped; the pool (one SQLite connection) reports acquire waits and how long each holder
 * kept the connection; knex query events time BEGIN … COMMIT. With one connection at most one
 * transaction runs at a time, so the "current transaction" is well defined.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { listOutbox } from '../../src/store/knex-outbox-store.ts';
import { fieldsOf } from '../../src/store/recipient-repository.ts';
import { loadEnvelopeDto } from '../../src/workflow/envelope-dto.ts';

export const BENCH_BASE_URL = 'http://paraaf-bench.invalid';
const LINK = /http:\/\/paraaf-bench\.invalid\/s\/([A-Za-z0-9_-]+)/;

export interface ServerReady {
  url: string;
  apiKey: string;
  rootPem: string;
  dataDir: string;
}

export type Command =
  | { id: number; cmd: 'deliver' }
  | { id: number; cmd: 'links'; email: string }
  | { id: number; cmd: 'stats-reset' }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'engine'; envelopeId: string; warmups: number; iterations: number; budgetMs: number }
  | { id: number; cmd: 'close' };

export interface DeliverResult {
  delivered: number;
  failed: number;
  rounds: number;
  ms: number;
}

/** Per sign transaction (a transaction during which issueOneShot ran), ms. */
export interface SignTxTiming {
  /** BEGIN IMMEDIATE sent → COMMIT answered (the connection released). */
  tx: number;
  /** BEGIN IMMEDIATE sent → the transaction's first statement sent. */
  begin: number;
  issueOneShot: number;
  blobGet: number;
  /** blobs.get answered → blobs.put called: signPdf (and nothing else in sign-envelope.ts). */
  signPdf: number;
  blobPut: number;
  /** COMMIT sent → the connection released. */
  commit: number;
  /** Everything else inside the transaction: its other queries (reads, revision, audit chain, outbox) and JS between them. */
  rest: number;
  queries: number;
}

export interface ServerStats {
  signTx: SignTxTiming[];
  /** Transactions without a signature (page opens, create+send, …), ms. */
  otherTx: number[];
  /** Waits for the one pooled connection, ms (every query and transaction acquires it). */
  acquireWait: number[];
  /** How long each holder kept the connection, ms. */
  hold: number[];
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
}

interface TxState {
  start: number;
  beginDone?: number;
  commitStart?: number;
  issue: number;
  get: number;
  put: number;
  getEnd?: number;
  signPdf: number;
  queries: number;
  signed: boolean;
  rolledBack: boolean;
}

async function main(): Promise<void> {
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
  });

  // ---- instrumentation ----
  let tx: TxState | undefined;
  const stats: ServerStats = { signTx: [], otherTx: [], acquireWait: [], hold: [], cpuMs: 0, wallMs: 0, rssMax: 0 };
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  const resetStats = () => {
    stats.signTx = [];
    stats.otherTx = [];
    stats.acquireWait = [];
    stats.hold = [];
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
    const issueOneShot = issuer.issueOneShot.bind(issuer);
    issuer.issueOneShot = async (identity) => {
      const t0 = performance.now();
      try {
        return await issueOneShot(identity);
      } finally {
        if (tx) {
          tx.issue += performance.now() - t0;
          tx.signed = true;
        }
      }
    };
    return issuer;
  };

  const handle = await startServer(config, {
    logger: createLogger({ level: 'silent' }),
    trustAnchors: [pki.rootCertificate],
    pki,
    backgroundJobs: false,
    host: '127.0.0.1',
  });
  const { db } = handle.deps;

  const blobs = handle.deps.blobs as { get: (sha: string) => Promise<Buffer>; put: (bytes: Buffer) => Promise<{ sha256: string; size: number }> };
  const blobGet = blobs.get.bind(blobs);
  const blobPut = blobs.put.bind(blobs);
  blobs.get = async (sha) => {
    const t0 = performance.now();
    try {
      return await blobGet(sha);
    } finally {
      const t1 = performance.now();
      if (tx?.signed) {
        tx.get += t1 - t0;
        tx.getEnd = t1;
      }
    }
  };
  blobs.put = async (bytes) => {
    const t0 = performance.now();
    if (tx?.signed && tx.getEnd !== undefined) {
      tx.signPdf += t0 - tx.getEnd;
      tx.getEnd = undefined;
    }
    try {
      return await blobPut(bytes);
    } finally {
      if (tx?.signed) tx.put += performance.now() - t0;
    }
  };

  // Knex query events mark BEGIN and COMMIT (knex emits no response event for those two); the
  // pool's `release` marks the end of the transaction, i.e. COMMIT answered.
  const finishTx = (now: number) => {
    if (!tx || tx.commitStart === undefined) return;
    const total = now - tx.start;
    if (tx.signed && !tx.rolledBack) {
      const begin = (tx.beginDone ?? tx.start) - tx.start;
      const commit = now - tx.commitStart;
      stats.signTx.push({
        tx: total,
        begin,
        issueOneShot: tx.issue,
        blobGet: tx.get,
        signPdf: tx.signPdf,
        blobPut: tx.put,
        commit,
        rest: total - begin - tx.issue - tx.get - tx.signPdf - tx.put - commit,
        queries: tx.queries,
      });
    } else {
      stats.otherTx.push(total);
    }
    tx = undefined;
  };
  db.on('query', (q: { sql?: string }) => {
    const now = performance.now();
    const sql = (q.sql ?? '').trim().toUpperCase();
    if (sql.startsWith('BEGIN')) tx = { start: now, issue: 0, get: 0, put: 0, signPdf: 0, queries: 0, signed: false, rolledBack: false };
    else if (!tx) return;
    else if (sql.startsWith('COMMIT') || sql.startsWith('ROLLBACK')) {
      tx.commitStart = now;
      tx.rolledBack = sql.startsWith('ROLLBACK');
    } else {
      tx.beginDone ??= now;
      tx.queries += 1;
    }
  });

  // The pool (tarn): acquire waits and holding times of the single connection.
  const pool = (db.client as { pool?: { on(event: string, fn: (...args: unknown[]) => void): void } }).pool;
  const acquireAt = new Map<unknown, number>();
  let heldSince: number | undefined;
  pool?.on('acquireRequest', (eventId) => acquireAt.set(eventId, performance.now()));
  pool?.on('acquireSuccess', (eventId) => {
    const now = performance.now();
    const t0 = acquireAt.get(eventId);
    acquireAt.delete(eventId);
    if (t0 !== undefined) stats.acquireWait.push(now - t0);
    heldSince = now;
  });
  pool?.on('release', () => {
    const now = performance.now();
    if (heldSince !== undefined) stats.hold.push(now - heldSince);
    heldSince = undefined;
    finishTx(now);
  });

  const organisation = await createOrganisation(db, { slug: 'gemeente-benchstad', name: 'Gemeente Benchstad' });
  const apiKey = (await createApiKey(db, organisation.id, { name: 'bench' })).plaintext;

  const reply = (id: number, result: unknown, error?: string) => process.send?.({ id, result, error });

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

  /** envelopeId → the latest link token mailed to `email` for it. */
  async function links(email: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const row of await listOutbox(db, organisation.id, { kind: 'mail' })) {
      const mail = row.payload as { to?: { email?: string }; headers?: Record<string, string>; text?: string };
      const envelopeId = mail.headers?.['X-Paraaf-Envelope'];
      const token = LINK.exec(mail.text ?? '')?.[1];
      if (mail.to?.email === email && envelopeId && token) out[envelopeId] = token;
    }
    return out;
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
    const result: EngineResult = { bytes: pdf.length, total: [], issueOneShot: [], signPdf: [], warmupMs: [], verified: '' };
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
    if (last) {
      const { verifyPdf } = await import('../../src/pades/index.ts');
      const report = await verifyPdf(last, { trustAnchors: [pki.rootCertificate] });
      result.verified = report.signatures.length === 1 && report.signatures[0].integrity.valid ? 'ok' : `${report.verdict} (${report.signatures.length} signatures)`;
    }
    return result;
  }

  process.on('message', (message: Command) => {
    const run = async (): Promise<unknown> => {
      switch (message.cmd) {
        case 'deliver':
          return deliver();
        case 'links':
          return links(message.email);
        case 'stats-reset':
          resetStats();
          return true;
        case 'stats': {
          const cpu = process.cpuUsage(cpuStart);
          return { ...stats, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallStart, rssMax: process.resourceUsage().maxRSS * 1024 };
        }
        case 'engine':
          return engine(message.envelopeId, message.warmups, message.iterations, message.budgetMs);
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

  const ready: ServerReady = { url: handle.url, apiKey, rootPem: pki.rootCertificate.toString(), dataDir };
  new X509Certificate(ready.rootPem);
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
}

await main();
