/**
 * The HTTP section of `npm run bench`: envelopes of one ~100 KB decision and two signers, created,
 * sent and signed through the API by concurrent clients against the real server on SQLite, next
 * to the engine's own time for the same document.
 *
 * The server runs in a child process (scripts/bench/http-server.ts) so the clients here do not
 * share its event loop; mail delivery, link look-up, the engine timing and the server-side
 * breakdown go over its IPC channel. The clients are plain `fetch` (undici, keep-alive) workers
 * pulling from one queue; every request has a timeout and every phase a time cap; 127.0.0.1 only.
 *
 * Phases: (1) C clients create+send N envelopes (multipart POST /api/v1/envelopes, send:true);
 * (2) deliver the mails, then C clients each open signer 1's page (GET /s/:token, scrape _csrf)
 * and POST /s/:token/sign; deliver again and do signer 2; (3) check every envelope is completed
 * and a sample of final PDFs verifies with two signatures against the dev root; (4) the engine
 * alone (issueOneShot + signPdf) on the same prepared document, in the server process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState, rgb } from 'pdf-lib';
import { verifyPdf } from '../../src/pades/index.ts';
import { max, median, ms, table } from './format.ts';
import type { Command, DeliverResult, EngineResult, ServerReady, ServerStats, SignTxTiming } from './http-server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpBenchOptions {
  envelopes: number;
  concurrency: number;
  /** Cap per phase (create+send, each signing round), ms. */
  phaseCapMs: number;
  /** How many final PDFs to download and verify. */
  verifySample: number;
  log: (message: string) => void;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PhaseResult {
  name: string;
  attempted: number;
  ok: number;
  errors: string[];
  wallMs: number;
  perSecond: number;
  latency: LatencySummary;
  /** Secondary latencies (e.g. the page GET before a sign POST). */
  extra?: Record<string, LatencySummary>;
  server?: ServerSummary;
}

export interface ServerSummary {
  cpuMs: number;
  wallMs: number;
  /** CPU ÷ wall of the server process over the phase: 1.0 = one core busy all the time. */
  cpuShare: number;
  signTx?: Record<keyof SignTxTiming, number> & { n: number; p99Tx: number };
  otherTx: { n: number; median: number; p99: number };
  acquireWait: { n: number; median: number; p99: number; max: number };
  connectionBusyShare: number;
}

export interface HttpBenchResult {
  status: 'ok' | 'failed';
  reason?: string;
  config: { envelopes: number; concurrency: number; documentBytes: number; database: 'sqlite'; blobStore: 'fs'; client: string };
  phases: PhaseResult[];
  signing?: { signatures: number; wallMs: number; perSecond: number; latency: LatencySummary };
  deliveries: (DeliverResult & { label: string })[];
  verification?: { completed: number; of: number; sampled: number; sampleVerified: number; problems: string[] };
  engine?: { bytes: number; n: number; total: number; issueOneShot: number; signPdf: number; min: number; max: number; verified: string };
  elapsedSeconds: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values: number[]): LatencySummary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: max(values),
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
  };
}

// ---- the document ----

