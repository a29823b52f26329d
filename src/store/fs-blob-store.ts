/**
 * Blobs in a directory (`BLOB_STORE=fs`, the default): one host's disk, so one instance, or several
 * that share the directory. Each is written to a temporary file, fsynced and renamed (DESIGN §8), by the
 * store's writer thread (fs-blob-writer.ts). A PDF revision put on the revision it continues is kept as
 * a delta on it (fs-blob-delta.ts), so a document signed several times takes little more than its final size.
 */
import { constants, createReadStream, existsSync, promises as fs, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { assertSha256, blobCorrupt, blobMissing, checkedWhole, hashChecked, lengthOf, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.ts';
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

  async function put(bytes: Buffer, options: PutOptions = {}): Promise<StoredBlob> {
    // The nearest base whose file is in place (the writer checks it further). A signature's B-LT revision is put while
    // its signed revision may still be being written: it goes on the revision before that one rather than wait. A base
    // whose file is in place but not yet fsynced into its directory could be lost with a crash while its delta stays;
    // no revision row names either (rows are committed once every put is durable), and a fresh signature's bytes are
    // never put again, so no later put finds that delta and takes it for stored.
    const base = options.bases?.find((candidate) => existsSync(storedFile(root, candidate.sha256)));
    return { sha256: await writer.put(root, bytes, base), size: bytes.length };
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
    return checkedWhole(sha256, parts.length === 1 ? parts[0]! : Buffer.concat(parts), size);
  }

  return { put, get, open, has, check: async (sha256) => lengthOf(await open(sha256)), ping, close: () => writer.close() };
}

/** A piece runs from its offset (past a delta's header) to the end of its file. */
function readPieceSync(piece: BlobPiece): Buffer {
  return readFileSync(piece.file).subarray(piece.offset);
}

async function readPiece(piece: BlobPiece): Promise<Buffer> {
  return (await fs.readFile(piece.file)).subarray(piece.offset);
}
