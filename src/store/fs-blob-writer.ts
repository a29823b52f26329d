/**
 * Where the fs blob store's puts run (issue 11): two worker threads (fs-blob-writer-worker.ts) per store, each
 * started on first need, that hash, write, fsync and rename each blob in a row. On the HTTP thread those steps
 * cost ~1 ms of CPU per signed PDF (a tenth of the sign request), and as asynchronous calls each of their ten
 * round trips waited for the event loop, which the signature's own CPU work kept busy.
 * The bytes are copied once into a buffer of their own and moved to the worker: the caller keeps its Buffer.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { BlobBase } from './blob-store.ts';
import { startWorker, workerUrl } from '../worker-thread.ts';

export interface ToBlobWriter {
  id: number;
  /** The store's root directory. */
  root: string;
  bytes: Uint8Array;
  /** The blob the bytes continue: they are written as a delta on it when it is stored here (fs-blob-delta.ts). */
  base?: BlobBase;
}

export type FromBlobWriter = { id: number; sha256: string } | { id: number; error: { code?: string; message: string } };

export interface BlobWriter {
  /** Stores `bytes` under `root` durably (a no-op when that blob is there already), on `base` when it can; answers their SHA-256. */
  put(root: string, bytes: Buffer, base?: BlobBase): Promise<string>;
  /** Stops the worker; a put still under way is rejected. */
  close(): Promise<void>;
  /** The puts each thread has in hand, not yet answered: a put goes to an idle thread before it waits behind another. */
  inFlight(): number[];
}

/**
 * Where the blob `sha256` is written under `root`: `<root>/ab/<sha256>`. One level of 256 directories, all made
 * within the first ~1,500 blobs: with two levels (65,536 directories, below) nearly every put of a young deployment
 * made a directory, a mkdir and one fsync more (of its parent) on the sign request's path, about 0.45 ms a blob
 * (issue 11). File systems index large directories (ext4's htree): 10 million blobs are ~40,000 entries each.
 */
export function blobPath(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2), sha256);
}

/** Where stores before the one-level layout wrote the blob, `<root>/ab/cd/<sha256>`: read there when it is not at blobPath. */
export function legacyBlobPath(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

const WORKER_URL = workerUrl(import.meta.url, 'fs-blob-writer-worker');

/**
 * Threads per store. A sign request stores two blobs a document, the signed PDF and, a millisecond or two later, its
 * B-LT revision, and waits for both before its commit: with one thread the second one's fsyncs queued behind the
 * first one's (1–4 ms each on a virtual disk), with two they overlap and ext4 commits them in one journal transaction
 * where it can (issue 11).
 */
const THREADS = 2;

/**
 * A writer hashes and writes bytes it was handed (outside its heap) and makes few objects of its own: V8's default
 * young generation only made each thread's memory larger, ~30 MB of RSS a thread against ~15 MB with this one,
 * measured at the same speed (400 puts of 120 and 130 KB).
 */
const WRITER_LIMITS = { maxYoungGenerationSizeMb: 2 };

interface WriterThread {
  worker: Worker;
  /** Puts sent to this thread and not yet answered. */
  pending: Map<number, { resolve: (sha256: string) => void; reject: (error: Error) => void }>;
}

export function createBlobWriter(threads = THREADS): BlobWriter {
  const pool: Array<WriterThread | undefined> = new Array(threads).fill(undefined);
  let nextId = 0;

  const failAll = (thread: WriterThread, error: Error): void => {
    const waiting = [...thread.pending.values()];
    thread.pending.clear();
    for (const { reject } of waiting) reject(error);
  };

  const start = (slot: number): WriterThread => {
    const thread: WriterThread = { worker: startWorker(WORKER_URL, { resourceLimits: WRITER_LIMITS }), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', (message: FromBlobWriter) => {
      const waiting = thread.pending.get(message.id);
      thread.pending.delete(message.id);
      // Idle, the thread must not keep the process alive (a CLI command ends); while a put runs, it must.
      if (thread.pending.size === 0) thread.worker.unref();
      if (!waiting) return;
      if ('error' in message) waiting.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else waiting.resolve(message.sha256);
    });
    const gone = (error: Error) => {
      if (pool[slot] === thread) pool[slot] = undefined;
      failAll(thread, error);
    };
    thread.worker.on('error', gone);
    thread.worker.on('exit', (code) => gone(new Error(`the blob writer thread exited with code ${code}`)));
    return thread;
  };

  /** An idle thread (started on first need), else the one with the fewest puts waiting. */
  const choose = (): WriterThread => {
    let best: number | undefined;
    for (let slot = 0; slot < pool.length; slot += 1) {
      const thread = pool[slot];
      if (!thread || thread.pending.size === 0) return (pool[slot] ??= start(slot));
      if (best === undefined || thread.pending.size < pool[best]!.pending.size) best = slot;
    }
    return pool[best!]!;
  };

  return {
    put(root, bytes, base) {
      const thread = choose();
      const id = nextId++;
      const copy = new Uint8Array(bytes);
      return new Promise((resolve, reject) => {
        thread.pending.set(id, { resolve, reject });
        thread.worker.ref();
        thread.worker.postMessage({ id, root, bytes: copy, ...(base ? { base } : {}) } satisfies ToBlobWriter, [copy.buffer]);
      });
    },
    inFlight: () => pool.map((thread) => thread?.pending.size ?? 0),
    async close() {
      const stopping = pool.filter((thread): thread is WriterThread => thread !== undefined);
      pool.fill(undefined);
      await Promise.all(stopping.map((thread) => thread.worker.terminate()));
      for (const thread of stopping) failAll(thread, new Error('the blob store was closed'));
    },
  };
}
