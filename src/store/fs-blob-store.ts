/**
 * Blobs in a directory (`BLOB_STORE=fs`, the default): one host's disk, so one instance, or several
 * that share the directory. Each is written to a temporary file, fsynced and renamed (DESIGN §8), by the
 * store's writer thread (fs-blob-writer.ts). A PDF revision put on the revision it continues is kept as
 * a delta on it (fs-blob-delta.ts), so a document signed several times takes little more than its final size.
 */
import { closeSync, constants, createReadStream, existsSync, openSync, promises as fs, readFileSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { assertSha256, blobCorrupt, blobMissing, hashChecked, lengthOf, sha256Continuing, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.ts';
import { piecesOf, storedFile, type BlobPiece } from './fs-blob-delta.ts';
import { createBlobWriter } from './fs-blob-writer.ts';

/** Blobs up to this size are read whole synchronously (a sign request reads the PDF it signs so); larger ones through the thread pool. */
const READ_INLINE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Blobs under `<root>/ab/<sha256>`, temporary files under `<root>/.tmp` on the same filesystem; a blob written in the
 * former layout, `<root>/ab/cd/<sha256>`, is read there (fs-blob-writer.ts).
 */
export function createFsBlobStore(root: string): BlobStore {
  const corrupt = (sha256: string) => (detail: string) => blobCorrupt(sha256, detail);

  async function has(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return existsSync(storedFile(root, sha256));
  }

  const writer = createBlobWriter();
  /** Puts under way: a put on a base not yet on disk waits for them, as the B-LT revision's put follows the signed one's. */
  const putting = new Set<Promise<unknown>>();

  async function put(bytes: Buffer, options: PutOptions = {}): Promise<StoredBlob> {
    const { base } = options;
    if (base && putting.size > 0 && !(await has(base.sha256))) await Promise.allSettled([...putting]);
    const stored = writer.put(root, bytes, base);
    putting.add(stored);
    try {
      return { sha256: await stored, size: bytes.length };
    } finally {
      putting.delete(stored);
    }
  }

  /** Its pieces, the bases' first (fs-blob-delta.ts); blob_missing when it is not here. */
  function piecesFor(sha256: string): { pieces: BlobPiece[]; size: number } {
    assertSha256(sha256);
    const found = piecesOf(root, sha256, corrupt(sha256));
    if (!found) throw blobMissing(sha256);
    return found;
  }

  async function open(sha256: string): Promise<Readable> {
    const { pieces, size } = piecesFor(sha256);
    const streams = async function* () {
      for (const piece of pieces) {
        if (piece.length > 0) yield* createReadStream(piece.file, { start: piece.offset, end: piece.offset + piece.length - 1 });
      }
    };
    return hashChecked(Readable.from(streams(), { objectMode: false }), sha256, size);
  }

  async function ping(): Promise<void> {
    // The directory is made on the first put; until then its parent must be there to make it in.
    await fs.mkdir(root, { recursive: true });
    await fs.access(root, constants.R_OK | constants.W_OK);
  }

  /** Read whole and checked against its name, without a stream (a sign request reads the PDF it signs so). */
  async function get(sha256: string): Promise<Buffer> {
    const { pieces, size } = piecesFor(sha256);
    let parts: Buffer[];
    try {
      // Small blobs synchronously (a few tens of microseconds on a local disk), larger ones through the thread pool.
      parts = size <= READ_INLINE_MAX_BYTES ? pieces.map(readPieceSync) : await Promise.all(pieces.map(readPiece));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobMissing(sha256, error);
      throw error;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (bytes.length !== size) throw blobCorrupt(sha256, `${bytes.length} bytes read, ${size} expected`);
    // Its hash state is kept: the revision signed from these bytes continues it (sha256Continuing).
    const actual = sha256Continuing(bytes);
    if (actual !== sha256) throw blobCorrupt(sha256, `content hash ${actual}`);
    return bytes;
  }

  return { put, get, open, has, check: async (sha256) => lengthOf(await open(sha256)), ping, close: () => writer.close() };
}

/** A whole file (offset 0) as it is, else the piece's bytes. */
function readPieceSync(piece: BlobPiece): Buffer {
  if (piece.offset === 0) return readFileSync(piece.file);
  const fd = openSync(piece.file, 'r');
  try {
    const buffer = Buffer.alloc(piece.length);
    readSync(fd, buffer, 0, piece.length, piece.offset);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

async function readPiece(piece: BlobPiece): Promise<Buffer> {
  if (piece.offset === 0) return fs.readFile(piece.file);
  const handle = await fs.open(piece.file, 'r');
  try {
    const buffer = Buffer.alloc(piece.length);
    await handle.read(buffer, 0, piece.length, piece.offset);
    return buffer;
  } finally {
    await handle.close();
  }
}
