/**
 * The HTTP section of `npm run bench`: what one sign request costs on the real server, on SQLite
 * and on PostgreSQL, next to the engine's own time for the same document (issue 11: at most the
 * engine time + 10 ms and 12 SQL statements on an idle machine).
 *
 * The server runs in a child process (scripts/bench/http-server.ts) so the clients here do not
 * share its event loop; it counts, per request, the statements sent and its time from the
 * 'request' event to the last byte. Mails go over SMTP to a sink in this process (mail-sink.ts),
 * where the clients read their links. On PostgreSQL a fresh database is created for the run and
 * dropped after it.
 *
 * Phases: (1) C clients create+send N envelopes of one ~100 KB decision and two signers in order
 * 1, 2, and S more whose two signers sign in parallel (order 1, 1); (2) the outbox is delivered, the
 * disk written back (sync), then the first signer of each parallel envelope signs, one request at a time: the ordinary sign
 * request, which neither mails a next signer nor completes the envelope (the figure the issue's
 * targets are about); then signer 1 signs the first S sequential envelopes one at a time (each
 * signature mails signer 2) and the rest with C clients at once; the same for signer 2 (whose
 * signature completes the envelope: B-LTA document timestamp, completion mails);
 * (3) every envelope completed and a sample of final PDFs verifies; (4) the engine alone
 * (issueOneShot + signPdf) on the same prepared document, in the server process.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import knexFactory from 'knex';
import { verifyPdf } from '../../src/pades/index.ts';
import { createTestDatabase, dropTestDatabase, onServer } from '../cluster/instances.ts';
import { median, ms, table } from './format.ts';
import { buildDecisionPdf, createEnvelope, downloadDocument, envelopeStatus, percentile, runPool, signAs, SIGNERS, summarize, timed, type LatencySummary } from './http-client.ts';
import type { DeliverResult, EngineResult, RequestRecord, ServerStats } from './http-server.ts';
import { startMailSink, type MailSink } from './mail-sink.ts';
import { startServerChild, type ServerChild } from './server-child.ts';

export type { LatencySummary } from './http-client.ts';

export interface HttpBenchOptions {
  database: 'sqlite' | 'postgres';
  /** Where the documents are (BLOB_STORE): files in the server's DATA_DIR (default), or PostgreSQL (`db`, what several instances share). */
  blobStore?: 'fs' | 'db';
  envelopes: number;
  concurrency: number;
  /** How many envelopes per signer are signed one request at a time before the concurrent rest. */
  sequential: number;
  /** Cap per phase, ms. */
  phaseCapMs: number;
  /** How many final PDFs to download and verify. */
  verifySample: number;
  log: (message: string) => void;
}

/** Inside the server, over the sign requests of a phase (ms; medians unless said). */
export interface SignRequestCost {
  n: number;
  server: LatencySummary;
  /** Server process CPU per request (meaningful when requests ran one at a time). */
  cpu: number;
  /** The statements of one request of the phase, in order. */
  exampleSql: string[];
  statements: { median: number; min: number; max: number };
  transactions: number;
  txMs: number;
  poolWait: { p50: number; p99: number };
  issueOneShot: number;
  blobGet: number;
  blobPut: number;
}

/** ordinary: a signer in parallel, neither the last nor mailing the next; next: mails the next signer; last: completes the envelope. */
export type SignScenario = 'ordinary' | 'next' | 'last';

export interface PhaseResult {
  name: string;
  signer?: number;
  scenario?: SignScenario;
  mode?: 'sequential' | 'concurrent';
  clients: number;
  attempted: number;
  ok: number;
  errors: string[];
  wallMs: number;
  perSecond: number;
  /** Client latency of the phase's main request (the sign POST in signing phases). */
  latency: LatencySummary;
  page?: LatencySummary;
  cpuShare: number;
  sign?: SignRequestCost;
}

export interface HttpBenchResult {
  status: 'ok' | 'failed';
  reason?: string;
  config: { database: 'sqlite' | 'postgres'; blobStore: string; envelopes: number; concurrency: number; sequential: number; documentBytes: number; client: string };
  phases: PhaseResult[];
  /** All sign requests of the concurrent phases together. */
  signing?: { signatures: number; wallMs: number; perSecond: number; latency: LatencySummary };
  deliveries: (DeliverResult & { label: string })[];
  verification?: { completed: number; of: number; sampled: number; sampleVerified: number; problems: string[] };
  engine?: { bytes: number; n: number; total: number; issueOneShot: number; signPdf: number; min: number; max: number; verified: string; asWorkflow: { total: number; signPdfWithTimestamp: number; validationRevision: number } };
  /** BLOB_STORE=db: what the revisions are as whole copies, and what their chunks hold (bases and updates), bytes. */
  storage?: { revisions: number; whole: number; held: number };
  elapsedSeconds: number;
}

