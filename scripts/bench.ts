/**
 * `npm run bench`: signing speed and memory of Paraaf's signPdf against the usual Node signers
 * and the floor (SHA-256 over the file + one RSA operation + one copy of the output).
 *
 * Inputs are generated in a temp dir at start (random, incompressible image data). Each
 * (implementation, input) cell runs in its own child process (scripts/bench/worker.ts) so a slow
 * peer can be stopped and heaps don't leak between cells; peak RSS is measured per implementation
 * in a fresh child on the 50 MB file (scripts/bench/rss-child.ts). Results are printed and
 * written to bench-results/latest.json. Missed targets are reported, never a non-zero exit.
 *
 * Flags: --quick (fewer iterations), --keep (keep the temp dir with the inputs),
 * --gc-each-run (force a full GC before every timed run: a colder JS signer, less GC noise),
 * --http-only (only the HTTP section: the engine results already in latest.json are kept),
 * --no-http (skip the HTTP section), --levels-only (only the PAdES level section),
 * --qualified-only (only the section on signers who bring their own key, scripts/bench/qualified.ts),
 * --no-cluster (the HTTP section without the multi-instance table), --cluster-only (with --http-only:
 * only the multi-instance table), --cluster-blobs=db|s3|fs (its
 * blob store, default db), --cluster-entry=dist (its instances run the production build, built first
 * when older than src/; default tsx), --soak [minutes] (only the soak, default 10 minutes, scripts/bench/soak.ts).
 *
 * Levels section (scripts/bench/levels-worker.ts): the cost of one signature at B-B, B-T (built-in TSA
 * in-process and over HTTP on loopback), B-LT (plus the /DSS revision) and B-LTA (plus the completion
 * step), with a one-shot certificate each time, on 1 MB and 10 MB, and the bytes each adds to the file.
 *
 * HTTP section (scripts/bench/http.ts): envelopes of one 100 KB decision and two signers created,
 * sent and signed through the API against the real server, on SQLite and on PostgreSQL: per sign
 * request the statements sent and the server time, one at a time and under concurrency, next to the
 * engine's own time for the document. Then the multi-instance table (scripts/bench/cluster-load.ts):
 * signatures per second and p50/p99 for 1, 2 and 3 instances on PostgreSQL and one on SQLite.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesLabel, max, mb, median, min, ms, ratio, table } from './bench/format.ts';
import { IMPLS, TIMED_IMPLS, type ImplId } from './bench/impls.ts';
import { clusterReport, runClusterTable, type LoadResult } from './bench/cluster-load.ts';
import { buildDecisionPdf } from './bench/http-client.ts';
import { httpReport, httpTargets, runHttpBench, type HttpBenchResult } from './bench/http.ts';
import { runSoak, soakReport } from './bench/soak.ts';
import { generateInputs, generateKeys, makeTempDir, MB, type BenchInput, type BenchKeys } from './bench/inputs.ts';
import type { RssResult } from './bench/rss-child.ts';
import type { CellPlan, ChainResult, TimeResult } from './bench/worker.ts';
import { LEVEL_ROWS, type LevelPlan, type LevelRow, type LevelsResult } from './bench/levels-worker.ts';
import { qualifiedCells, qualifiedReport, type QualifiedCell } from './bench/qualified.ts';
import type { QualifiedResult } from './bench/qualified-worker.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const keep = process.argv.includes('--keep');
const gcEachRun = process.argv.includes('--gc-each-run');
const httpOnly = process.argv.includes('--http-only');
const noHttp = process.argv.includes('--no-http');
const levelsOnly = process.argv.includes('--levels-only');
const qualifiedOnly = process.argv.includes('--qualified-only');
const noCluster = process.argv.includes('--no-cluster');
const clusterOnly = process.argv.includes('--cluster-only');
const clusterEntry = process.argv.includes('--cluster-entry=dist') ? 'dist' : 'tsx';
const clusterBlobs = (process.argv.find((a) => a.startsWith('--cluster-blobs='))?.split('=')[1] ?? 'db') as 'db' | 's3' | 'fs';
const soakAt = process.argv.indexOf('--soak');
const soakMinutes = soakAt >= 0 ? Number(/^\d+(\.\d+)?$/.test(process.argv[soakAt + 1] ?? '') ? process.argv[soakAt + 1] : 10) : undefined;
const TOO_SLOW_MS = 60_000;

function planFor(bytes: number): CellPlan {
  const base =
    bytes <= 2 * MB
      ? { warmups: 20, iterations: 25, minIterations: 5, budgetMs: 20_000 }
      : bytes <= 20 * MB
        ? { warmups: 5, iterations: 11, minIterations: 3, budgetMs: 30_000 }
        : { warmups: 2, iterations: 7, minIterations: 3, budgetMs: 45_000 };
  const common = { tooSlowMs: TOO_SLOW_MS, gcEachRun };
  if (quick) return { ...base, ...common, warmups: 2, iterations: Math.min(base.iterations, 3), minIterations: 1 };
  return { ...base, ...common };
}

interface ChildOutcome<T> {
  result?: T;
  /** Set when the child did not answer: killed for slowness, crashed, or bad output. */
  error?: string;
  tooSlow?: boolean;
}

