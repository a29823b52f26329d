/**
 * Blobs in PostgreSQL (`BLOB_STORE=db`, issue 11): shared by every instance on the database, in
 * chunks of `CHUNK_BYTES` (migration 0023), so no statement carries a whole 50 MB document.
 *
 * A put writes the chunks, reads back each chunk's length and SHA-256 as the server computes them
 * (so what is stored is what was hashed), and writes the `blobs` row last, all in one transaction: a
 * reader that finds the row finds every chunk. Two instances putting the same blob at once both
 * succeed: the second one's inserts wait on the first one's keys, then do nothing (ON CONFLICT).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { assertSha256, blobCorrupt, blobMissing, blobStoreUnavailable, hashChecked, readAll, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.ts';

/** About 1 MB: large enough that a 50 MB document is 50 statements, small enough that none holds much memory. */
export const CHUNK_BYTES = 1024 * 1024;

interface ChunkCheck {
  seq: number;
  length: number | string;
  sha256: string;
}

function chunksOf(bytes: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) chunks.push(bytes.subarray(offset, offset + chunkBytes));
  return chunks;
}

/** A statement that fails for want of a connection is the store being unreachable; anything else stays what it is. */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  return name === 'KnexTimeoutError' || (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|57P0[1-3]|08\d{3})$/.test(code));
}

async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (unreachable(error)) throw blobStoreUnavailable(`database blob store: ${what}: ${(error as Error).message}`, error);
    throw error;
  }
}

export function createDbBlobStore(db: Knex, options: { chunkBytes?: number } = {}): BlobStore {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;

  async function sizeOf(sha256: string): Promise<{ size: number; chunks: number } | undefined> {
    const row = await db('blobs').where({ sha256 }).first('size', 'chunks');
    return row ? { size: Number(row.size), chunks: Number(row.chunks) } : undefined;
  }

  async function has(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return guarded('has', async () => (await sizeOf(sha256)) !== undefined);
  }

  async function put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const stored = { sha256, size: bytes.length };
    return guarded('put', async () => {
      if (await sizeOf(sha256)) return stored;
      const chunks = chunksOf(bytes, chunkBytes);
      await db.transaction(async (trx) => {
        for (const [seq, chunk] of chunks.entries()) {
          await trx('blob_chunks').insert({ sha256, seq, bytes: chunk }).onConflict(['sha256', 'seq']).ignore();
        }
        await verifyChunks(trx, sha256, chunks);
        await trx('blobs').insert({ sha256, size: bytes.length, chunks: chunks.length }).onConflict('sha256').ignore();
      });
      return stored;
    });
  }

  async function open(sha256: string): Promise<Readable> {
    assertSha256(sha256);
    const found = await guarded('open', () => sizeOf(sha256));
    if (!found) throw blobMissing(sha256);
    // One chunk per statement, fetched as the reader asks for more: memory stays at one chunk.
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < found!.chunks; seq++) {
        const row = await guarded('read', () => db('blob_chunks').where({ sha256, seq }).first('bytes'));
        if (!row) throw blobCorrupt(sha256, `chunk ${seq} of ${found!.chunks} is missing`);
        yield row.bytes as Buffer;
      }
    }
    return hashChecked(Readable.from(chunks(), { objectMode: false }), sha256, found.size);
  }

  async function ping(): Promise<void> {
    await db('blobs').select(db.raw('1')).limit(1);
  }

  return { put, get: async (sha256) => readAll(await open(sha256)), open, has, ping };
}

/**
 * The server's own length and SHA-256 of every chunk (PostgreSQL 11+ `sha256(bytea)`), against
 * ours: the bytes stored, another instance's included, are the bytes hashed. Chunk by chunk, so
 * the check never builds the whole document as one value.
 */
async function verifyChunks(trx: Knex.Transaction, sha256: string, chunks: Buffer[]): Promise<void> {
  const rows = (await trx('blob_chunks')
    .where({ sha256 })
    .orderBy('seq')
    .select('seq', trx.raw('length(bytes) as length'), trx.raw(`encode(sha256(bytes), 'hex') as sha256`))) as ChunkCheck[];
  const mismatch = rows.length !== chunks.length
    ? `${rows.length} chunks stored, ${chunks.length} written`
    : rows.map((row, seq) => (row.seq !== seq || Number(row.length) !== chunks[seq]!.length || row.sha256 !== createHash('sha256').update(chunks[seq]!).digest('hex') ? `chunk ${seq} differs` : '')).find(Boolean);
  if (mismatch) throw blobCorrupt(sha256, `write not verified: ${mismatch}`);
}