/** The revisions of the bench's database, their sizes summed as whole copies, and the bytes the db store's chunks hold for them. */
async function storedBytes(databaseUrl: string): Promise<NonNullable<HttpBenchResult['storage']>> {
  const db = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    const revisions = await db('revisions').count({ n: '*' }).sum({ whole: 'size' }).first();
    const chunks = await db('blob_chunks').sum({ held: db.raw('octet_length(bytes)') }).first();
    return { revisions: Number(revisions!.n), whole: Number(revisions!.whole), held: Number(chunks!.held ?? 0) };
  } finally {
    await db.destroy();
  }
}

function signCost(records: RequestRecord[]): SignRequestCost | undefined {
  const signs = records.filter((r) => r.kind === 'sign' && r.status < 400);
  if (!signs.length) return undefined;
  const of = (pick: (r: RequestRecord) => number) => signs.map(pick);
  const statements = of((r) => r.statements);
  return {
    n: signs.length,
    server: summarize(of((r) => r.serverMs)),
    cpu: median(of((r) => r.cpuMs)),
    exampleSql: signs[signs.length >> 1].sql ?? [],
    statements: { median: median(statements), min: Math.min(...statements), max: Math.max(...statements) },
    transactions: median(of((r) => r.transactions)),
    txMs: median(of((r) => r.txMs)),
    poolWait: { p50: percentile(of((r) => r.poolWaitMs), 50), p99: percentile(of((r) => r.poolWaitMs), 99) },
    issueOneShot: median(of((r) => r.issueOneShotMs)),
    blobGet: median(of((r) => r.blobGetMs)),
    blobPut: median(of((r) => r.blobPutMs)),
  };
}

/** Envelopes signed end to end before anything is measured, half in order and half in parallel (runAgainst). */
const WARM_UP_ENVELOPES = 20;

