/**
 * `npm run bench -- --soak [minutes]` (default 10): steady signing load against one instance (the
 * bench server on SQLite, NODE_ENV=production, background jobs on: the outbox delivers over SMTP to
 * the sink here), sampling the server process's memory every 10 s — RSS from /proc/<pid>/status,
 * process_resident_memory_bytes and nodejs_heap_size_used_bytes from /metrics (prom-client), and
 * then, after a forced full GC (the bench server runs with --expose-gc and answers a `gc` command,
 * bench-only), the heap used and the memory outside the heap (Buffers) that are really retained.
 *
 * Load: C clients, each in a loop: create+send an envelope of one ~100 KB decision and one signer,
 * wait for its link, open the page, sign (which completes the envelope: B-LTA, completion mails).
 * Summary: start, min, max and end of each series, the slope after a warm-up (least squares,
 * MB/min) and the growth of its floor: the lowest value in the second half after warm-up against
 * the lowest in the first half, per minute. Without a forced GC V8 lets the heap (and so RSS) grow
 * for minutes before collecting it fully, so those series climb under a steady load that retains
 * nothing: they are shown, not judged. Memory is called steady when what is retained after a
 * forced GC (heap used + external) grows less than 1 MB/min after warm-up (least squares; each
 * sample is a floor) — about 4 KB a signature at this load, far below a per-signature leak.
 *
 * BENCH_SOAK_SNAPSHOTS=<dir> also writes a heap snapshot (after a GC) at the end of the warm-up
 * and at the end, to compare retained objects by constructor; writing one raises the server's
 * RSS by some 150 MB for the rest of the run.
 */
import { readFileSync } from 'node:fs';
import { mb, ms, table } from './format.ts';
import { buildDecisionPdf, createEnvelope, signAs, SIGNERS, summarize, type LatencySummary } from './http-client.ts';
import { startMailSink } from './mail-sink.ts';
import { BENCH_METRICS_TOKEN, startServerChild } from './server-child.ts';

const SAMPLE_EVERY_MS = 10_000;
const STEADY_MB_PER_MIN = 1;

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  rss: number;
  metricsRss?: number;
  heapUsed?: number;
  /** After a forced full GC in the server (its `gc` command): what is really retained. */
  gcHeapUsed?: number;
  /** Buffers and other memory outside the V8 heap (PDFs are Buffers), after the same GC. */
  gcExternal?: number;
  gcRss?: number;
  signatures: number;
}

export interface SeriesSummary {
  start: number;
  min: number;
  max: number;
  end: number;
  /** Bytes per minute after the warm-up, least squares. */
  slope: number;
  /** (lowest value in the second half after warm-up − lowest in the first half) ÷ the minutes between the halves' midpoints. */
  floorGrowth: number;
}

