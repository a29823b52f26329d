/**
 * Several real service processes on one PostgreSQL database (issue 11), for the multi-instance
 * tests and the cluster benchmark: `startCluster()` spawns N instances of `src/main.ts` (under tsx)
 * or of the production build (`dist/main.js`), each with its own DATA_DIR and port, sharing the
 * database, the blob store chosen, one CERTS_DIR (so one development PKI) and one SIGNER_SECRET —
 * what a region running several hosts behind a load balancer shares, and nothing more.
 *
 * The first instance starts alone until it answers /readyz: it applies the migrations and generates
 * the development PKI, which the others then load instead of racing to create it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ClusterOptions {
  count: number;
  blobStore: 'db' | 's3' | 'fs';
  /** `postgres://…` of the database every instance uses (createTestDatabase() gives a fresh one). */
  databaseUrl: string;
  /** Added to every instance's environment (SMTP_URL, S3_*, SIGNER_RATE_LIMIT …); wins over the defaults. */
  env?: Record<string, string>;
  /** `tsx` runs src/main.ts; `dist` runs dist/main.js (build it first, e.g. with builtEntry()). Default tsx. */
  entry?: 'tsx' | 'dist';
  /** How long one instance may take to answer /readyz (default 60 s). */
  readyTimeoutMs?: number;
}

export interface Instance {
  readonly index: number;
  /** `http://127.0.0.1:<port>`, also its BASE_URL; the same after restart(). */
  readonly url: string;
  readonly port: number;
  /** Of the current process; changes on restart(). */
  pid: number;
  readonly dataDir: string;
  /** False after kill() until restart(). */
  alive: boolean;
  /** Date.now() when the current process first answered /readyz (its timers started just before). */
  readyAt: number;
  /** The last 64 kB of the process's stdout and stderr. */
  log(): string;
}

export interface Cluster {
  readonly instances: Instance[];
  /** The environment every instance shares (DATABASE_URL, BLOB_STORE, CERTS_DIR, SIGNER_SECRET, …): run the CLI with it. */
  readonly env: Readonly<Record<string, string>>;
  readonly certsDir: string;
  /** The development root every instance's signatures chain to (trust it in pdfsig). */
  readonly rootPem: string;
  /** Sends `signal` (default SIGKILL) and waits until the process has exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts instance `index` again (same port, DATA_DIR and environment) and waits for /readyz. */
  restart(index: number): Promise<Instance>;
  /** SIGTERM to every live instance (SIGKILL after 15 s), then removes the temporary directories. Idempotent. */
  stop(): Promise<void>;
}

/** Variables of the caller's environment that must not leak into an instance: the cluster sets its own. */
const NOT_INHERITED = /^(DATABASE_URL|TEST_DATABASE_URL|BLOB_STORE|DATA_DIR|CERTS_DIR|PORT|BASE_URL|SMTP_URL|TSA_URL|SIGNER_SECRET|REDIS_URL|RATE_LIMIT_STORE|NODE_ENV|S3_\w+|PKCS11_\w+)$/;
const LOG_LIMIT = 64 * 1024;

/** Instance ports come from 20000–32767: below the kernel's ephemeral range (32768–60999 on Linux), see freePort. */
const PORTS = { first: 20_000, end: 32_768 };
/** Ports per process in that range, where its first instance's port is looked for. */
const PORTS_PER_PROCESS = 32;
let nextPort: number | undefined;

/**
 * A port free right now (the instance binds it a moment later). Not one the kernel hands out: every listen(0) and
 * outgoing connection of the other test processes running at the same time draws from that range, and once one took
 * an instance's port between this probe and the instance's bind, the harness waited for, and then talked to, the
 * other process, which answered /readyz (a CI run at stop 21: 401s from another test's instance). Each process looks
 * first in a slice of its own, by pid, and probes every port it takes.
 */
async function freePort(): Promise<number> {
  const slices = Math.floor((PORTS.end - PORTS.first) / PORTS_PER_PROCESS);
  nextPort ??= PORTS.first + (process.pid % slices) * PORTS_PER_PROCESS;
  for (let tried = 0; tried < PORTS.end - PORTS.first; tried++) {
    const port: number = nextPort;
    nextPort = port + 1 === PORTS.end ? PORTS.first : port + 1;
    if (await isFree(port)) return port;
  }
  throw new Error(`startCluster: no free port in ${PORTS.first}–${PORTS.end - 1}`);
}