async function runAgainst(server: ServerChild, sink: MailSink, options: HttpBenchOptions, result: HttpBenchResult, pdf: Buffer, databaseUrl?: string): Promise<void> {
  const { envelopes: n, concurrency, log } = options;
  const { url, apiKey } = server.ready;
  const deliver = async (label: string) => {
    const d = await server.call<DeliverResult>({ cmd: 'deliver' }, 120_000);
    result.deliveries.push({ label, ...d });
    log(`  HTTP ${options.database}: ${label}: ${d.delivered} outbox items delivered in ${ms(d.ms)} ms (${d.failed} failed)`);
  };
  const tokensFor = (signer: number, ids: string[]) => {
    const links = sink.links(SIGNERS[signer - 1].email);
    return ids.map((id) => links.get(id)).filter((t): t is string => !!t);
  };

  // Warm-up, not counted (JIT, first blob dir, prepared statements): envelopes end to end, half of them with their
  // signers in order and half in parallel, so every kind of sign request measured below has run 10 times. With three
  // envelopes (6 sign requests) the one-at-a-time phases measured a server still compiling its sign path: on the
  // same code, the ordinary request's p50 was ~1 ms above that of a server that had signed 10 times more (issue 11).
  const warm = await Promise.all(
    Array.from({ length: WARM_UP_ENVELOPES }, (_, i) => createEnvelope(url, apiKey, pdf, `Warm-up ${i + 1}`, SIGNERS, i % 2 === 1)),
  );
  for (const signer of [1, 2]) {
    await deliver('warm-up mails');
    for (const token of tokensFor(signer, warm)) await signAs(token, url);
  }
  await deliver('warm-up mails');
  result.deliveries = [];

  log(`  HTTP ${options.database}: ${n} envelopes created+sent by ${concurrency} clients …`);
  await server.call({ cmd: 'stats-reset' });
  const ids: string[] = [];
  const createLatency: number[] = [];
  const t1 = performance.now();
  const created = await runPool(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    t1 + options.phaseCapMs,
    async (i) => {
      const { value, ms: took } = await timed(() => createEnvelope(url, apiKey, pdf, `Besluit ${i + 1}`));
      createLatency.push(took);
      ids.push(value);
    },
  );
  const wall1 = performance.now() - t1;
  const s1 = await server.call<ServerStats>({ cmd: 'stats' });
  result.phases.push({
    name: 'create+send (POST /api/v1/envelopes, multipart, send:true)',
    clients: concurrency,
    attempted: n - created.skipped,
    ok: ids.length,
    errors: created.errors.slice(0, 5),
    wallMs: wall1,
    perSecond: ids.length / (wall1 / 1000),
    latency: summarize(createLatency),
    cpuShare: s1.cpuMs / s1.wallMs,
  });

  const parallelIds: string[] = [];
  await runPool(Array.from({ length: options.sequential }, (_, i) => i), concurrency, Infinity, async (i) => {
    parallelIds.push(await createEnvelope(url, apiKey, pdf, `Besluit parallel ${i + 1}`, SIGNERS, true));
  });

  const concurrentPost: number[] = [];
  let concurrentSignatures = 0;
  let concurrentWall = 0;
  const signPhase = async (name: string, scenario: SignScenario, signer: number, mode: 'sequential' | 'concurrent', batch: string[], clients: number) => {
    log(`  HTTP ${options.database}: ${name}, ${batch.length} signatures …`);
    // One at a time is the idle-machine figure: the disk first writes back what the phases before left dirty
    // (~50 envelopes of blobs and WAL), or every fsync of the first requests waits behind that writeback.
    if (mode === 'sequential') await settleDisk(databaseUrl);
    await server.call({ cmd: 'stats-reset', attribution: mode === 'sequential' ? 'one-at-a-time' : 'async-context' });
    const post: number[] = [];
    const get: number[] = [];
    const t0 = performance.now();
    const p = await runPool(batch, clients, t0 + options.phaseCapMs, async (token) => {
      const r = await signAs(token, url);
      get.push(r.get);
      post.push(r.post);
    });
    const wall = performance.now() - t0;
    const stats = await server.call<ServerStats>({ cmd: 'stats' });
    if (mode === 'concurrent') {
      concurrentSignatures += post.length;
      concurrentWall += wall;
      concurrentPost.push(...post);
    }
    result.phases.push({
      name,
      signer,
      scenario,
      mode,
      clients,
      attempted: batch.length - p.skipped,
      ok: post.length,
      errors: p.errors.slice(0, 5),
      wallMs: wall,
      perSecond: post.length / (wall / 1000),
      latency: summarize(post),
      page: summarize(get),
      cpuShare: stats.cpuMs / stats.wallMs,
      sign: signCost(stats.requests),
    });
    if (p.skipped) log(`  HTTP ${options.database}: ${name} hit the ${options.phaseCapMs / 1000} s cap, ${p.skipped} not signed`);
  };

  await deliver('mails before signer 1');
  await signPhase('sign, 1st of 2 parallel signers (ordinary), one at a time', 'ordinary', 1, 'sequential', tokensFor(1, parallelIds), 1);
  for (const signer of [1, 2]) {
    if (signer === 2) await deliver('mails before signer 2');
    const tokens = tokensFor(signer, ids);
    if (tokens.length < ids.length) log(`  HTTP ${options.database}: only ${tokens.length}/${ids.length} links for signer ${signer}`);
    const split = Math.min(options.sequential, tokens.length);
    const scenario: SignScenario = signer === 1 ? 'next' : 'last';
    const what = signer === 1 ? 'signer 1 of 2 in order (mails signer 2)' : 'signer 2 of 2 (completes)';
    await signPhase(`sign, ${what}, one at a time`, scenario, signer, 'sequential', tokens.slice(0, split), 1);
    if (tokens.length > split) await signPhase(`sign, ${what}, ${concurrency} clients`, scenario, signer, 'concurrent', tokens.slice(split), concurrency);
  }
  result.signing = { signatures: concurrentSignatures, wallMs: concurrentWall, perSecond: concurrentSignatures / (concurrentWall / 1000), latency: summarize(concurrentPost) };
  await deliver('mails after signer 2 (completion)');

  log(`  HTTP ${options.database}: verifying …`);
  const root = new X509Certificate(server.ready.rootPem);
  let completed = 0;
  const problems: string[] = [];
  const documentOf = new Map<string, string>();
  await runPool(ids, concurrency, performance.now() + 60_000, async (id) => {
    const { status, documentId } = await envelopeStatus(url, apiKey, id);
    if (status === 'completed') completed += 1;
    else if (problems.length < 5) problems.push(`${id}: ${status}`);
    documentOf.set(id, documentId);
  });
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / options.verifySample)) === 0).slice(0, options.verifySample);
  let sampleVerified = 0;
  for (const id of sample) {
    const report = await verifyPdf(await downloadDocument(url, apiKey, id, documentOf.get(id)!), { trustAnchors: [root] });
    // Two signatures, and the completion's document timestamp (B-LTA) after them.
    const signatures = report.signatures.filter((s) => s.subFilter !== 'ETSI.RFC3161').length;
    if (signatures === 2 && report.valid) sampleVerified += 1;
    else problems.push(`${id}: verifyPdf ${report.verdict}, ${signatures} signature(s) of ${report.signatures.length}`);
  }
  result.verification = { completed, of: ids.length, sampled: sample.length, sampleVerified, problems };
  if (databaseUrl && server.ready.blobStore === 'db') result.storage = await storedBytes(databaseUrl);

  log(`  HTTP ${options.database}: engine alone (issueOneShot + signPdf) on the prepared document …`);
  const engine = await server.call<EngineResult>({ cmd: 'engine', envelopeId: ids[0], warmups: 10, iterations: 50, budgetMs: 8_000 }, 60_000);
  result.engine = {
    bytes: engine.bytes,
    n: engine.total.length,
    total: median(engine.total),
    issueOneShot: median(engine.issueOneShot),
    signPdf: median(engine.signPdf),
    min: Math.min(...engine.total),
    max: Math.max(...engine.total),
    verified: engine.verified,
    asWorkflow: { total: median(engine.asWorkflow.total), signPdfWithTimestamp: median(engine.asWorkflow.signPdfWithTimestamp), validationRevision: median(engine.asWorkflow.validationRevision) },
  };
  if (completed !== ids.length || sampleVerified !== sample.length || ids.length !== n) {
    result.status = 'failed';
    result.reason = `${completed}/${n} completed, ${sampleVerified}/${sample.length} sampled PDFs verified`;
  }
}

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const started = performance.now();
  const pdf = await buildDecisionPdf();
  const result: HttpBenchResult = {
    status: 'ok',
    config: {
      database: options.database,
      blobStore: 'fs',
      envelopes: options.envelopes,
      concurrency: options.concurrency,
      sequential: options.sequential,
      documentBytes: pdf.length,
      client: `node fetch (undici), keep-alive; ${options.concurrency} concurrent workers, or one for the sequential phases`,
    },
    phases: [],
    deliveries: [],
    elapsedSeconds: 0,
  };
  options.log(`  HTTP ${options.database}: starting the server (fresh dev PKI, temp DATA_DIR${options.database === 'postgres' ? ', fresh PostgreSQL database' : ', SQLite'}) …`);
  let sink: MailSink | undefined;
  let server: ServerChild | undefined;
  let database: { name: string; url: string } | undefined;
  try {
    sink = await startMailSink();
    if (options.database === 'postgres') database = await createTestDatabase();
    server = await startServerChild({ BENCH_SMTP_URL: sink.url, BENCH_BLOB_STORE: options.blobStore ?? 'fs', ...(database ? { BENCH_DATABASE_URL: database.url } : {}) });
    result.config.blobStore = server.ready.blobStore;
    await runAgainst(server, sink, options, result, pdf, database?.url);
  } catch (error) {
    result.status = 'failed';
    result.reason = (error as Error).message.split('\n')[0];
    options.log(`  HTTP ${options.database}: failed: ${(error as Error).stack}`);
    if (server) options.log(`  HTTP ${options.database}: the server's last log lines:\n${server.stderr().trim().split('\n').slice(-5).join('\n').slice(0, 3000)}`);
  } finally {
    await server?.stop().catch(() => {});
    await sink?.close();
    if (database) await dropTestDatabase(database.name).catch((error: Error) => options.log(`  HTTP: could not drop ${database!.name}: ${error.message}`));
  }
  result.elapsedSeconds = (performance.now() - started) / 1000;
  return result;
}

