/**
 * Content-addressed blob storage (DESIGN §8): a blob is named by the SHA-256 of its bytes,
 * written to a temporary file, fsynced and renamed, so a reader sees all of it or nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface BlobStore {
  /** Stores `bytes` durably; storing the same bytes twice is a no-op. */
  put(bytes: Buffer): Promise<StoredBlob>;
  /** The bytes of a blob, checked against their hash. */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new AppError('blob_id_invalid', 500, 'Internal error.', { detail: `not a SHA-256 hex digest: ${JSON.stringify(sha256).slice(0, 80)}` });
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

  async function put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const stored = { sha256, size: bytes.length };
    if (await has(sha256)) return stored;

    const target = pathOf(sha256);
    const directory = path.dirname(target);
    await fs.mkdir(tmpDir, { recursive: true });
    const firstCreated = await fs.mkdir(directory, { recursive: true });
    const temporary = path.join(tmpDir, `${sha256}.${randomBytes(8).toString('hex')}`);
    const handle = await fs.open(temporary, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await fs.rename(temporary, target);
    await fsyncDirectory(directory);
    if (firstCreated !== undefined) {
      // Directories created for this blob: each one's entry in its parent must be durable too.
      const topmostParent = path.dirname(firstCreated);
      for (let parent = path.dirname(directory); ; parent = path.dirname(parent)) {
        await fsyncDirectory(parent);
        if (parent === topmostParent || parent === path.dirname(parent)) break;
      }
    }
    return stored;
  }

  async function get(sha256: string): Promise<Buffer> {
    assertSha256(sha256);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AppError('blob_missing', 500, 'Internal error.', { detail: `blob ${sha256} not found`, cause: error });
      }
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      throw new AppError('blob_corrupt', 500, 'Internal error.', { detail: `blob ${sha256} has content hash ${actual}` });
    }
    return bytes;
  }

  return { put, get, has };
}
