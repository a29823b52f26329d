/**
 * The multi-instance throughput table of `npm run bench -- --http-only` (issue 11): signatures per
 * second and sign-request latency for 1, 2 and 3 real instances on one PostgreSQL database
 * (BLOB_STORE=db, started by scripts/cluster/instances.ts) and for one instance on SQLite (the
 * bench server child, scripts/bench/http-server.ts), all driven the same way over real HTTP.
 *
 * The load generator is this process: C fetch clients behind a client-side round-robin balancer
 * (each request goes to the next instance; a signer's page GET and sign POST land on different
 * instances when there are several, so the form's CSRF token crosses instances as behind a real
 * balancer). Each instance delivers its own outbox in the background (as in production) over SMTP
 * to the mail sink here, where the clients read their links.
 *
 * Per row: N envelopes of two signers are created and sent; once every signer-1 link has arrived
 * the clock starts and the clients sign all of them, then, once every signer-2 link has arrived,
 * all signer-2 signatures (which complete the envelopes). Signatures per second = 2N ÷ the two
 * signing phases' wall time (link waits excluded). CPU of the instances, of PostgreSQL's processes
 * and of the load generator is read from /proc over the signing phases: on a 2-core machine they
 * compete, and the table says how much each took.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createTestDatabase, dropTestDatabase, startCluster } from '../cluster/instances.ts';
import { createOrganisationWithKey } from '../cluster/organisation.ts';
import { ms, table } from './format.ts';
import { createEnvelope, envelopeStatus, runPool, signAs, SIGNERS, summarize, type LatencySummary } from './http-client.ts';
import { startMailSink, type MailSink } from './mail-sink.ts';
import { startServerChild } from './server-child.ts';

export interface LoadTarget {
  label: string;
  database: 'sqlite' | 'postgres';
  blobStore: string;
  urls: string[];
  pids: number[];
  apiKey: string;
}

export interface LoadOptions {
  envelopes: number;
  concurrency: number;
  /** How long to wait for the links of a signing round to arrive. */
  linkTimeoutMs: number;
  log: (message: string) => void;
}

/** CPU over the signing phases, in % of one core. */
export interface CpuShares {
  instances: number;
  postgres: number;
  loadGenerator: number;
  /** Everything else the machine ran meanwhile (other processes, the kernel): busy time from /proc/stat minus the three above. */
  other: number;
}

export interface LoadResult {
  label: string;
  database: 'sqlite' | 'postgres';
  blobStore: string;
  instances: number;
  clients: number;
  status: 'ok' | 'failed';
  reason?: string;
  envelopes: number;
  signatures: number;
  wallMs: number;
  perSecond: number;
  /** Sign POST, client side. */
  latency?: LatencySummary;
  page?: LatencySummary;
  createPerSecond?: number;
  completed?: number;
  errors: string[];
  cpu?: CpuShares;
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in ms; 0 when it is gone. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Every process called `postgres` (the server and its backends). */
function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Busy CPU time of the whole machine so far, ms (/proc/stat: all but idle and iowait). */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - fields[3] - fields[4]) * 1000) / TICKS_PER_SECOND;
}

function cpuMeter(target: LoadTarget): () => CpuShares {
  const t0 = performance.now();
  // PostgreSQL backends started during the phase (a pool growing) count from zero.
  const pgAt = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMsOf(pid)]));
  const pg0 = target.database === 'postgres' ? pgAt(postgresPids()) : new Map<number, number>();
  const sum = (pids: number[]) => pids.reduce((a, pid) => a + cpuMsOf(pid), 0);
  const instances0 = sum(target.pids);
  const self0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  return () => {
    const wall = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const share = (cpu: number) => (cpu / wall) * 100;
    const pg1 = target.database === 'postgres' ? pgAt(postgresPids()) : new Map<number, number>();
    const postgres = [...pg1].reduce((a, [pid, ms]) => a + ms - (pg0.get(pid) ?? 0), 0);
    const shares = { instances: share(sum(target.pids) - instances0), postgres: share(postgres), loadGenerator: share((self.user + self.system) / 1000) };
    return { ...shares, other: Math.max(0, share(machineBusyMs() - machine0) - shares.instances - shares.postgres - shares.loadGenerator) };
  };
}

