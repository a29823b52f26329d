/**
 * Where the fs blob store's puts run (issue 11): one worker thread (fs-blob-writer-worker.ts) per store, started
 * on the first put, that hashes, writes, fsyncs and renames each blob in a row. On the HTTP thread those steps
 * cost ~1 ms of CPU per signed PDF (a tenth of the sign request), and as asynchronous calls each of their ten
 * round trips waited for the event loop, which the signature's own CPU work kept busy.
 * The bytes are copied once into a buffer of their own and moved to the worker: the caller keeps its Buffer.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker, workerUrl } from '../worker-thread.ts';

export interface ToBlobWriter {
  id: number;
  /** The store's root directory. */
  root: string;
  bytes: Uint8Array;
}

export type FromBlobWriter = { id: number; sha256: string } | { id: number; error: { code?: string; message: string } };

export interface BlobWriter {
  /** Stores `bytes` under `root` durably (a no-op when that blob is there already); answers their SHA-256. */
  put(root: string, bytes: Buffer): Promise<string>;
  /** Stops the worker; a put still under way is rejected. */
  close(): Promise<void>;
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

export function createBlobWriter(): BlobWriter {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (sha256: string) => void; reject: (error: Error) => void }>();

  const settle = (id: number): ReturnType<typeof pending.get> => {
    const waiting = pending.get(id);
    pending.delete(id);
    // Idle, the thread must not keep the process alive (a CLI command ends); while a put runs, it must.
    if (pending.size === 0) worker?.unref();
    return waiting;
  };

  const failAll = (error: Error): void => {
    for (const id of [...pending.keys()]) settle(id)?.reject(error);
  };

  const start = (): Worker => {
    const started = startWorker(WORKER_URL);
    started.unref();
    started.on('message', (message: FromBlobWriter) => {
      const waiting = settle(message.id);
      if (!waiting) return;
      if ('error' in message) waiting.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else waiting.resolve(message.sha256);
    });
    const gone = (error: Error) => {
      if (worker === started) worker = undefined;
      failAll(error);
    };
    started.on('error', gone);
    started.on('exit', (code) => gone(new Error(`the blob writer thread exited with code ${code}`)));
    return started;
  };

  return {
    put(root, bytes) {
      const current = (worker ??= start());
      const id = nextId++;
      const copy = new Uint8Array(bytes);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        current.ref();
        current.postMessage({ id, root, bytes: copy } satisfies ToBlobWriter, [copy.buffer]);
      });
    },
    async close() {
      const stopping = worker;
      worker = undefined;
      if (stopping) await stopping.terminate();
      failAll(new Error('the blob store was closed'));
    },
  };
}
