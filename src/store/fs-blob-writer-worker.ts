/**
 * The worker thread behind fs-blob-writer.ts: stores the blob of each message, all of its file-system calls in a
 * row (hash, mkdir, open, write, fsync, close, rename, fsync of the new directory entries), and answers when it is
 * durable. Run here, none of them takes the HTTP thread's CPU or waits for its event loop; and as synchronous calls
 * they block only this thread, never the libuv thread pool, where the SQLite statements of the same request
 * would otherwise queue behind a blob's fsyncs.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { MAX_BASE_DEPTH, nameOnBase, type BlobBase } from './blob-store.ts';
import { deltaPath, encodeDeltaHeader, piecesOf, type DeltaHeader } from './fs-blob-delta.ts';
import { blobPath, type FromBlobWriter, type ToBlobWriter } from './fs-blob-writer.ts';

const port = parentPort;
if (!port) throw new Error('fs-blob-writer-worker.ts runs only as a worker thread');

/** Directories known to exist (`.tmp` and the `ab` shards, at most 1 + 256), each made once, not asked for again at every put. */
const made = new Set<string>();

/**
 * mkdir -p, once per directory: undefined when this thread knew it already, else what fs.mkdir answers (the first
 * directory it created, undefined when it was there already).
 */
function ensureDirectory(directory: string): { firstCreated: string | undefined } | undefined {
  if (made.has(directory)) return undefined;
  const firstCreated = mkdirSync(directory, { recursive: true });
  made.add(directory);
  return { firstCreated };
}

/** Makes a rename or a new directory entry durable (POSIX: fsync the directory). */
function fsyncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `parts` to a temporary file, fsynced, renamed to `target`; then the new directory entries fsynced. */
function write(root: string, sha256: string, target: string, parts: Uint8Array[]): void {
  const directory = path.dirname(target);
  const tmpDir = path.join(root, '.tmp');
  ensureDirectory(tmpDir);
  const newToThisThread = ensureDirectory(directory);
  const temporary = path.join(tmpDir, `${sha256}.${randomBytes(8).toString('hex')}`);
  try {
    const fd = openSync(temporary, 'wx', 0o640);
    try {
      let position = 0;
      for (const bytes of parts) {
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset, position + offset);
        position += bytes.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  fsyncDirectory(directory);
  // Directories new to this thread: each one's entry in its parent must be durable too, also when another made it
  // (the store's other thread, or another process on the same directory, may not have fsynced the parent yet).
  if (newToThisThread === undefined) return;
  const topmostParent = path.dirname(newToThisThread.firstCreated ?? directory);
  for (let parent = path.dirname(directory); ; parent = path.dirname(parent)) {
    fsyncDirectory(parent);
    if (parent === topmostParent || parent === path.dirname(parent)) break;
  }
}

/**
 * The header a blob put on `base` gets: only when `base` is stored here, whole or itself on a base, with that size,
 * and stands on fewer than MAX_BASE_DEPTH others. Else undefined, and the blob is written whole.
 */
function headerOn(root: string, base: BlobBase): DeltaHeader | undefined {
  try {
    const found = piecesOf(root, base.sha256, (detail) => new Error(detail));
    if (!found || found.size !== base.size || found.depth >= MAX_BASE_DEPTH) return undefined;
    return { base, depth: found.depth + 1 };
  } catch {
    // A base whose own bases are damaged: this blob does not stand on it.
    return undefined;
  }
}

/**
 * Stores the bytes, whole or, given a base they begin with, as a delta on it (fs-blob-delta.ts); answers their name.
 * The base's name is checked against the first bytes in the pass that names them all (nameOnBase).
 */
function put(root: string, bytes: Uint8Array, base: BlobBase | undefined): string {
  const { sha256, base: onBase } = nameOnBase(bytes, base);
  if (existsSync(blobPath(root, sha256)) || existsSync(deltaPath(root, sha256))) return sha256;
  const header = onBase && headerOn(root, onBase);
  const store = () =>
    header ? write(root, sha256, deltaPath(root, sha256), [encodeDeltaHeader(header), bytes.subarray(header.base.size)]) : write(root, sha256, blobPath(root, sha256), [bytes]);
  try {
    store();
  } catch (error) {
    // A directory removed behind our back (an operator cleaning up): make them again, once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    made.clear();
    store();
  }
  return sha256;
}

port.on('message', (message: ToBlobWriter) => {
  let answer: FromBlobWriter;
  try {
    answer = { id: message.id, sha256: put(message.root, message.bytes, message.base) };
  } catch (error) {
    const { code, message: text } = error as NodeJS.ErrnoException;
    answer = { id: message.id, error: { code, message: text ?? String(error) } };
  }
  port.postMessage(answer);
});