/**
 * Runs a TypeScript child under tsx. A watchdog kills it if it stays silent for longer than
 * `silenceMs` (workers print a line after every run), or runs longer than `totalMs` overall.
 */
function runChild<T>(script: string, args: string[], silenceMs: number, totalMs: number, exposeGc = true): Promise<ChildOutcome<T>> {
  return new Promise((resolve) => {
    const nodeArgs = [...(exposeGc ? ['--expose-gc'] : []), '--import', 'tsx', join(ROOT, script), ...args];
    const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killedFor: string | undefined;
    const kill = (why: string) => {
      killedFor = why;
      child.kill('SIGKILL');
    };
    let silence = setTimeout(() => kill(`no answer within ${silenceMs / 1000} s`), silenceMs);
    const total = setTimeout(() => kill(`still running after ${totalMs / 1000} s`), totalMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      clearTimeout(silence);
      silence = setTimeout(() => kill(`no answer within ${silenceMs / 1000} s`), silenceMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => {
      clearTimeout(silence);
      clearTimeout(total);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve({ result: JSON.parse(line.slice('RESULT '.length)) as T });
      if (killedFor) return resolve({ error: `killed: ${killedFor}`, tooSlow: true });
      const lines = stderr.trim().split('\n').filter(Boolean);
      const lastError = (lines.find((l) => /Error\b/.test(l)) ?? lines[lines.length - 1] ?? '').trim().slice(0, 200);
      resolve({ error: `exit ${code ?? signal}: ${lastError || 'no output'}` });
    });
  });
}

interface Cell {
  input: string;
  impl: ImplId;
  status: 'ok' | 'too-slow' | 'failed';
  reason?: string;
  samples: number[];
  warmupMs: number[];
  /** Median minor page faults per timed run. */
  faults: number;
  /** Median CPU ms per timed run (user + system, all threads). */
  cpu: number;
  median: number;
  min: number;
  max: number;
  mbPerSec: number;
  outputBytes?: number;
  verified?: string;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function timeCells(inputs: BenchInput[], keysJson: string): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const input of inputs) {
    const plan = planFor(input.bytes);
    for (const impl of TIMED_IMPLS) {
      const outcome = await runChild<TimeResult>(
        'scripts/bench/worker.ts',
        ['time', impl, input.path, keysJson, JSON.stringify(plan)],
        TOO_SLOW_MS + 5_000,
        5 * 60_000,
      );
      const r: TimeResult = outcome.result ?? {
        status: outcome.tooSlow ? 'too-slow' : 'failed',
        reason: outcome.error,
        samples: [],
        warmupMs: [],
        faults: [],
        cpu: [],
      };
      const m = median(r.samples);
      const cell: Cell = {
        input: input.id,
        impl,
        status: r.status,
        reason: r.reason,
        samples: r.samples,
        warmupMs: r.warmupMs,
        faults: median(r.faults),
        cpu: median(r.cpu),
        median: m,
        min: min(r.samples),
        max: max(r.samples),
        mbPerSec: input.bytes / MB / (m / 1000),
        outputBytes: r.outputBytes,
        verified: r.verified,
      };
      cells.push(cell);
      log(`  ${input.label.padEnd(12)} ${impl.padEnd(8)} ${r.status === 'ok' ? `${ms(m)} ms (n=${r.samples.length})` : `${r.status}: ${r.reason}`}`);
    }
  }
  return cells;
}

