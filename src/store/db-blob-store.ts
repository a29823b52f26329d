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
 *
 * A PDF revision is the revision before it and an incremental update. Put with that revision as its base (PutOptions,
 * continuedFrom), a blob keeps only the bytes that follow it (migration 0035): its `blobs` row names the base and its
 * chunks are the rest. A read follows the bases down in the same statement that finds the row, and the whole is
 * checked against the name as always. A decision of 10 MB signed twice takes some 10 MB and its updates instead of
 * seven whole copies.
 */
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { assertSha256, blobCorrupt, checkedWhole, blobMissing, blobStoreUnavailable, digestKept, hashChecked, lengthOf, MAX_BASE_DEPTH, nameOnBase, sha256Hex, type BlobBase, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.ts';

/** About 1 MB: large enough that a 50 MB document is 50 statements, small enough that none holds much memory. */
export const CHUNK_BYTES = 1024 * 1024;

/** One blob of a chain as the read finds it, its first chunk with it. */
interface ChainLink {
  sha256: string;
  base_sha256: string | null;
  size: number | string;
  chunks: number;
  bytes: Buffer | null;
}

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

  /** Puts under way in this process, by name: a revision put on its base waits for the base's (see put). */
  const putting = new Map<string, Promise<StoredBlob>>();

  function put(bytes: Buffer, options: PutOptions = {}): Promise<StoredBlob> {
    // Its hash state kept (digestKept): the next revision, put on these bytes, names them from it.
    const named = nameOnBase(bytes, options.bases?.[0], (hash) => digestKept(bytes, hash));
    // A signature's B-LT revision is put while the signed revision it continues may still be on its way: the base must
    // be committed for putOnBase to find it. Waiting costs little here (a one-chunk put is one round trip, and it goes
    // on while the write phase takes its lock), and putting it on the revision before the signed one instead, as the fs
    // store may, would store the signature's update twice.
    const before = named.base && putting.get(named.base.sha256);
    const stored = before ? before.then(() => write(bytes, named), () => write(bytes, named)) : write(bytes, named);
    putting.set(named.sha256, stored);
    const forget = () => {
      if (putting.get(named.sha256) === stored) putting.delete(named.sha256);
    };
    stored.then(forget, forget);
    return stored;
  }

  async function write(bytes: Buffer, named: Named): Promise<StoredBlob> {
    const { sha256, base } = named;
    const stored = { sha256, size: bytes.length };
    return guarded('put', async () => {
      if (base && bytes.length - base.size <= chunkBytes && (await putOnBase(db, sha256, bytes, base))) return stored;
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

  /** The blob and the blobs it stands on, deepest first, each with its first chunk: one statement (most links are one chunk). */
  async function chain(sha256: string): Promise<{ links: ChainLink[]; size: number }> {
    assertSha256(sha256);
    const result = await guarded('open', () =>
      db.raw<{ rows: ChainLink[] }>(
        `with recursive chain as (
           select sha256, base_sha256, size, chunks, 0 as level from blobs where sha256 = ?
           union all
           select b.sha256, b.base_sha256, b.size, b.chunks, chain.level + 1
             from blobs b join chain on b.sha256 = chain.base_sha256 where chain.level < ?)
         select chain.sha256, chain.base_sha256, chain.size, chain.chunks, c.bytes
           from chain left join blob_chunks c on c.sha256 = chain.sha256 and c.seq = 0
          order by chain.level desc`,
        [sha256, MAX_BASE_DEPTH],
      ),
    );
    const links = result.rows;
    if (links.length === 0) throw blobMissing(sha256);
    if (links[0]!.base_sha256 !== null) throw blobCorrupt(sha256, `its base ${links[0]!.base_sha256} is missing`);
    return { links, size: Number(links.at(-1)!.size) };
  }

  /** Every chunk of the chain in order, one statement per chunk beyond each link's first: memory stays at one chunk. */
  async function* chunksIn(sha256: string, links: ChainLink[]): AsyncGenerator<Buffer> {
    for (const link of links) {
      for (let seq = 0; seq < link.chunks; seq++) {
        const bytes = seq === 0 ? link.bytes : ((await guarded('read', () => db('blob_chunks').where({ sha256: link.sha256, seq }).first('bytes'))) as { bytes: Buffer } | undefined)?.bytes;
        if (!bytes) throw blobCorrupt(sha256, `chunk ${seq} of ${link.chunks}${link.sha256 === sha256 ? '' : ` of its base ${link.sha256}`} is missing`);
        yield bytes;
      }
    }
  }

  async function open(sha256: string): Promise<Readable> {
    const { links, size } = await chain(sha256);
    return hashChecked(Readable.from(chunksIn(sha256, links), { objectMode: false }), sha256, size);
  }

  /** Whole, checked by sha256Continuing: a revision signed from these bytes, or put on them, continues their hash. */
  async function get(sha256: string): Promise<Buffer> {
    const { links, size } = await chain(sha256);
    const pieces: Buffer[] = [];
    for await (const piece of chunksIn(sha256, links)) pieces.push(piece);
    return checkedWhole(sha256, Buffer.concat(pieces), size);
  }

  async function ping(): Promise<void> {
    await db('blobs').select(db.raw('1')).limit(1);
  }

  return { put, get, open, has, check: async (sha256) => lengthOf(await open(sha256)), ping };
}

/** A blob's name, and the base it may be put on: only one whose name is that of its first bytes (nameOnBase). */
type Named = ReturnType<typeof nameOnBase>;

/**
 * A blob that continues `base` as its base's row and one chunk of what follows, in one statement, when the base is
 * stored with that size and stands on fewer than MAX_BASE_DEPTH others; the chunk is checked as putOneChunk checks
 * one. Answers false when nothing was written: no such base (the caller stores the bytes whole), or this blob's
 * chunk there already (put by another writer: the caller's general path finds its row).
 */
async function putOnBase(db: Knex, sha256: string, bytes: Buffer, base: BlobBase): Promise<boolean> {
  const rest = bytes.subarray(base.size);
  return writtenVerified(
    db,
    sha256,
    `with base as (select depth from blobs where sha256 = ? and size = ? and depth < ?),
     chunk as (
       insert into blob_chunks (sha256, seq, bytes) select ?, 0, ? from base on conflict (sha256, seq) do nothing
       returning length(bytes) as length, encode(sha256(bytes), 'hex') as sha256)
     insert into blobs (sha256, size, chunks, base_sha256, depth)
       select ?, ?, 1, ?, (select depth from base) + 1 from chunk where 1 / (chunk.length = ? and chunk.sha256 = ?)::int = 1
     on conflict (sha256) do nothing
     returning 1`,
    [base.sha256, base.size, MAX_BASE_DEPTH, sha256, rest, sha256, bytes.length, base.sha256, rest.length, sha256Hex(rest)],
  );
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
  return writtenVerified(
    db,
    sha256,
    `with chunk as (
       insert into blob_chunks (sha256, seq, bytes) values (?, 0, ?) on conflict (sha256, seq) do nothing
       returning length(bytes) as length, encode(sha256(bytes), 'hex') as sha256)
     insert into blobs (sha256, size, chunks)
       select ?, ?, 1 from chunk where 1 / (chunk.length = ? and chunk.sha256 = ?)::int = 1
     on conflict (sha256) do nothing
     returning 1`,
    [sha256, bytes, sha256, bytes.length, bytes.length, sha256],
  );
}

/**
 * Runs a one-statement put (putOneChunk, putOnBase): true when it wrote the blobs row; its division by zero (22012), a
 * chunk the server stored otherwise than hashed, is blob_corrupt.
 */
async function writtenVerified(db: Knex, sha256: string, sql: string, bindings: readonly Knex.RawBinding[]): Promise<boolean> {
  try {
    const result = await db.raw<{ rows: unknown[] }>(sql, bindings);
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
    : rows.map((row, seq) => (row.seq !== seq || Number(row.length) !== chunks[seq]!.length || row.sha256 !== sha256Hex(chunks[seq]!) ? `chunk ${seq} differs` : '')).find(Boolean);
  // Put meanwhile by another writer on a base (its chunks are then the rest only): stored all the same.
  if (mismatch && !(await trx('blobs').where({ sha256 }).first('sha256'))) throw blobCorrupt(sha256, `write not verified: ${mismatch}`);
}