/** A one-page-plus "besluit" with real text and an incompressible image, ~100 KB. */
export async function buildDecisionPdf(targetBytes = 100 * 1024): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Besluit van het college van burgemeester en schepenen');
  doc.setProducer('Paraaf bench');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([595, 842]);
  page.drawText('Gemeente Benchstad', { x: 72, y: 780, size: 18, font: bold });
  page.drawText('Besluit van het college van burgemeester en schepenen — zitting van 12 mei', { x: 72, y: 756, size: 11, font });
  const body = [
    'Het college,',
    'Gelet op het Decreet Lokaal Bestuur van 22 december 2017, artikelen 56 en 279;',
    'Overwegende dat de aanvraag volledig en ontvankelijk werd verklaard;',
    'Overwegende het gunstig advies van de dienst omgeving;',
    'Besluit:',
    'Artikel 1. De omgevingsvergunning wordt verleend onder de voorwaarden in bijlage.',
    'Artikel 2. Dit besluit wordt bekendgemaakt volgens de regels van het decreet.',
  ];
  body.forEach((line, i) => page.drawText(line, { x: 72, y: 720 - i * 16, size: 10, font, color: rgb(0.1, 0.1, 0.1) }));
  // Incompressible image data (a "scanned plan") brings the file to the target size.
  const width = 256;
  const height = Math.max(1, Math.floor((targetBytes - 6 * 1024) / (width * 3)));
  const image = doc.context.stream(randomBytes(width * height * 3), { Type: 'XObject', Subtype: 'Image', Width: width, Height: height, ColorSpace: 'DeviceRGB', BitsPerComponent: 8 });
  const name = page.node.newXObject('Im', doc.context.register(image));
  const drawHeight = 380;
  const drawWidth = (drawHeight * width) / height;
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(drawWidth, 0, 0, drawHeight, 72, 160), drawObject(name), popGraphicsState());
  page.drawText('Burgemeester                                   Algemeen directeur', { x: 72, y: 120, size: 10, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

// ---- the server child ----

type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;
type CommandBody = WithoutId<Command>;

interface ServerChild {
  ready: ServerReady;
  call<T>(command: CommandBody, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
  stderr(): string;
}

function startServerChild(timeoutMs: number): Promise<ServerChild> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/http-server.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
    let nextId = 1;
    const fail = (error: Error) => {
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(error);
      }
      pending.clear();
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    const startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`server did not start within ${timeoutMs / 1000} s: ${stderr.slice(-300)}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      fail(new Error(`server exited (${code ?? signal}): ${stderr.trim().split('\n').slice(-5).join(' | ').slice(0, 400)}`));
    });
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.error) p.reject(new Error(message.error));
      else p.resolve(message.result);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('READY '));
      if (!line || settled) return;
      settled = true;
      clearTimeout(startTimer);
      const ready = JSON.parse(line.slice('READY '.length)) as ServerReady;
      resolve({
        ready,
        stderr: () => stderr,
        call<T>(command: CommandBody, callTimeoutMs = 60_000): Promise<T> {
          return new Promise<T>((res, rej) => {
            const id = nextId++;
            const timer = setTimeout(() => {
              pending.delete(id);
              rej(new Error(`server command ${command.cmd} timed out after ${callTimeoutMs / 1000} s`));
            }, callTimeoutMs);
            pending.set(id, { resolve: res as (v: unknown) => void, reject: rej, timer });
            child.send({ ...command, id });
          });
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          try {
            const id = nextId++;
            child.send({ cmd: 'close', id });
          } catch {
            child.kill('SIGKILL');
          }
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}

// ---- the clients ----

/** Runs `fn` over `items` with `concurrency` workers; items not started before `deadline` are skipped. */
async function runPool<T>(items: T[], concurrency: number, deadline: number, fn: (item: T) => Promise<void>): Promise<{ errors: string[]; skipped: number }> {
  let next = 0;
  let skipped = 0;
  const errors: string[] = [];
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      if (performance.now() > deadline) {
        skipped += 1;
        continue;
      }
      try {
        await fn(items[index]);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { errors, skipped };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

const CSRF = /name="_csrf" value="([^"]+)"/;
function csrfOf(page: string): string | undefined {
  const at = page.indexOf('/sign"');
  return CSRF.exec(at >= 0 ? page.slice(at) : page)?.[1];
}

function summarizeServer(stats: ServerStats): ServerSummary {
  const sign = stats.signTx;
  const keys: (keyof SignTxTiming)[] = ['tx', 'begin', 'issueOneShot', 'blobGet', 'signPdf', 'blobPut', 'commit', 'rest', 'queries'];
  const busy = stats.hold.reduce((a, b) => a + b, 0);
  return {
    cpuMs: stats.cpuMs,
    wallMs: stats.wallMs,
    cpuShare: stats.cpuMs / stats.wallMs,
    signTx: sign.length
      ? { ...(Object.fromEntries(keys.map((k) => [k, median(sign.map((s) => s[k]))])) as Record<keyof SignTxTiming, number>), n: sign.length, p99Tx: percentile(sign.map((s) => s.tx), 99) }
      : undefined,
    otherTx: { n: stats.otherTx.length, median: median(stats.otherTx), p99: percentile(stats.otherTx, 99) },
    acquireWait: { n: stats.acquireWait.length, median: median(stats.acquireWait), p99: percentile(stats.acquireWait, 99), max: max(stats.acquireWait) },
    connectionBusyShare: busy / stats.wallMs,
  };
}

export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const started = performance.now();
  const { envelopes: n, concurrency, log } = options;
  const pdf = await buildDecisionPdf();
  const result: HttpBenchResult = {
    status: 'ok',
    config: { envelopes: n, concurrency, documentBytes: pdf.length, database: 'sqlite', blobStore: 'fs', client: `node fetch (undici), ${concurrency} concurrent workers, keep-alive` },
    phases: [],
    deliveries: [],
    elapsedSeconds: 0,
  };
  log(`  HTTP: starting the server (fresh dev PKI, SQLite, temp DATA_DIR) …`);
  let server: ServerChild | undefined;
  try {
    server = await startServerChild(60_000);
    const { url, apiKey } = server.ready;
    const root = new X509Certificate(server.ready.rootPem);
    const auth = { Authorization: `Bearer ${apiKey}` };
    const signal = () => AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const srv = server;
    const deliver = async (label: string) => {
      const d = await srv.call<DeliverResult>({ cmd: 'deliver' }, 60_000);
      result.deliveries.push({ label, ...d });
      log(`  HTTP: ${label}: ${d.delivered} outbox items delivered in ${ms(d.ms)} ms (${d.failed} failed)`);
    };

    // Warm-up: one envelope end to end is not counted (JIT, first blob dir, prepared statements).
    const createOne = async (title: string): Promise<string> => {
      const form = new FormData();
      form.append(
        'envelope',
        JSON.stringify({
          title,
          message: 'Graag tekenen.',
          recipients: [
            { name: 'An Peeters', email: 'signer1@benchstad.test', role: 'signer', order: 1, function: 'Algemeen directeur' },
            { name: 'Bart Claes', email: 'signer2@benchstad.test', role: 'signer', order: 2, function: 'Burgemeester' },
          ],
          send: true,
        }),
      );
      form.append('documents', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'besluit.pdf');
      const res = await fetch(`${url}/api/v1/envelopes`, { method: 'POST', headers: auth, body: form, signal: signal() });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`create+send answered ${res.status}: ${text.slice(0, 200)}`);
      return (JSON.parse(text) as { id: string }).id;
    };
    const signAs = async (token: string): Promise<{ get: number; post: number }> => {
      const page = await timed(async () => {
        const res = await fetch(`${url}/s/${token}`, { signal: signal() });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`GET /s/… answered ${res.status}`);
        return text;
      });
      const csrf = csrfOf(page.value);
      if (!csrf) throw new Error('no _csrf on the signer page');
      const post = await timed(async () => {
        const res = await fetch(`${url}/s/${token}/sign`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ consent: 'ja', _csrf: csrf }).toString(),
          redirect: 'manual',
          signal: signal(),
        });
        await res.arrayBuffer();
        if (res.status !== 303 || !res.headers.get('location')?.endsWith('/done')) throw new Error(`POST sign answered ${res.status} (${res.headers.get('location')})`);
      });
      return { get: page.ms, post: post.ms };
    };
    {
      const warm = await createOne('Warm-up');
      await deliver('warm-up mails');
      const t1 = (await server.call<Record<string, string>>({ cmd: 'links', email: 'signer1@benchstad.test' }))[warm];
      await signAs(t1);
      await deliver('warm-up mails');
      const t2 = (await server.call<Record<string, string>>({ cmd: 'links', email: 'signer2@benchstad.test' }))[warm];
      await signAs(t2);
      await deliver('warm-up mails');
      result.deliveries = [];
    }

    // ---- phase 1: create + send ----
    log(`  HTTP: phase 1, ${n} envelopes created+sent by ${concurrency} clients …`);
    await server.call({ cmd: 'stats-reset' });
    const ids: string[] = [];
    const createLatency: number[] = [];
    const t1 = performance.now();
    const p1 = await runPool(
      Array.from({ length: n }, (_, i) => i),
      concurrency,
      t1 + options.phaseCapMs,
      async (i) => {
        const { value, ms: took } = await timed(() => createOne(`Besluit ${i + 1}`));
        createLatency.push(took);
        ids.push(value);
      },
    );
    const wall1 = performance.now() - t1;
    const s1 = await server.call<ServerStats>({ cmd: 'stats' });
    result.phases.push({
      name: 'create+send (POST /api/v1/envelopes, multipart, send:true)',
      attempted: n - p1.skipped,
      ok: ids.length,
      errors: p1.errors.slice(0, 5),
      wallMs: wall1,
      perSecond: ids.length / (wall1 / 1000),
      latency: summarize(createLatency),
      server: summarizeServer(s1),
    });
    if (p1.skipped) log(`  HTTP: phase 1 hit its ${options.phaseCapMs / 1000} s cap, ${p1.skipped} envelopes not created`);

    // ---- phase 2: sign, signer 1 then signer 2 ----
    const allPost: number[] = [];
    let signatures = 0;
    let signWall = 0;
    for (const order of [1, 2]) {
      await deliver(`mails before signer ${order}`);
      const links = await server.call<Record<string, string>>({ cmd: 'links', email: `signer${order}@benchstad.test` });
      const tokens = ids.map((id) => links[id]).filter((t): t is string => !!t);
      if (tokens.length < ids.length) log(`  HTTP: only ${tokens.length}/${ids.length} links for signer ${order}`);
      log(`  HTTP: phase 2, signer ${order}: ${tokens.length} signatures by ${concurrency} clients …`);
      await server.call({ cmd: 'stats-reset' });
      const post: number[] = [];
      const get: number[] = [];
      const t0 = performance.now();
      const p = await runPool(tokens, concurrency, t0 + options.phaseCapMs, async (token) => {
        const r = await signAs(token);
        get.push(r.get);
        post.push(r.post);
      });
      const wall = performance.now() - t0;
      const stats = await server.call<ServerStats>({ cmd: 'stats' });
      signatures += post.length;
      signWall += wall;
      allPost.push(...post);
      result.phases.push({
        name: `sign, signer ${order} (GET /s/:token + POST /s/:token/sign)`,
        attempted: tokens.length - p.skipped,
        ok: post.length,
        errors: p.errors.slice(0, 5),
        wallMs: wall,
        perSecond: post.length / (wall / 1000),
        latency: summarize(post),
        extra: { 'GET page': summarize(get) },
        server: summarizeServer(stats),
      });
      if (p.skipped) log(`  HTTP: signer ${order} hit the ${options.phaseCapMs / 1000} s cap, ${p.skipped} not signed`);
    }
    result.signing = { signatures, wallMs: signWall, perSecond: signatures / (signWall / 1000), latency: summarize(allPost) };
    await deliver('mails after signer 2 (completion)');

    // ---- verification ----
    log(`  HTTP: verifying …`);
    let completed = 0;
    const problems: string[] = [];
    const documentOf = new Map<string, string>();
    await runPool(ids, concurrency, performance.now() + 30_000, async (id) => {
      const res = await fetch(`${url}/api/v1/envelopes/${id}`, { headers: auth, signal: signal() });
      const body = (await res.json()) as { status: string; documents: { id: string }[] };
      if (body.status === 'completed') completed += 1;
      else if (problems.length < 5) problems.push(`${id}: ${body.status}`);
      documentOf.set(id, body.documents[0].id);
    });
    const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / options.verifySample)) === 0).slice(0, options.verifySample);
    let sampleVerified = 0;
    for (const id of sample) {
      const res = await fetch(`${url}/api/v1/envelopes/${id}/documents/${documentOf.get(id)}`, { headers: auth, signal: signal() });
      const signed = Buffer.from(await res.arrayBuffer());
      const report = await verifyPdf(signed, { trustAnchors: [root] });
      if (report.signatures.length === 2 && report.valid) sampleVerified += 1;
      else problems.push(`${id}: verifyPdf ${report.verdict}, ${report.signatures.length} signature(s)`);
    }
    result.verification = { completed, of: ids.length, sampled: sample.length, sampleVerified, problems };

    // ---- the engine alone, same document ----
    log(`  HTTP: engine alone (issueOneShot + signPdf) on the prepared document …`);
    const engine = await server.call<EngineResult>({ cmd: 'engine', envelopeId: ids[0], warmups: 10, iterations: 50, budgetMs: 8_000 }, 60_000);
    result.engine = {
      bytes: engine.bytes,
      n: engine.total.length,
      total: median(engine.total),
      issueOneShot: median(engine.issueOneShot),
      signPdf: median(engine.signPdf),
      min: Math.min(...engine.total),
      max: max(engine.total),
      verified: engine.verified,
    };
    if (completed !== ids.length || sampleVerified !== sample.length || ids.length !== n) {
      result.status = 'failed';
      result.reason = `${completed}/${n} completed, ${sampleVerified}/${sample.length} sampled PDFs verified`;
    }
  } catch (error) {
    result.status = 'failed';
    result.reason = (error as Error).message.split('\n')[0];
    log(`  HTTP: failed: ${(error as Error).stack}`);
  } finally {
    await server?.stop().catch(() => {});
  }
  result.elapsedSeconds = (performance.now() - started) / 1000;
  return result;
}

// ---- report ----

const lat = (s: LatencySummary) => [ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];

export function httpReport(r: HttpBenchResult): string[] {
  const out: string[] = [];
  out.push(`HTTP path: ${r.config.envelopes} envelopes of one ${(r.config.documentBytes / 1024).toFixed(0)} KB decision and two signers (order 1, 2), real server in a child process on 127.0.0.1,`);
  out.push(`SQLite (one connection, WAL, BEGIN IMMEDIATE), fs blob store, dev PKI (ECDSA P-384 issuing CA → P-256 one-shot keys); clients: ${r.config.client}.`);
  out.push('One warm-up envelope is run end to end first and not counted. Latency in ms, measured by the client (request sent → response read).');
  if (r.status !== 'ok') out.push(`HTTP BENCHMARK FAILED: ${r.reason}`);
  out.push('');
  out.push(
    table(
      ['phase', 'ok', 'wall s', 'per s', 'p50', 'p90', 'p99', 'max', 'server cpu'],
      r.phases.flatMap((p) => {
        const rows = [[p.name, `${p.ok}/${p.attempted}`, (p.wallMs / 1000).toFixed(2), p.perSecond.toFixed(1), ...lat(p.latency), p.server ? `${(p.server.cpuShare * 100).toFixed(0)}% of a core` : '']];
        for (const [name, s] of Object.entries(p.extra ?? {})) rows.push([`  └ ${name} before it`, '', '', '', ...lat(s), '']);
        return rows;
      }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const p of r.phases) if (p.errors.length) out.push(`  errors in "${p.name}": ${p.errors.join(' | ')}`);
  out.push('');
  if (r.signing && r.engine) {
    const s = r.signing;
    out.push(
      table(
        ['', 'value'],
        [
          ['completed signatures per second (both signers, page GET + sign POST, mail delivery excluded)', s.perSecond.toFixed(1)],
          ['sign request (POST /s/:token/sign) p50 / p99 / max, ms', `${ms(s.latency.p50)} / ${ms(s.latency.p99)} / ${ms(s.latency.max)}`],
          [`engine alone on the same prepared PDF: issueOneShot + signPdf, median of ${r.engine.n}, ms`, `${ms(r.engine.total)} (issueOneShot ${ms(r.engine.issueOneShot)} + signPdf ${ms(r.engine.signPdf)}; min ${ms(r.engine.min)}, max ${ms(r.engine.max)}; verified ${r.engine.verified})`],
          ['engine share of the median sign request', `${((r.engine.total / s.latency.p50) * 100).toFixed(0)}%`],
          ['engine ceiling (1000 ÷ engine median), signatures per second on one core', (1000 / r.engine.total).toFixed(0)],
        ],
        ['l', 'l'],
      ),
    );
    out.push('');
  }
  const signPhases = r.phases.filter((p) => p.server?.signTx);
  if (signPhases.length) {
    out.push('Inside the server, per sign transaction (median ms; the SQLite connection is held from BEGIN IMMEDIATE to COMMIT, so these run one at a time):');
    out.push(
      table(
        ['phase', 'n', 'tx', 'tx p99', 'BEGIN', 'issueOneShot', 'blob get', 'signPdf', 'blob put', 'COMMIT', 'other SQL + JS', 'queries', 'pool wait p50/p99', 'conn busy'],
        signPhases.map((p) => {
          const t = p.server!.signTx!;
          const w = p.server!.acquireWait;
          return [p.name.replace(/ \(.*/, ''), String(t.n), ms(t.tx), ms(t.p99Tx), ms(t.begin), ms(t.issueOneShot), ms(t.blobGet), ms(t.signPdf), ms(t.blobPut), ms(t.commit), ms(t.rest), String(Math.round(t.queries)), `${ms(w.median)}/${ms(w.p99)}`, `${(p.server!.connectionBusyShare * 100).toFixed(0)}%`];
        }),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    out.push('(pool wait = time a query or transaction waited for the one SQLite connection; conn busy = share of the phase the connection was checked out.)');
    out.push('');
  }
  if (r.verification) {
    const v = r.verification;
    out.push(`Verification: ${v.completed}/${v.of} envelopes completed (GET /api/v1/envelopes/:id); ${v.sampleVerified}/${v.sampled} sampled final PDFs valid with 2 signatures (verifyPdf, dev root).${v.problems.length ? ` Problems: ${v.problems.join('; ')}` : ''}`);
  }
  out.push(`Mail delivery (outbox runOnce until empty, file mailer): ${r.deliveries.map((d) => `${d.label} ${d.delivered} in ${ms(d.ms)} ms`).join('; ')}.`);
  out.push(`HTTP section time ${r.elapsedSeconds.toFixed(1)} s.`);
  return out;
}