interface ChainCell {
  input: string;
  status: 'ok' | 'failed';
  reason?: string;
  medians: number[];
  mins: number[];
  maxs: number[];
  faults: number[];
  cpu: number[];
  floorMedians: number[];
  floorFaults: number[];
  floorCpu: number[];
  n: number;
  verified?: string;
  outputBytes?: number[];
}

async function chainCells(inputs: BenchInput[], keysJson: string): Promise<ChainCell[]> {
  const out: ChainCell[] = [];
  for (const input of inputs.filter((i) => i.id === '1m' || i.id === '10m')) {
    const plan = planFor(input.bytes);
    const outcome = await runChild<ChainResult>(
      'scripts/bench/worker.ts',
      ['chain', input.path, keysJson, JSON.stringify(plan)],
      TOO_SLOW_MS + 5_000,
      5 * 60_000,
    );
    const none = (): number[][] => [[], [], []];
    const r: ChainResult = outcome.result ?? { status: 'failed', reason: outcome.error, samples: none(), faults: none(), cpu: none(), floorSamples: none(), floorFaults: none(), floorCpu: none() };
    out.push({
      input: input.id,
      status: r.status,
      reason: r.reason,
      medians: r.samples.map(median),
      mins: r.samples.map(min),
      maxs: r.samples.map(max),
      faults: r.faults.map(median),
      cpu: r.cpu.map(median),
      floorMedians: r.floorSamples.map(median),
      floorFaults: r.floorFaults.map(median),
      floorCpu: r.floorCpu.map(median),
      n: r.samples[0].length,
      verified: r.verified,
      outputBytes: r.outputBytes,
    });
    log(
      `  chain ${input.label.padEnd(8)} ${r.status === 'ok' ? `ours ${r.samples.map((s) => ms(median(s))).join(' / ')} ms, floor ${r.floorSamples.map((s) => ms(median(s))).join(' / ')} ms` : `failed: ${r.reason}`}`,
    );
  }
  return out;
}

interface RssCell {
  impl: ImplId;
  status: 'ok' | 'failed';
  reason?: string;
  maxRss?: number;
  rssBeforeRead?: number;
  ms?: number;
}

async function rssCells(input: BenchInput, keysJson: string): Promise<RssCell[]> {
  const out: RssCell[] = [];
  for (const impl of ['read', 'floor', 'ours', 'signpdf', 'libpdf'] as ImplId[]) {
    const outcome = await runChild<RssResult>('scripts/bench/rss-child.ts', [impl, input.path, keysJson], 2 * TOO_SLOW_MS, 2 * TOO_SLOW_MS, false);
    const r = outcome.result;
    const cell: RssCell = r
      ? { impl, status: r.status, reason: r.reason, maxRss: r.maxRss, rssBeforeRead: r.rssBeforeRead, ms: r.ms }
      : { impl, status: 'failed', reason: outcome.error };
    out.push(cell);
    log(`  rss ${impl.padEnd(8)} ${cell.maxRss !== undefined ? mb(cell.maxRss) : `failed: ${cell.reason}`}`);
  }
  return out;
}

interface LevelCell {
  input: BenchInput;
  result: LevelsResult;
}

async function levelCells(inputs: BenchInput[]): Promise<LevelCell[]> {
  const out: LevelCell[] = [];
  for (const input of inputs.filter((i) => i.id === '1m' || i.id === '10m')) {
    const plan: LevelPlan = quick ? { warmups: 1, iterations: 3 } : input.bytes <= 2 * MB ? { warmups: 5, iterations: 15 } : { warmups: 2, iterations: 7 };
    const outcome = await runChild<LevelsResult>('scripts/bench/levels-worker.ts', [input.path, JSON.stringify(plan)], TOO_SLOW_MS + 5_000, 10 * 60_000, false);
    const result = outcome.result ?? { status: 'failed', reason: outcome.error, samples: {}, growth: {}, verified: {} };
    log(`  ${input.label.padEnd(12)} levels ${result.status === 'ok' ? 'done' : `failed: ${result.reason}`}`);
    out.push({ input, result });
  }
  return out;
}

