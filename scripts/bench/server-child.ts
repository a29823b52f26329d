/**
 * Starts scripts/bench/http-server.ts (the real server, instrumented) in a child process and talks
 * to it over IPC: `call()` sends a `Command` and resolves with its answer; `stop()` closes it
 * (SIGKILL after 10 s). `env` carries the BENCH_* settings the server reads; `nodeOptions` go to
 * node before the script (the soak's --expose-gc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, ServerReady } from './http-server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The bench server's METRICS_TOKEN (/metrics asks for it in production). */
export const BENCH_METRICS_TOKEN = 'bench-metrics-'.repeat(3);

type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;
type CommandBody = WithoutId<Command>;

export interface ServerChild {
  ready: ServerReady;
  call<T>(command: CommandBody, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
  stderr(): string;
}

export function startServerChild(env: Record<string, string>, timeoutMs = 60_000, nodeOptions: string[] = []): Promise<ServerChild> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', join(ROOT, 'scripts/bench/http-server.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
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
