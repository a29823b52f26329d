/**
 * The production build (issue 11) for tests that start the service as it runs in production:
 * `npm run build` once per test process, skipped while dist/ is newer than every file it is built
 * from. Several test processes may ask at once (the multi-instance tests run beside this one), so
 * building takes a lock directory; whoever waited finds the build fresh and uses it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(projectRoot, 'dist');
/** Written by scripts/copy-assets.mjs as the build's last step: a build that failed halfway leaves it old. */
const COMPLETE = path.join(dist, '.build-complete');
const LOCK = path.join(dist, '.build-lock');
/** Besides src/, what the build reads. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/copy-assets.mjs'];
const STALE_LOCK_MS = 5 * 60_000;

export interface BuiltEntry {
  /** dist/main.js: the service, as `npm run start:prod` runs it. */
  main: string;
  /** dist/cli.js: the CLI, as `npm run cli:prod` runs it. */
  cli: string;
}

let built: Promise<BuiltEntry> | undefined;

/** Absolute paths of the built entry points, to run with plain `node` (no tsx). */
export function builtEntry(): Promise<BuiltEntry> {
  built ??= buildOnce().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function buildOnce(): Promise<BuiltEntry> {
  const entry = { main: path.join(dist, 'main.js'), cli: path.join(dist, 'cli.js') };
  if (isFresh()) return entry;
  await withLock(async () => {
    if (!isFresh()) await runBuild();
  });
  return entry;
}

function mtimeOf(file: string): number | undefined {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}

function newestUnder(dir: string): number {
  let newest = mtimeOf(dir) ?? 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(file) : (mtimeOf(file) ?? 0));
  }
  return newest;
}

function isFresh(): boolean {
  const complete = mtimeOf(COMPLETE);
  if (complete === undefined || mtimeOf(path.join(dist, 'main.js')) === undefined || mtimeOf(path.join(dist, 'cli.js')) === undefined) return false;
  const inputs = Math.max(newestUnder(path.join(projectRoot, 'src')), ...BUILD_INPUTS.map((file) => mtimeOf(path.join(projectRoot, file)) ?? 0));
  return complete > inputs;
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('npm', ['run', 'build'], { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`npm run build failed (${error.code}):\n${stdout}${stderr}`.slice(0, 8000)));
      else resolve();
    });
  });
}

/** mkdir is atomic: the directory is the lock. One left by a killed process is taken over after STALE_LOCK_MS. */
async function withLock(fn: () => Promise<void>): Promise<void> {
  mkdirSync(dist, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = mtimeOf(LOCK);
      if (since !== undefined && Date.now() - since > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface StartedService {
  url: string;
  process: ChildProcess;
  /** stdout and stderr so far. */
  log(): string;
  /** Resolves when the process exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node <entry>` (dist/main.js) as a real process and resolves with its URL once it logs that it
 * listens (PORT=0 in `env` picks a free port), within `timeoutMs` (default 120 s). `env` is the whole
 * environment: nothing of this test process (NODE_OPTIONS, tsx) is passed on unless the caller puts it there.
 */
export async function startService(entry: string, env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<StartedService> {
  const child = spawn(process.execPath, [entry], { cwd: options.cwd ?? path.dirname(path.dirname(entry)), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const port = /"port":(\d+)[^\n]*Paraaf listening/.exec(log)?.[1];
    if (port) return { url: `http://127.0.0.1:${port}`, process: child, log: () => log, exited };
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not listen (exit ${child.exitCode ?? child.signalCode ?? 'none, timed out'}):\n${log}`.slice(0, 4000));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