const LEVEL_LABEL: Record<LevelRow, string> = {
  floor: 'floor (sha256 + one P-256 signature)',
  'B-B': 'B-B: one-shot certificate + signPdf',
  'B-T': 'B-T: + built-in TSA, in-process',
  'B-T-http': 'B-T: + built-in TSA over HTTP (loopback)',
  'B-LT': 'B-LT: B-T + /DSS revision (OCSP of our CAs)',
  'B-LTA': 'B-LTA: B-LT + document timestamp + its /DSS',
};

function levelsReport(cells: LevelCell[]): string[] {
  const out = ['Cost of one signature per PAdES level (ms, median over n; × B-B = median ÷ B-B median; growth = bytes added to the file; verified = our verifier on the output)'];
  const rows: string[][] = [];
  for (const { input, result } of cells) {
    if (result.status !== 'ok') {
      rows.push([input.label, `failed: ${result.reason}`, '', '', '', '', '', '']);
      continue;
    }
    const bb = median(result.samples['B-B'] ?? []);
    LEVEL_ROWS.forEach((row, index) => {
      const samples = result.samples[row] ?? [];
      const m = median(samples);
      rows.push([
        index === 0 ? input.label : '',
        LEVEL_LABEL[row],
        ms(m),
        `${ms(min(samples))}–${ms(max(samples))}`,
        String(samples.length),
        row === 'floor' ? '' : ratio(m / bb),
        result.growth[row] !== undefined ? `${result.growth[row]!.toLocaleString('en')} B` : '',
        result.verified[row] ?? 'n/a',
      ]);
    });
  }
  out.push(table(['input', 'level', 'median', 'spread', 'n', '× B-B', 'growth', 'verified'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l']));
  return out;
}

async function levelsOnlyMain(): Promise<void> {
  const dir = makeTempDir();
  log(`Generating inputs in ${dir} …`);
  const inputs = await generateInputs(dir);
  log('PAdES levels …');
  const cells = await levelCells(inputs);
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write([`Paraaf signing benchmark: levels only; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`, ...levelsReport(cells)].join('\n') + '\n');
}

function runQualified(inputs: BenchInput[]): Promise<QualifiedCell[]> {
  return qualifiedCells(inputs, quick, (script, args) => runChild<QualifiedResult>(script, args, TOO_SLOW_MS + 5_000, 10 * 60_000, false), log);
}

async function qualifiedOnlyMain(): Promise<void> {
  const dir = makeTempDir();
  log(`Generating inputs in ${dir} …`);
  const cells = await runQualified(await generateInputs(dir));
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write([`Paraaf signing benchmark: qualified only; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`, ...qualifiedReport(cells)].join('\n') + '\n');
}

function statusText(cell: Cell | undefined): string | undefined {
  if (!cell) return 'not run';
  if (cell.status === 'too-slow') return `skipped: too slow (${cell.reason})`;
  if (cell.status === 'failed') return `failed: ${cell.reason}`;
  return undefined;
}

interface HttpSection {
  runs: HttpBenchResult[];
  cluster?: LoadResult[];
}

async function runHttp(): Promise<HttpSection> {
  if (!clusterOnly) log('HTTP path (server in a child process: SQLite, then PostgreSQL with the documents in files and in the database) …');
  const runs: HttpBenchResult[] = [];
  // PostgreSQL twice: with a DATA_DIR (one host), and with BLOB_STORE=db, the store several instances share (issue 11).
  const setups = [{ database: 'sqlite' }, { database: 'postgres', blobStore: 'fs' }, { database: 'postgres', blobStore: 'db' }] as const;
  for (const setup of clusterOnly ? [] : setups) {
    runs.push(await runHttpBench({ ...setup, envelopes: quick ? 40 : 100, concurrency: 8, sequential: quick ? 10 : 30, phaseCapMs: 30_000, verifySample: 3, log }));
  }
  if (noCluster) return { runs };
  log(`Multi-instance throughput (BLOB_STORE=${clusterBlobs} on PostgreSQL, ${clusterEntry}) …`);
  // The production build, made when older than src/ (the build tests' helper; loaded only here).
  if (clusterEntry === 'dist') await (await import('../test/helpers/production-build.ts')).builtEntry();
  const cluster = await runClusterTable({ counts: [1, 2, 3], blobStore: clusterBlobs, entry: clusterEntry, envelopes: quick ? 30 : 100, concurrency: 8, linkTimeoutMs: 60_000, pdf: await buildDecisionPdf(), log });
  return { runs, cluster };
}

function httpSectionReport(section: HttpSection): string[] {
  const out: string[] = [];
  for (const run of section.runs) out.push(...httpReport(run), '');
  if (section.cluster) out.push(...clusterReport(section.cluster, cpus().length, clusterEntry), '');
  if (!section.runs.length) return out;
  out.push('HTTP targets (issue 11; judged on the ordinary sign request — a signer in parallel, neither the last nor mailing the next — one at a time; the others beside it)');
  out.push(table(['', 'target', 'measured'], section.runs.flatMap(httpTargets).map((t) => [t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL', t.name, t.detail]), ['l', 'l', 'l']));
  return out;
}

function benchEnv() {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory: mb(totalmem()),
    loadAverageAtStart: loadavg().map((l) => l.toFixed(2)).join(' '),
    quick,
    date: new Date().toISOString(),
  };
}

/** Puts `key` into latest.json, keeping the other sections' results. */
function writeSection(key: string, value: unknown): string {
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, 'latest.json');
  let previous: Record<string, unknown> = {};
  if (existsSync(jsonPath)) {
    try {
      previous = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
    } catch {
      previous = {};
    }
  }
  writeFileSync(jsonPath, JSON.stringify({ ...previous, [key]: value }, null, 2) + '\n');
  return jsonPath.slice(ROOT.length + 1);
}

const loadNow = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** `--http-only`: runs the HTTP section and puts it into latest.json next to the engine results already there. */
async function httpOnlyMain(): Promise<void> {
  const started = performance.now();
  const env = benchEnv();
  const http = await runHttp();
  const out: string[] = [];
  out.push('Paraaf HTTP benchmark (--http-only)');
  out.push(`node ${env.node} on ${env.platform}, ${env.cpu} × ${env.cores}, ${env.memory} RAM, load average at start ${env.loadAverageAtStart}${quick ? ' (--quick)' : ''}`);
  out.push('');
  out.push(...httpSectionReport(http));
  const elapsed = (performance.now() - started) / 1000;
  const path = writeSection('http', { env, ...http, targets: http.runs.flatMap(httpTargets), elapsedSeconds: elapsed });
  out.push('');
  out.push(`Total bench time ${elapsed.toFixed(0)} s; load average at end ${loadNow()}.`);
  out.push(`HTTP results written to ${path} (key "http"; other results in the file left as they were).`);
  process.stdout.write(out.join('\n') + '\n');
}

/** `--soak [minutes]`: only the soak, written to latest.json under "soak". */
async function soakMain(minutes: number): Promise<void> {
  const env = benchEnv();
  log(`Soak, ${minutes} min …`);
  const soak = await runSoak({ minutes, clients: 12, log });
  const path = writeSection('soak', { env, ...soak });
  const out = ['Paraaf soak benchmark (--soak)', `node ${env.node} on ${env.platform}, ${env.cpu} × ${env.cores}, load average at start ${env.loadAverageAtStart}, at end ${loadNow()}`, '', ...soakReport(soak), `Soak results written to ${path} (key "soak").`];
  process.stdout.write(out.join('\n') + '\n');
}

async function main(): Promise<void> {
  if (soakMinutes !== undefined) return soakMain(soakMinutes);
  if (httpOnly) return httpOnlyMain();
  if (levelsOnly) return levelsOnlyMain();
  if (qualifiedOnly) return qualifiedOnlyMain();
  const started = performance.now();
  const dir = makeTempDir();
  log(`Generating inputs in ${dir} …`);
  const keys: BenchKeys = generateKeys(dir);
  const inputs = await generateInputs(dir);
  const keysJson = JSON.stringify(keys);
  const env = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory: mb(totalmem()),
    loadAverageAtStart: loadavg().map((l) => l.toFixed(2)).join(' '),
    quick,
    gcEachRun,
    date: new Date().toISOString(),
  };

  log('Timing (one child process per cell) …');
  const cells = await timeCells(inputs, keysJson);
  log('Chained signatures …');
  const chains = await chainCells(inputs, keysJson);
  log('Peak RSS on 50 MB …');
  const big = inputs.find((i) => i.id === '50m')!;
  const rss = await rssCells(big, keysJson);
  log('PAdES levels …');
  const levels = await levelCells(inputs);
  log('Signers with their own key …');
  const qualified = await runQualified(inputs);
  const http = noHttp ? undefined : await runHttp();

  const get = (input: string, impl: ImplId) => cells.find((c) => c.input === input && c.impl === impl);
  const ok = (cell: Cell | undefined) => (cell && cell.status === 'ok' ? cell : undefined);

  // ---- Report ----
  const out: string[] = [];
  out.push('Paraaf signing benchmark');
  out.push(`node ${env.node} on ${env.platform}, ${env.cpu} × ${env.cores}, ${env.memory} RAM, load average at start ${env.loadAverageAtStart}${quick ? ' (--quick)' : ''}`);
  const busy = Math.max(...loadavg().slice(0, 1), Number(env.loadAverageAtStart.split(' ')[0])) > env.cores * 0.75;
  if (busy) out.push(`WARNING: the machine was busy (load average above ${(env.cores * 0.75).toFixed(1)} for ${env.cores} cores): wall times are noisy; compare the cpu columns too.`);
  out.push('All signers: invisible signature, same RSA-2048 key and self-signed certificate, SHA-256, no timestamp.');
  out.push('Timed: input Buffer → signed Buffer, key loaded beforehand (for @signpdf the P12 is parsed inside sign(), as its API does).');
  out.push(
    `Each cell runs in its own process; warm-up runs not counted; ${gcEachRun ? 'a full GC is forced before every timed run (--gc-each-run)' : 'one forced GC after warm-up, none between timed runs (GC cost amortised, as in a running service)'}.`,
  );
  out.push('');
  out.push('Inputs (random RGB image data, uncompressed):');
  out.push(
    table(
      ['input', 'size', 'pages', 'xref'],
      inputs.map((i) => [i.label, `${i.bytes.toLocaleString('en')} B`, String(i.pages), i.objectStreams ? 'xref stream + object streams' : 'classic table']),
      ['l', 'r', 'r', 'l'],
    ),
  );
  out.push('');
  out.push('Signing time per input (ms; spread = min–max over n runs; × floor = median ÷ floor median; × ours = median ÷ our median, >1 = slower than ours;');
  out.push('cpu = median CPU time per run, user + system over all threads, less disturbed by other load than wall time;');
  out.push('faults = median minor page faults per run, i.e. 4 KB pages of fresh memory touched — mostly the output buffer when the allocator cannot reuse a freed one)');
  const rows: string[][] = [];
  for (const input of inputs) {
    const floor = ok(get(input.id, 'floor'));
    const ours = ok(get(input.id, 'ours'));
    TIMED_IMPLS.forEach((impl, index) => {
      const cell = get(input.id, impl);
      const label = index === 0 ? input.label : '';
      const problem = statusText(cell);
      if (problem || !cell) {
        rows.push([label, IMPLS[impl].label, problem ?? '', '', '', '', '', '', '', '', '', '']);
        return;
      }
      rows.push([
        label,
        IMPLS[impl].label,
        ms(cell.median),
        `${ms(cell.min)}–${ms(cell.max)}`,
        cell.mbPerSec.toFixed(0),
        String(cell.samples.length),
        floor ? ratio(cell.median / floor.median) : '–',
        ours ? ratio(cell.median / ours.median) : '–',
        ms(cell.cpu),
        floor ? ratio(cell.cpu / floor.cpu) : '–',
        String(Math.round(cell.faults)),
        cell.verified ?? (impl === 'floor' ? 'n/a' : ''),
      ]);
    });
  }
  out.push(
    table(
      ['input', 'implementation', 'median', 'spread', 'MB/s', 'n', '× floor', '× ours', 'cpu', 'cpu × floor', 'faults', 'verified'],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  out.push('');
  out.push('Chained signatures (signature k signs the output of signature k−1; wall ms median over n chains (min–max), cpu = median CPU ms, f = median minor page faults)');
  out.push('The floor is chained the same way (it appends 16 KB to its own previous output), to show what fresh memory for a growing output costs by itself.');
  const chainRows: string[][] = [];
  for (const c of chains) {
    const input = inputs.find((i) => i.id === c.input)!;
    if (c.status !== 'ok') {
      chainRows.push([input.label, '', `failed: ${c.reason}`, '', '', '', '', '', '']);
      continue;
    }
    const cellText = (k: number) => `${ms(c.medians[k])} (${ms(c.mins[k])}–${ms(c.maxs[k])}) cpu ${ms(c.cpu[k])} ${Math.round(c.faults[k])}f`;
    chainRows.push([input.label, 'Paraaf signPdf', String(c.n), cellText(0), cellText(1), cellText(2), ratio(c.medians[1] / c.medians[0]), ratio(c.medians[2] / c.medians[0]), c.verified ?? '']);
    const floorText = (k: number) => `${ms(c.floorMedians[k])} cpu ${ms(c.floorCpu[k])} ${Math.round(c.floorFaults[k])}f`;
    chainRows.push(['', 'floor, chained', String(c.n), floorText(0), floorText(1), floorText(2), ratio(c.floorMedians[1] / c.floorMedians[0]), ratio(c.floorMedians[2] / c.floorMedians[0]), 'n/a']);
    const over = (k: number) => c.medians[k] - c.floorMedians[k];
    chainRows.push(['', 'signPdf − floor', '', ms(over(0)), ms(over(1)), ms(over(2)), ratio(over(1) / over(0)), ratio(over(2) / over(0)), '']);
  }
  out.push(
    table(['input', 'row', 'n', '1st', '2nd', '3rd', '2nd ÷ 1st', '3rd ÷ 1st', 'verified'], chainRows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
  );
  out.push('');
  out.push(`Peak RSS signing the ${big.label} file once, fresh process each (process.resourceUsage().maxRSS; includes node + tsx + loaded modules)`);
  const baseline = rss.find((r) => r.impl === 'read');
  out.push(
    table(
      ['implementation', 'peak RSS', 'over read-only baseline', 'RSS before reading', 'time of the run'],
      rss.map((r) => [
        r.impl === 'read' ? 'read file only (baseline)' : IMPLS[r.impl].label,
        r.maxRss !== undefined && r.status === 'ok' ? mb(r.maxRss) : `failed: ${r.reason}`,
        r.maxRss !== undefined && baseline?.maxRss !== undefined && r.impl !== 'read' ? `+${mb(r.maxRss - baseline.maxRss)}` : '',
        r.rssBeforeRead !== undefined ? mb(r.rssBeforeRead) : '',
        r.ms !== undefined ? `${ms(r.ms)} ms` : '',
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );

  // ---- Targets ----
  interface Target {
    name: string;
    pass: boolean | null;
    detail: string;
  }
  const targets: Target[] = [];
  for (const id of ['10m', '50m']) {
    const ours = ok(get(id, 'ours'));
    const floor = ok(get(id, 'floor'));
    const label = inputs.find((i) => i.id === id)!.label;
    if (!ours || !floor) {
      targets.push({ name: `ours ≤ 2× floor at ${label}`, pass: null, detail: 'not measured' });
      continue;
    }
    const r = ours.median / floor.median;
    targets.push({
      name: `ours ≤ 2× floor at ${label}`,
      pass: r <= 2,
      detail: `${ms(ours.median)} ms vs floor ${ms(floor.median)} ms = ${ratio(r)} (CPU time: ${ratio(ours.cpu / floor.cpu)})`,
    });
  }
  {
    const ours = ok(get('1m', 'ours'));
    const lib = get('1m', 'libpdf');
    if (ours && lib && lib.status === 'ok') {
      const r = lib.median / ours.median;
      targets.push({
        name: '≥ 5× faster than @libpdf/core at 1 MB',
        pass: r >= 5,
        detail: `@libpdf/core ${ms(lib.median)} ms vs ours ${ms(ours.median)} ms = ${ratio(r)} (CPU time: ${ratio(lib.cpu / ours.cpu)})`,
      });
    } else if (ours && lib && lib.status === 'too-slow') {
      targets.push({ name: '≥ 5× faster than @libpdf/core at 1 MB', pass: true, detail: `@libpdf/core too slow (${lib.reason})` });
    } else {
      targets.push({ name: '≥ 5× faster than @libpdf/core at 1 MB', pass: null, detail: statusText(lib) ?? 'ours not measured' });
    }
    const oursObj = ok(get('1m-objstm', 'ours'));
    const libObj = ok(get('1m-objstm', 'libpdf'));
    if (oursObj && libObj) {
      const r = libObj.median / oursObj.median;
      targets.push({
        name: '(also) ≥ 5× faster than @libpdf/core at 1 MB objstm',
        pass: r >= 5,
        detail: `@libpdf/core ${ms(libObj.median)} ms vs ours ${ms(oursObj.median)} ms = ${ratio(r)} (CPU time: ${ratio(libObj.cpu / oursObj.cpu)})`,
      });
    }
  }
  {
    const ours = rss.find((r) => r.impl === 'ours');
    targets.push(
      ours?.status === 'ok' && ours.maxRss !== undefined
        ? { name: `peak RSS < 250 MB signing ${big.label}`, pass: ours.maxRss < 250 * MB, detail: `${mb(ours.maxRss)} (read-only baseline ${baseline?.maxRss !== undefined ? mb(baseline.maxRss) : '?'})` }
        : { name: `peak RSS < 250 MB signing ${big.label}`, pass: null, detail: `failed: ${ours?.reason}` },
    );
  }
  for (const c of chains) {
    const label = inputs.find((i) => i.id === c.input)!.label;
    const name = `2nd/3rd signature as fast as 1st at ${label}`;
    if (c.status !== 'ok') {
      targets.push({ name, pass: null, detail: `failed: ${c.reason}` });
      continue;
    }
    // Raw wall time, as the target reads: within max(1.2×, +1 ms) of the first.
    const rawLimit = Math.max(1.2 * c.medians[0], c.medians[0] + 1);
    const rawPass = c.medians[1] <= rawLimit && c.medians[2] <= rawLimit;
    // The signer's own work (time over the floor chained the same way) must not grow either.
    const over = [0, 1, 2].map((k) => c.medians[k] - c.floorMedians[k]);
    const workLimit = Math.max(1.2 * over[0], over[0] + 0.5);
    const workPass = over[1] <= workLimit && over[2] <= workLimit;
    targets.push({
      name: `${name}, wall time (≤ max(1.2×, +1 ms))`,
      pass: rawPass,
      detail: `${ms(c.medians[0])} / ${ms(c.medians[1])} / ${ms(c.medians[2])} ms (${ratio(c.medians[1] / c.medians[0])}, ${ratio(c.medians[2] / c.medians[0])}); floor chained: ${ms(c.floorMedians[0])} / ${ms(c.floorMedians[1])} / ${ms(c.floorMedians[2])} ms (${ratio(c.floorMedians[1] / c.floorMedians[0])}, ${ratio(c.floorMedians[2] / c.floorMedians[0])})`,
    });
    targets.push({
      name: `${name}, time over chained floor (≤ max(1.2×, +0.5 ms))`,
      pass: workPass,
      detail: `${ms(over[0])} / ${ms(over[1])} / ${ms(over[2])} ms over the floor (CPU time over the floor: ${[0, 1, 2].map((k) => ms(c.cpu[k] - c.floorCpu[k])).join(' / ')} ms)`,
    });
  }
  out.push('');
  out.push(...levelsReport(levels));
  out.push('');
  out.push(...qualifiedReport(qualified));
  if (http) {
    out.push('');
    out.push(...httpSectionReport(http));
  }
  out.push('');
  out.push('Targets');
  out.push(table(['', 'target', 'measured'], targets.map((t) => [t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL', t.name, t.detail]), ['l', 'l', 'l']));
  const elapsed = (performance.now() - started) / 1000;
  out.push('');
  out.push(`Total bench time ${elapsed.toFixed(0)} s; load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);

  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, 'latest.json');
  writeFileSync(
    jsonPath,
    JSON.stringify({ env, inputs: inputs.map(({ path: _path, ...rest }) => rest), cells, chains, rss, levels: levels.map((l) => ({ input: l.input.id, ...l.result })), qualified: qualified.map((q) => ({ input: q.input.id, ...q.result })), targets, ...(http ? { http } : {}), elapsedSeconds: elapsed }, null, 2) + '\n',
  );
  out.push(`Results written to ${jsonPath.slice(ROOT.length + 1)}.`);
  if (keep) out.push(`Inputs kept in ${dir}.`);
  else rmSync(dir, { recursive: true, force: true });
  process.stdout.write(out.join('\n') + '\n');
}

await main();
