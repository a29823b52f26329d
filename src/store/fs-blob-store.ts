/**
 * Blobs in a directory (`BLOB_STORE=fs`, the default): one host's disk, so one instance, or several
 * that share the directory. Each is written to a temporary file, fsynced and renamed (DESIGN §8), by the
 * store's writer thread (fs-blob-writer.ts).
 */
import { constants, existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { assertSha256, blobCorrupt, blobMissing, hashChecked, lengthOf, sha256Continuing, type BlobStore, type StoredBlob } from './blob-store.ts';
import { blobPath, createBlobWriter, legacyBlobPath } from './fs-blob-writer.ts';

/** Blobs up to this size are read whole synchronously (a sign request reads the PDF it signs so); larger ones through the thread pool. */
const READ_INLINE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Blobs under `<root>/ab/<sha256>`, temporary files under `<root>/.tmp` on the same filesystem; a blob written in the
 * former layout, `<root>/ab/cd/<sha256>`, is read there (fs-blob-writer.ts).
 */
export function createFsBlobStore(root: string): BlobStore {
  /** The blob's file: where it is written now, else where it was written before (which may not exist either). */
  const fileOf = (sha256: string): string => {
    const current = blobPath(root, sha256);
    return existsSync(current) ? current : legacyBlobPath(root, sha256);
  };

  async function has(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    try {
      await fs.access(fileOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  const writer = createBlobWriter();

  async function put(bytes: Buffer): Promise<StoredBlob> {
    return { sha256: await writer.put(root, bytes), size: bytes.length };
  }

  async function open(sha256: string): Promise<Readable> {
    assertSha256(sha256);
    let handle: fs.FileHandle;
    try {
      // Opened before the stream is handed out, so a missing blob rejects before any byte is sent.
      handle = await fs.open(fileOf(sha256), 'r');
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
    const file = fileOf(sha256);
    let bytes: Buffer;
    try {
      const size = statSync(file, { throwIfNoEntry: false })?.size;
      if (size === undefined) throw blobMissing(sha256);
      bytes = size <= READ_INLINE_MAX_BYTES ? readFileSync(file) : await fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobMissing(sha256, error);
      throw error;
    }
    // Its hash state is kept: the revision signed from these bytes continues it (sha256Continuing).
    const actual = sha256Continuing(bytes);
    if (actual !== sha256) throw blobCorrupt(sha256, `content hash ${actual}`);
    return bytes;
  }

  return { put, get, open, has, check: async (sha256) => lengthOf(await open(sha256)), ping, close: () => writer.close() };
}
