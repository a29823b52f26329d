/**
 * Blobs in a directory (`BLOB_STORE=fs`, the default): one host's disk, so one instance, or several
 * that share the directory. Each is written to a temporary file, fsynced and renamed (DESIGN §8).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { assertSha256, blobCorrupt, blobMissing, hashChecked, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.ts';

/** Writes a new file (`wx`) and fsyncs it. */
async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o640);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or a new directory entry durable (POSIX: fsync the directory). */
async function fsyncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
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
   * store, not asked for again at every put (issue 11: a sign request's puts wait on every round trip).
   */
  const made = new Set<string>();

  /** mkdir -p, once per directory; answers the first directory it created, as fs.mkdir does. */
  async function ensureDirectory(directory: string): Promise<string | undefined> {
    if (made.has(directory)) return undefined;
    const firstCreated = await fs.mkdir(directory, { recursive: true });
    made.add(directory);
    return firstCreated;
  }

  async function put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const stored = { sha256, size: bytes.length };
    if (await has(sha256)) return stored;
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

  /**
   * Temporary file written and fsynced while its shard directory is made, renamed into place, then the
   * directory entries made durable together (a sign request waits on every round trip of its last put).
   */
  async function write(sha256: string, bytes: Buffer): Promise<void> {
    const target = pathOf(sha256);
    const directory = path.dirname(target);
    const shard = ensureDirectory(directory);
    shard.catch(() => undefined); // awaited below, after the temporary file
    await ensureDirectory(tmpDir);
    const temporary = path.join(tmpDir, `${sha256}.${randomBytes(8).toString('hex')}`);
    let firstCreated: string | undefined;
    try {
      await writeDurably(temporary, bytes);
      firstCreated = await shard;
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
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

  /** Read whole and checked against its name, without a stream (a sign request reads the PDF it signs so). */
  async function get(sha256: string): Promise<Buffer> {
    assertSha256(sha256);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(pathOf(sha256));
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
