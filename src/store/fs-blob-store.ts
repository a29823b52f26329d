/**
 * Blobs in a directory (`BLOB_STORE=fs`, the default): one host's disk, so one instance, or several
 * that share the directory. Each is written to a temporary file, fsynced and renamed (DESIGN §8).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsync, mkdirSync, openSync, promises as fs, readFileSync, renameSync, rmSync, statSync, write as writeAt, writeSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { assertSha256, blobCorrupt, blobMissing, hashChecked, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.ts';

const fsyncAsync = promisify(fsync);
const writeAsync = promisify(writeAt);

/**
 * Blobs up to this size are put in the page cache synchronously, as are the open, close, rename and mkdir
 * around them (tens of microseconds each on a local disk), and read from it so: a put then waits on the
 * thread pool only for its fsyncs, and goes on while the caller computes. A sign request's puts each took
 * about ten round trips, none of which could advance while the B-LT revision was being built (issue 11).
 * Larger blobs are written and read through the thread pool, so that no call holds the event loop for long.
 */
const WRITE_INLINE_MAX_BYTES = 4 * 1024 * 1024;

/** All of `bytes` at the start of the open file `fd`. */
async function writeAll(fd: number, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    if (bytes.length <= WRITE_INLINE_MAX_BYTES) offset += writeSync(fd, bytes, offset, bytes.length - offset, offset);
    else offset += (await writeAsync(fd, bytes, offset, bytes.length - offset, offset)).bytesWritten;
  }
}

/** Makes a rename or a new directory entry durable (POSIX: fsync the directory). */
async function fsyncDirectory(directory: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    await fsyncAsync(fd);
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Blobs under `<root>/ab/cd/<sha256>`, temporary files under `<root>/.tmp` on the same filesystem. */
export function createFsBlobStore(root: string): BlobStore {
  const tmpDir = path.join(root, '.tmp');
  const pathOf = (sha256: string): string => path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);

  async function has(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    try {
      await fs.access(pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Directories known to exist (`.tmp` and the `ab/cd` shards, at most 1 + 65,536): each made once by this
   * store, not asked for again at every put.
   */
  const made = new Set<string>();

  /** mkdir -p, once per directory; answers the first directory it created, as fs.mkdir does. */
  function ensureDirectory(directory: string): string | undefined {
    if (made.has(directory)) return undefined;
    const firstCreated = mkdirSync(directory, { recursive: true });
    made.add(directory);
    return firstCreated;
  }

  async function put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const stored = { sha256, size: bytes.length };
    if (existsSync(pathOf(sha256))) return stored;
    try {
      await write(sha256, bytes);
    } catch (error) {
      // A directory removed behind our back (an operator cleaning up): make them again, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      made.clear();
      await write(sha256, bytes);
    }
    return stored;
  }

  /** To a temporary file, fsynced, renamed into place; then the new directory entries fsynced together. */
  async function write(sha256: string, bytes: Buffer): Promise<void> {
    const target = pathOf(sha256);
    const directory = path.dirname(target);
    ensureDirectory(tmpDir);
    const firstCreated = ensureDirectory(directory);
    const temporary = path.join(tmpDir, `${sha256}.${randomBytes(8).toString('hex')}`);
    try {
      const fd = openSync(temporary, 'wx', 0o640);
      try {
        await writeAll(fd, bytes);
        await fsyncAsync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    // Directories created for this blob: each one's entry in its parent must be durable too.
    const parents: string[] = [];
    if (firstCreated !== undefined) {
      const topmostParent = path.dirname(firstCreated);
      for (let parent = path.dirname(directory); ; parent = path.dirname(parent)) {
        parents.push(parent);
        if (parent === topmostParent || parent === path.dirname(parent)) break;
      }
    }
    await Promise.all([directory, ...parents].map(fsyncDirectory));
  }

  async function open(sha256: string): Promise<Readable> {
    assertSha256(sha256);
    let handle: fs.FileHandle;
    try {
      // Opened before the stream is handed out, so a missing blob rejects before any byte is sent.
      handle = await fs.open(pathOf(sha256), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobMissing(sha256, error);
      throw error;
    }
    return hashChecked(handle.createReadStream(), sha256);
  }

  async function ping(): Promise<void> {
    // The directory is made on the first put; until then its parent must be there to make it in.
    await fs.mkdir(root, { recursive: true });
    await fs.access(root, constants.R_OK | constants.W_OK);
  }

  /** Read whole and checked against its name, without a stream (a sign request reads the PDF it signs so); up to WRITE_INLINE_MAX_BYTES at once. */
  async function get(sha256: string): Promise<Buffer> {
    assertSha256(sha256);
    const file = pathOf(sha256);
    let bytes: Buffer;
    try {
      const size = statSync(file, { throwIfNoEntry: false })?.size;
      if (size === undefined) throw blobMissing(sha256);
      bytes = size <= WRITE_INLINE_MAX_BYTES ? readFileSync(file) : await fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobMissing(sha256, error);
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw blobCorrupt(sha256, `content hash ${actual}`);
    return bytes;
  }

  return { put, get, open, has, ping };
}
