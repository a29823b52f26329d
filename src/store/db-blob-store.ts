/**
 * Blobs in PostgreSQL (`BLOB_STORE=db`, issue 11): shared by every instance on the database, in
 * chunks of `CHUNK_BYTES` (migration 0023), so no statement carries a whole 50 MB document.
 *
 * A put writes the chunks, reads back each chunk's length and SHA-256 as the server computes them
 * (so what is stored is what was hashed), and writes the `blobs` row last, all in one transaction: a
 * reader that finds the row finds every chunk. A blob of one chunk, as most documents are, is put in
 * one statement that does the same (putOneChunk), and read with its row in one. Two instances putting
 * the same blob at once both succeed: the second one's inserts wait on the first one's keys, then do
 * nothing (ON CONFLICT).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { assertSha256, blobCorrupt, blobMissing, blobStoreUnavailable, hashChecked, lengthOf, readAll, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.ts';

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
      if (bytes.length > 0 && bytes.length <= chunkBytes && (await putOneChunk(db, sha256, bytes))) return stored;
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
    // The blobs row and the first chunk in one statement: most documents are one chunk, read in one round trip.
    const found = (await guarded('open', () =>
      db('blobs as b')
        .leftJoin('blob_chunks as c', (join) => join.on('c.sha256', 'b.sha256').andOnVal('c.seq', 0))
        .where('b.sha256', sha256)
        .first('b.size', 'b.chunks', 'c.bytes'))) as { size: number | string; chunks: number; bytes: Buffer | null } | undefined;
    if (!found) throw blobMissing(sha256);
    const count = Number(found.chunks);
    // One chunk per statement, fetched as the reader asks for more: memory stays at one chunk.
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < count; seq++) {
        if (seq === 0 && found!.bytes) {
          yield found!.bytes;
          continue;
        }
        const row = await guarded('read', () => db('blob_chunks').where({ sha256, seq }).first('bytes'));
        if (!row) throw blobCorrupt(sha256, `chunk ${seq} of ${count} is missing`);
        yield row.bytes as Buffer;
      }
    }
    return hashChecked(Readable.from(chunks(), { objectMode: false }), sha256, Number(found.size));
  }

  async function ping(): Promise<void> {
    await db('blobs').select(db.raw('1')).limit(1);
  }

  return { put, get: async (sha256) => readAll(await open(sha256)), open, has, check: async (sha256) => lengthOf(await open(sha256)), ping };
}

/**
 * A blob of one chunk in one statement, without a transaction around it: the chunk, then the `blobs` row only when
 * the server's own length and SHA-256 of what it stored are ours. A statement cannot raise an error of its own, so a
 * mismatch divides by zero (22012): that aborts the statement, chunk and all, as a failed check aborts put's
 * transaction. Answers false when the chunk was there already (this blob, maybe half-written by a put that then
 * failed, or being put by another instance): put's general path, which checks what is stored, takes over.
 * Signing stores two new one-chunk blobs per signature; this is one round trip each instead of six (issue 11).
 */
async function putOneChunk(db: Knex, sha256: string, bytes: Buffer): Promise<boolean> {
  try {
    const result = await db.raw<{ rows: unknown[] }>(
      `with chunk as (
         insert into blob_chunks (sha256, seq, bytes) values (?, 0, ?) on conflict (sha256, seq) do nothing
         returning length(bytes) as length, encode(sha256(bytes), 'hex') as sha256)
       insert into blobs (sha256, size, chunks)
         select ?, ?, 1 from chunk where 1 / (chunk.length = ? and chunk.sha256 = ?)::int = 1
       on conflict (sha256) do nothing
       returning 1`,
      [sha256, bytes, sha256, bytes.length, bytes.length, sha256],
    );
    return result.rows.length === 1;
  } catch (error) {
    if ((error as { code?: unknown }).code === '22012') throw blobCorrupt(sha256, 'write not verified: the stored chunk differs');
    throw error;
  }
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