// ---- report ----

/** ms() for a difference that may be negative. */
const signedMs = (value: number) => (value < 0 ? `−${ms(-value)}` : ms(value));
const lat = (s: LatencySummary) => [ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
const STATEMENT_LIMIT = 12;
const OVER_ENGINE_LIMIT_MS = 10;

export interface HttpTarget {
  name: string;
  pass: boolean | null;
  detail: string;
}

/**
 * `sync`(1): every dirty page of the machine written back, then a moment for the disk to be idle. On PostgreSQL first a
 * CHECKPOINT: the pages the phases before left dirty in its shared buffers (with BLOB_STORE=db the documents too, ~20 MB
 * for the bench's envelopes) are written by PostgreSQL itself, not by `sync`, and its checkpointer would otherwise write
 * them during the requests measured.
 */
async function settleDisk(databaseUrl?: string): Promise<void> {
  if (databaseUrl) await onServer(databaseUrl, 'checkpoint');
  execFileSync('sync');
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * The issue's targets, judged on the ordinary sign request one at a time (the idle-machine figure);
 * the sign requests that mail the next signer or complete the envelope are shown beside them.
 */
export function httpTargets(r: HttpBenchResult): HttpTarget[] {
  const sequential = r.phases.filter((p) => p.mode === 'sequential' && p.sign);
  const ordinary = sequential.find((p) => p.scenario === 'ordinary');
  const db = r.config.database === 'sqlite' ? 'SQLite' : `PostgreSQL, BLOB_STORE=${r.config.blobStore}`;
  if (!ordinary || !r.engine) return [{ name: `sign request on ${db}`, pass: null, detail: r.reason ?? 'not measured' }];
  const engine = r.engine.total;
  const others = sequential.filter((p) => p !== ordinary);
  const label = (p: PhaseResult) => (p.scenario === 'next' ? 'mailing the next signer' : 'completing');
  const s = ordinary.sign!;
  return [
    {
      name: `${db}: sign request server time p50 ≤ engine + ${OVER_ENGINE_LIMIT_MS} ms (one at a time)`,
      pass: s.server.p50 <= engine + OVER_ENGINE_LIMIT_MS,
      detail:
        `${ms(s.server.p50)} ms (client ${ms(ordinary.latency.p50)}, server cpu ${ms(s.cpu)}) vs engine ${ms(engine)} ms, B-T + B-LT as signed ${ms(r.engine.asWorkflow.total)} ms; ` +
        others.map((p) => `${label(p)} ${ms(p.sign!.server.p50)} ms (cpu ${ms(p.sign!.cpu)})`).join(', '),
    },
    {
      name: `${db}: ≤ ${STATEMENT_LIMIT} SQL statements per sign request`,
      pass: s.statements.max <= STATEMENT_LIMIT,
      detail: `${s.statements.max} (BEGIN and COMMIT counted); ` + others.map((p) => `${label(p)} ${p.sign!.statements.max}`).join(', '),
    },
  ];
}

export function httpReport(r: HttpBenchResult): string[] {
  const out: string[] = [];
  const db = r.config.database === 'sqlite' ? 'SQLite (one connection, WAL, BEGIN IMMEDIATE)' : 'PostgreSQL (fresh database, pool of 10)';
  out.push(`HTTP path on ${db}, ${r.config.blobStore} blob store: ${r.config.envelopes} envelopes of one ${(r.config.documentBytes / 1024).toFixed(0)} KB decision and two signers (order 1, 2),`);
  out.push(`real server in a child process on 127.0.0.1, NODE_ENV=production, mails over SMTP to a sink in the bench process; dev PKI (ECDSA P-256 issuing CA and TSA → P-256 one-shot keys).`);
  out.push(`Clients: ${r.config.client}. ${WARM_UP_ENVELOPES} warm-up envelopes first (${2 * WARM_UP_ENVELOPES} sign requests), not counted. Client latency in ms (request sent → response read).`);
  if (r.status !== 'ok') out.push(`HTTP BENCHMARK FAILED: ${r.reason}`);
  out.push('');
  out.push(
    table(
      ['phase', 'ok', 'wall s', 'per s', 'p50', 'p90', 'p99', 'max', 'server cpu'],
      r.phases.flatMap((p) => {
        const rows = [[p.name, `${p.ok}/${p.attempted}`, (p.wallMs / 1000).toFixed(2), p.perSecond.toFixed(1), ...lat(p.latency), `${(p.cpuShare * 100).toFixed(0)}% of a core`]];
        if (p.page) rows.push(['  └ GET page before it', '', '', '', ...lat(p.page), '']);
        return rows;
      }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const p of r.phases) if (p.errors.length) out.push(`  errors in "${p.name}": ${p.errors.join(' | ')}`);
  out.push('');
  const signPhases = r.phases.filter((p) => p.sign);
  if (signPhases.length && r.engine) {
    const e = r.engine;
    out.push(`Per sign request (POST /s/:token/sign) inside the server: time from the request to its last byte, statements sent on its behalf (knex 'query' events, BEGIN and COMMIT included),`);
    out.push(`beside the engine alone on the same prepared PDF: issueOneShot + signPdf = ${ms(e.total)} ms median of ${e.n} (issueOneShot ${ms(e.issueOneShot)} + signPdf ${ms(e.signPdf)}; verified ${e.verified}) — the issue's`);
    out.push(`"engine time" (B-B). The signature as the request makes it, B-T with the server's TSA (built-in, in-process) and the B-LT revision (our CAs' OCSP answers), costs`);
    out.push(`${ms(e.asWorkflow.total)} ms (signPdf with timestamp ${ms(e.asWorkflow.signPdfWithTimestamp)}, B-LT revision ${ms(e.asWorkflow.validationRevision)}): "− B-LT engine" below. ms; medians unless said.`);
    out.push(
      table(
        ['phase', 'n', 'server p50', 'server p99', 'p50 − engine', '− B-LT engine', 'server cpu', 'client p50', 'client p99', 'statements', 'tx', 'in tx', 'pool wait p50/p99', 'issueOneShot', 'blob get', 'blob put'],
        signPhases.map((p) => {
          const s = p.sign!;
          return [
            p.name.replace(/^sign, /, '').replace(' (mails signer 2)', '').replace(' (ordinary)', ''),
            String(s.n),
            ms(s.server.p50),
            ms(s.server.p99),
            signedMs(s.server.p50 - e.total),
            signedMs(s.server.p50 - e.asWorkflow.total),
            p.mode === 'sequential' ? ms(s.cpu) : '–',
            ms(p.latency.p50),
            ms(p.latency.p99),
            s.statements.min === s.statements.max ? String(s.statements.max) : `${s.statements.min}–${s.statements.max}`,
            String(s.transactions),
            ms(s.txMs),
            `${ms(s.poolWait.p50)}/${ms(s.poolWait.p99)}`,
            ms(s.issueOneShot),
            ms(s.blobGet),
            ms(s.blobPut),
          ];
        }),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    out.push('(server cpu = CPU of the server process over the request, all threads, shown where requests ran one at a time: what the request itself cost, however busy the machine;');
    out.push(' tx = transactions per request; in tx = BEGIN sent → connection released, summed; pool wait = waiting for a pooled connection, summed.)');
    for (const p of signPhases.filter((q) => q.mode === 'sequential')) {
      out.push(`Statements of one sign request, ${p.name.replace(/^sign, /, '')}: ${p.sign!.exampleSql.map((sql) => sql.replace(/^(\w+( \w+)?).*?\b(from|into|update)\s+"?(\w+)"?.*$/i, '$1 $4').slice(0, 40)).join('; ')}`);
    }
    if (r.signing) out.push(`Concurrent phases together: ${r.signing.signatures} signatures, ${r.signing.perSecond.toFixed(1)} per second (page GET + sign POST each, mail delivery excluded); sign POST p50 / p99 ${ms(r.signing.latency.p50)} / ${ms(r.signing.latency.p99)} ms.`);
    out.push('');
  }
  if (r.verification) {
    const v = r.verification;
    out.push(`Verification: ${v.completed}/${v.of} envelopes completed; ${v.sampleVerified}/${v.sampled} sampled final PDFs valid with 2 signatures (verifyPdf, dev root).${v.problems.length ? ` Problems: ${v.problems.join('; ')}` : ''}`);
  }
  if (r.storage) {
    const { revisions, whole, held } = r.storage;
    out.push(`Documents in the database: ${revisions} revisions, ${(whole / 1e6).toFixed(1)} MB as whole copies (what the s3 store keeps), held in ${(held / 1e6).toFixed(1)} MB of chunks (${((100 * held) / whole).toFixed(0)} %, before PostgreSQL's compression).`);
  }
  out.push(`Mail delivery (outbox runOnce until empty, SMTP to the sink): ${r.deliveries.map((d) => `${d.label} ${d.delivered} in ${ms(d.ms)} ms`).join('; ')}.`);
  out.push(`HTTP section (${r.config.database}) time ${r.elapsedSeconds.toFixed(1)} s.`);
  return out;
}