/** Whether a server could listen on `port` now, on every address as the instance does. */
async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, () => resolve(true));
  });
  if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  return listening;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Slot {
  index: number;
  port: number;
  dataDir: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  log: string;
  instance: Instance;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (options.count < 1) throw new Error('startCluster: count must be at least 1');
  const entry = options.entry ?? 'tsx';
  const mainArgs = entry === 'dist' ? [path.join(projectRoot, 'dist/main.js')] : ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')];
  if (entry === 'dist' && !existsSync(mainArgs[0]!)) throw new Error('startCluster: dist/main.js is missing; run npm run build (or builtEntry()) first');

  const work = mkdtempSync(path.join(tmpdir(), 'paraaf-cluster-'));
  const certsDir = path.join(work, 'certs');
  mkdirSync(certsDir);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => value !== undefined && !NOT_INHERITED.test(name))) as Record<string, string>;
  const shared: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: options.databaseUrl,
    BLOB_STORE: options.blobStore,
    CERTS_DIR: certsDir,
    SIGNER_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    // One worker thread per instance: several instances share two cores in CI.
    VERIFY_WORKERS: '1',
    ...options.env,
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  const slots: Slot[] = [];
  for (let index = 0; index < options.count; index++) {
    const port = await freePort();
    const dataDir = path.join(work, `instance-${index}`);
    mkdirSync(dataDir);
    const slot: Slot = {
      index,
      port,
      dataDir,
      log: '',
      instance: {
        index,
        url: `http://127.0.0.1:${port}`,
        port,
        pid: 0,
        dataDir,
        alive: false,
        readyAt: 0,
        log: () => slot.log,
      },
    };
    slots.push(slot);
  }

  const launch = async (slot: Slot): Promise<Instance> => {
    const env = { ...inherited, ...shared, DATA_DIR: slot.dataDir, PORT: String(slot.port), BASE_URL: slot.instance.url };
    const child = spawn(process.execPath, mainArgs, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      slot.log = (slot.log + chunk.toString()).slice(-LOG_LIMIT);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    slot.child = child;
    slot.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    slot.instance.pid = child.pid ?? 0;
    let gone = false;
    void slot.exited.then(() => {
      gone = true;
      slot.instance.alive = false;
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (!gone) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`instance ${slot.index} not ready within ${readyTimeoutMs} ms:\n${slot.log.slice(-4000)}`);
      }
      try {
        const res = await fetch(`${slot.instance.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) {
          slot.instance.alive = true;
          slot.instance.readyAt = Date.now();
          return slot.instance;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`instance ${slot.index} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${slot.log.slice(-4000)}`);
  };

  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const slot = slots[index];
    if (!slot) throw new Error(`no instance ${index}`);
    const child = slot.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await slot.exited;
    slot.instance.alive = false;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(
        slots.map(async (slot) => {
          const child = slot.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await slot.exited;
          clearTimeout(timer);
        }),
      );
      rmSync(work, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    // The first alone: migrations and the development PKI, then the others side by side.
    await launch(slots[0]!);
    await Promise.all(slots.slice(1).map(launch));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    instances: slots.map((slot) => slot.instance),
    env: Object.freeze({ ...inherited, ...shared }),
    certsDir,
    rootPem: path.join(certsDir, 'dev', 'root-ca.pem'),
    kill,
    async restart(index) {
      const slot = slots[index];
      if (!slot) throw new Error(`no instance ${index}`);
      await kill(index);
      return launch(slot);
    },
    stop,
  };
}

/** The PostgreSQL server of TEST_DATABASE_URL, or the local one. */
const defaultServerUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `postgres://…/<other database>` on the same server. */
function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on a connection of its own to `serverUrl` (any database there), closed after. */
export async function onServer(serverUrl: string, statement: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(statement);
  } finally {
    await admin.destroy();
  }
}

/** CREATE DATABASE with a random name on the server of `serverUrl` (default TEST_DATABASE_URL); answers its name and URL. */
export async function createTestDatabase(serverUrl = defaultServerUrl()): Promise<{ name: string; url: string }> {
  const name = `paraaf_cluster_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, `create database "${name}"`);
  return { name, url: withDatabaseName(serverUrl, name) };
}

/** DROP DATABASE, cutting the connections of instances that were killed or are still closing. */
export async function dropTestDatabase(name: string, serverUrl = defaultServerUrl()): Promise<void> {
  if (!/^paraaf_cluster_[a-z0-9_]+$/.test(name)) throw new Error(`dropTestDatabase: refusing to drop '${name}', which createTestDatabase did not make`);
  await onServer(serverUrl, `drop database if exists "${name}" with (force)`);
}