export interface SoakResult {
  minutes: number;
  clients: number;
  warmupSeconds: number;
  signatures: number;
  perSecond: number;
  errors: string[];
  latency: LatencySummary;
  samples: SoakSample[];
  rss: SeriesSummary;
  heapUsed?: SeriesSummary;
  /** After a forced GC: heap used, external, and their sum (what the verdict judges). */
  gcHeapUsed?: SeriesSummary;
  gcExternal?: SeriesSummary;
  retained?: SeriesSummary;
  steady: boolean;
  elapsedSeconds: number;
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function metricsOf(url: string): Promise<{ rss?: number; heapUsed?: number }> {
  const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${BENCH_METRICS_TOKEN}` }, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  const value = (name: string) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return { rss: value('process_resident_memory_bytes'), heapUsed: value('nodejs_heap_size_used_bytes') };
}

/** Least-squares slope of value over t (s), in units per minute. */
function slopePerMinute(points: { t: number; v: number }[]): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return (num / den) * 60;
}

function summarizeSeries(samples: SoakSample[], pick: (s: SoakSample) => number | undefined, warmupSeconds: number): SeriesSummary | undefined {
  const points = samples.map((s) => ({ t: s.t, v: pick(s) })).filter((p): p is { t: number; v: number } => p.v !== undefined);
  if (!points.length) return undefined;
  const values = points.map((p) => p.v);
  const after = points.filter((p) => p.t >= warmupSeconds);
  const half = Math.floor(after.length / 2);
  const [first, second] = [after.slice(0, half), after.slice(half)];
  const floor = (ps: typeof after) => Math.min(...ps.map((p) => p.v));
  const midpoint = (ps: typeof after) => (ps[0].t + ps[ps.length - 1].t) / 2;
  return {
    start: values[0],
    min: Math.min(...values),
    max: Math.max(...values),
    end: values[values.length - 1],
    slope: slopePerMinute(after),
    floorGrowth: first.length && second.length ? ((floor(second) - floor(first)) / (midpoint(second) - midpoint(first))) * 60 : NaN,
  };
}

export async function runSoak(options: { minutes: number; clients: number; log: (message: string) => void }): Promise<SoakResult> {
  const started = performance.now();
  const { minutes, clients, log } = options;
  // The first fifth of the run, at most two minutes: JIT, caches and the heap finding their size.
  const warmupSeconds = Math.min(120, (minutes * 60) / 5);
  const pdf = await buildDecisionPdf();
  const sink = await startMailSink();
  const server = await startServerChild({ BENCH_SMTP_URL: sink.url, BENCH_BACKGROUND_JOBS: '1' }, 60_000, ['--expose-gc']);
  const snapshotDir = process.env.BENCH_SOAK_SNAPSHOTS;
  const { url, apiKey, pid } = server.ready;
  const samples: SoakSample[] = [];
  const post: number[] = [];
  const errors: string[] = [];
  let signatures = 0;
  let sequence = 0;
  try {
    const t0 = performance.now();
    const deadline = t0 + minutes * 60_000;
    let snapshots = 0;
    const sample = async () => {
      const metrics = await metricsOf(url).catch(() => ({ rss: undefined, heapUsed: undefined }));
      const t = (performance.now() - t0) / 1000;
      const rss = rssOf(pid);
      const after = await server.call<NodeJS.MemoryUsage>({ cmd: 'gc' }).catch(() => undefined);
      const s: SoakSample = { t, rss, metricsRss: metrics.rss, heapUsed: metrics.heapUsed, gcHeapUsed: after?.heapUsed, gcExternal: after?.external, gcRss: after?.rss, signatures };
      samples.push(s);
      log(`  soak ${s.t.toFixed(0).padStart(4)} s: RSS ${mb(s.rss)}, heap used ${s.heapUsed !== undefined ? mb(s.heapUsed) : '?'}; after GC heap ${after ? mb(after.heapUsed) : '?'}, external ${after ? mb(after.external) : '?'}, RSS ${after ? mb(after.rss) : '?'}; ${signatures} signatures`);
      if (snapshotDir && (snapshots === 0 ? t >= warmupSeconds : false)) {
        snapshots += 1;
        log(`  heap snapshot ${await server.call<string>({ cmd: 'heap-snapshot', path: `${snapshotDir}/soak-${t.toFixed(0)}s.heapsnapshot` }, 120_000)}`);
      }
    };
    await sample();
    const sampler = setInterval(() => void sample(), SAMPLE_EVERY_MS);
    const client = async () => {
      while (performance.now() < deadline) {
        try {
          const id = await createEnvelope(url, apiKey, pdf, `Besluit ${++sequence}`, SIGNERS.slice(0, 1));
          const token = await sink.waitForLink(SIGNERS[0].email, id, 30_000);
          post.push((await signAs(token, url)).post);
          signatures += 1;
        } catch (error) {
          if (errors.length < 20) errors.push((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    clearInterval(sampler);
    await sample();
    if (snapshotDir) log(`  heap snapshot ${await server.call<string>({ cmd: 'heap-snapshot', path: `${snapshotDir}/soak-end.heapsnapshot` }, 120_000)}`);
  } finally {
    await server.stop();
    await sink.close();
  }
  const rss = summarizeSeries(samples, (s) => s.rss, warmupSeconds)!;
  const heapUsed = summarizeSeries(samples, (s) => s.heapUsed, warmupSeconds);
  const gcHeapUsed = summarizeSeries(samples, (s) => s.gcHeapUsed, warmupSeconds);
  const gcExternal = summarizeSeries(samples, (s) => s.gcExternal, warmupSeconds);
  const retained = summarizeSeries(samples, (s) => (s.gcHeapUsed === undefined || s.gcExternal === undefined ? undefined : s.gcHeapUsed + s.gcExternal), warmupSeconds);
  return {
    minutes,
    clients,
    warmupSeconds,
    signatures,
    perSecond: signatures / (minutes * 60),
    errors,
    latency: summarize(post),
    samples,
    rss,
    heapUsed,
    gcHeapUsed,
    gcExternal,
    retained,
    steady: retained !== undefined && Number.isFinite(retained.slope) && retained.slope <= STEADY_MB_PER_MIN * 1024 * 1024,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

export function soakReport(r: SoakResult): string[] {
  const out: string[] = [];
  out.push(`Soak: ${r.minutes} min of steady signing against one instance (SQLite, NODE_ENV=production, background jobs on), ${r.clients} clients each creating an envelope of one signer,`);
  out.push(`waiting for its mail and signing it: ${r.signatures} signatures, ${r.perSecond.toFixed(1)} per second; sign POST p50 / p99 ${ms(r.latency.p50)} / ${ms(r.latency.p99)} ms; ${r.errors.length} errors.`);
  out.push(`Server memory sampled every ${SAMPLE_EVERY_MS / 1000} s (${r.samples.length} samples); slope = least squares after the first ${r.warmupSeconds.toFixed(0)} s of warm-up.`);
  const perMinute = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(2)} MB/min`;
  const row = (name: string, s: SeriesSummary | undefined) =>
    s ? [name, mb(s.start), mb(s.min), mb(s.max), mb(s.end), perMinute(s.slope), perMinute(s.floorGrowth)] : [name, 'not exposed', '', '', '', '', ''];
  out.push(
    table(
      ['series', 'start', 'min', 'max', 'end', 'slope after warm-up', 'floor growth'],
      [
        row('RSS (/proc)', r.rss),
        row('heap used (/metrics)', r.heapUsed),
        row('heap used after GC', r.gcHeapUsed),
        row('external after GC', r.gcExternal),
        row('retained after GC (heap + external)', r.retained),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    r.retained
      ? `${r.steady ? 'Memory steady' : 'MEMORY NOT STEADY'}: what stays after a forced GC (heap used + external) grows ${perMinute(r.retained.slope)} after warm-up (least squares; limit ${STEADY_MB_PER_MIN} MB/min), ` +
          `${r.perSecond > 0 ? (r.retained.slope / (r.perSecond * 60) / 1024).toFixed(2) : '?'} KB a signature. RSS and heap used without a forced GC follow V8's lazy collections and are not judged.`
      : 'MEMORY NOT JUDGED: the bench server did not answer its gc command.',
  );
  // The after-GC series need no major GCs of V8's own choosing in each half, so a few minutes judge them.
  if (r.minutes < 3) out.push(`(A ${r.minutes}-minute run checks the soak works; it is too short to judge memory: run at least 3 minutes.)`);
  if (r.errors.length) out.push(`Errors (first ${Math.min(5, r.errors.length)}): ${r.errors.slice(0, 5).join(' | ')}`);
  out.push(`Soak time ${r.elapsedSeconds.toFixed(0)} s.`);
  return out;
}