/** Drives one target: create+send, then both signing rounds, round-robin over its instances. */
export async function driveLoad(target: LoadTarget, sink: MailSink, pdf: Buffer, options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { label: target.label, database: target.database, blobStore: target.blobStore, instances: target.urls.length, clients: options.concurrency, status: 'ok', envelopes: 0, signatures: 0, wallMs: 0, perSecond: 0, errors: [] };
  let turn = 0;
  const next = () => target.urls[turn++ % target.urls.length];
  const { log } = options;

  const ids: string[] = [];
  const t0 = performance.now();
  const created = await runPool(Array.from({ length: options.envelopes }, (_, i) => i), options.concurrency, Infinity, async (i) => {
    ids.push(await createEnvelope(next(), target.apiKey, pdf, `Besluit ${i + 1}`));
  });
  result.createPerSecond = ids.length / ((performance.now() - t0) / 1000);
  result.envelopes = ids.length;
  result.errors.push(...created.errors.slice(0, 3));

  const post: number[] = [];
  const page: number[] = [];
  let cpuTotal: CpuShares = { instances: 0, postgres: 0, loadGenerator: 0, other: 0 };
  // Signer 2 is asked only where signer 1 signed: a failed signature sends no next mail.
  let open = [...ids];
  for (const [index, signer] of SIGNERS.entries()) {
    const tokens = await Promise.all(open.map(async (id) => ({ id, token: await sink.waitForLink(signer.email, id, options.linkTimeoutMs) })));
    log(`  load ${target.label}: signer ${index + 1}, ${tokens.length} signatures by ${options.concurrency} clients …`);
    const meter = cpuMeter(target);
    const start = performance.now();
    const signedIds: string[] = [];
    const signed = await runPool(tokens, options.concurrency, Infinity, async ({ id, token }) => {
      const r = await signAs(token, next(), next());
      page.push(r.get);
      post.push(r.post);
      signedIds.push(id);
    });
    const wall = performance.now() - start;
    const cpu = meter();
    // Time-weighted over both rounds.
    for (const key of Object.keys(cpuTotal) as (keyof CpuShares)[]) cpuTotal[key] += cpu[key] * wall;
    result.wallMs += wall;
    result.errors.push(...signed.errors.slice(0, 3));
    if (signed.errors.length) log(`  load ${target.label}: signer ${index + 1}: ${signed.errors.length} failed, first: ${signed.errors[0]}`);
    open = signedIds;
  }
  result.signatures = post.length;
  result.perSecond = post.length / (result.wallMs / 1000);
  result.latency = summarize(post);
  result.page = summarize(page);
  result.cpu = Object.fromEntries(Object.entries(cpuTotal).map(([key, value]) => [key, value / result.wallMs])) as unknown as CpuShares;

  let completed = 0;
  await runPool(ids, options.concurrency, Infinity, async (id) => {
    if ((await envelopeStatus(next(), target.apiKey, id)).status === 'completed') completed += 1;
  });
  result.completed = completed;
  if (completed !== options.envelopes || post.length !== 2 * options.envelopes) {
    result.status = 'failed';
    result.reason = `${post.length}/${2 * options.envelopes} signatures, ${completed}/${options.envelopes} envelopes completed${result.errors.length ? `: ${result.errors[0]}` : ''}`;
  }
  return result;
}

const failedRow = (label: string, database: LoadResult['database'], blobStore: string, instances: number, clients: number, error: unknown): LoadResult => ({
  label,
  database,
  blobStore,
  instances,
  clients,
  status: 'failed',
  reason: (error as Error).message.split('\n')[0],
  envelopes: 0,
  signatures: 0,
  wallMs: 0,
  perSecond: 0,
  errors: [],
});

export interface ClusterTableOptions extends LoadOptions {
  counts: number[];
  blobStore: 'db' | 's3' | 'fs';
  /** What the PostgreSQL instances run: src/main.ts under tsx, or the production build (dist/main.js, built beforehand). */
  entry: 'tsx' | 'dist';
  pdf: Buffer;
}

/** The PostgreSQL rows: a fresh database and `count` instances each, dropped after the row. */
async function postgresRow(count: number, sink: MailSink, options: ClusterTableOptions): Promise<LoadResult> {
  const label = `PostgreSQL, ${count} instance${count > 1 ? 's' : ''}`;
  const database = await createTestDatabase();
  try {
    options.log(`  load ${label}: starting the instances (BLOB_STORE=${options.blobStore}) …`);
    const cluster = await startCluster({
      count,
      blobStore: options.blobStore,
      databaseUrl: database.url,
      entry: options.entry,
      env: { SMTP_URL: sink.url, SIGNER_RATE_LIMIT: '100000', LOG_LEVEL: 'warn' },
    });
    try {
      const organisation = await createOrganisationWithKey(database.url, { name: 'Gemeente Benchstad' });
      const target: LoadTarget = { label, database: 'postgres', blobStore: options.blobStore, urls: cluster.instances.map((i) => i.url), pids: cluster.instances.map((i) => i.pid), apiKey: organisation.apiKey };
      return await driveLoad(target, sink, options.pdf, options);
    } finally {
      await cluster.stop();
    }
  } catch (error) {
    options.log(`  load ${label}: failed: ${(error as Error).stack}`);
    return failedRow(label, 'postgres', options.blobStore, count, options.concurrency, error);
  } finally {
    await dropTestDatabase(database.name).catch(() => undefined);
  }
}

/** The SQLite row: one bench server child with its background jobs on (the outbox delivers itself). */
async function sqliteRow(sink: MailSink, options: ClusterTableOptions): Promise<LoadResult> {
  const label = 'SQLite, 1 instance';
  const server = await startServerChild({ BENCH_SMTP_URL: sink.url, BENCH_BACKGROUND_JOBS: '1' });
  try {
    const target: LoadTarget = { label, database: 'sqlite', blobStore: server.ready.blobStore, urls: [server.ready.url], pids: [server.ready.pid], apiKey: server.ready.apiKey };
    return await driveLoad(target, sink, options.pdf, options);
  } catch (error) {
    return failedRow(label, 'sqlite', server.ready.blobStore, 1, options.concurrency, error);
  } finally {
    await server.stop();
  }
}

export async function runClusterTable(options: ClusterTableOptions): Promise<LoadResult[]> {
  const sink = await startMailSink();
  try {
    const rows = [await sqliteRow(sink, options)];
    for (const count of options.counts) rows.push(await postgresRow(count, sink, options));
    return rows;
  } finally {
    await sink.close();
  }
}

export function clusterReport(rows: LoadResult[], cores: number, entry: 'tsx' | 'dist'): string[] {
  const out: string[] = [];
  const first = rows.find((r) => r.status === 'ok') ?? rows[0];
  out.push(`Throughput over real HTTP: ${first?.envelopes ?? '?'} envelopes of two signers per row, ${first?.clients ?? '?'} concurrent clients (page GET + sign POST each) behind a client-side`);
  out.push('round-robin balancer in the bench process; instances deliver their own mail in the background. PostgreSQL rows: real processes (scripts/cluster/instances.ts, NODE_ENV=test,');
  out.push(`${entry === 'dist' ? 'the production build, node dist/main.js' : 'src/main.ts under tsx'}), a fresh database each, shared blob store; SQLite row: the bench server (NODE_ENV=production, tsx) with its background jobs on.`);
  out.push('Latency of the sign POST, client side, ms.');
  out.push(
    table(
      ['setup', 'blobs', 'signatures', 'per s', 'p50', 'p99', 'max', 'page p50', 'completed', 'cpu: instances', 'postgres', 'load generator', 'other'],
      rows.map((r) =>
        r.status === 'failed' && !r.latency
          ? [r.label, r.blobStore, 'failed', '', '', '', '', '', '', '', '', '', '']
          : [
              r.label,
              r.blobStore,
              String(r.signatures),
              r.perSecond.toFixed(1),
              ms(r.latency!.p50),
              ms(r.latency!.p99),
              ms(r.latency!.max),
              ms(r.page!.p50),
              `${r.completed}/${r.envelopes}`,
              `${r.cpu!.instances.toFixed(0)}%`,
              r.database === 'postgres' ? `${r.cpu!.postgres.toFixed(0)}%` : '–',
              `${r.cpu!.loadGenerator.toFixed(0)}%`,
              `${r.cpu!.other.toFixed(0)}%`,
            ],
      ),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(`(cpu = % of one core over the signing phases, from /proc; other = the rest of the machine's busy time (other processes, kernel). This machine has ${cores} cores, so instances,`);
  out.push(` PostgreSQL and the load generator share ${cores * 100}%: more instances cannot add cores, and the`);
  out.push(' figures for 2 and 3 instances show what several processes cost on the same cores, not what several hosts would give.)');
  for (const r of rows) if (r.status === 'failed') out.push(`  ${r.label}: FAILED: ${r.reason}${r.errors.length ? ` (errors: ${r.errors.join(' | ')})` : ''}`);
  return out;
}
