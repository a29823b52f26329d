/**
 * The db blob store (BLOB_STORE=db) on PostgreSQL: the contract of every blob store, chunks of at
 * most 1 MB per statement both ways, and an unreachable database as blob_store_unavailable.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import knexFactory from 'knex';
import { createDbBlobStore, CHUNK_BYTES } from '../../../src/store/db-blob-store.ts';
import { MAX_BASE_DEPTH, putAhead } from '../../../src/store/blob-store.ts';
import { createDb, sha256Hex } from '../../../src/store/index.ts';
import { blobStoreContract, drain, putChain, rejection, revisions } from './blob-store-contract.ts';
import { freshPgSchema, type PgSchema } from './pg-schema.ts';

/** The largest value bound to any statement `db` ran while `fn` ran, and how many statements that was. */
async function largestBinding(db: ReturnType<typeof createDb>, fn: () => Promise<unknown>): Promise<{ largest: number; statements: number }> {
  let largest = 0;
  let statements = 0;
  const onQuery = (query: { bindings?: unknown[] }) => {
    statements++;
    for (const value of query.bindings ?? []) if (Buffer.isBuffer(value)) largest = Math.max(largest, value.length);
  };
  db.on('query', onQuery);
  try {
    await fn();
  } finally {
    db.off('query', onQuery);
  }
  return { largest, statements };
}

describe('store: db blob store (PostgreSQL)', () => {
  describe('contract', () => {
    blobStoreContract(async () => {
      const schema = await freshPgSchema();
      return {
        store: createDbBlobStore(schema.db),
        second: createDbBlobStore(schema.connect()),
        tamper: async (sha256, bytes) => {
          // Chunk by chunk as the store laid it out, so only the content differs.
          for (let seq = 0; seq * CHUNK_BYTES < bytes.length; seq++) {
            await schema.db('blob_chunks').where({ sha256, seq }).update({ bytes: bytes.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES) });
          }
        },
        close: () => schema.drop(),
      };
    });
  });

  describe('layout', () => {
    let schema: PgSchema;
    beforeEach(async () => {
      schema = await freshPgSchema();
    });
    afterEach(() => schema?.drop());

    it('writes and reads a 20 MB blob as 20 chunks, no statement carrying more than 1 MB', async () => {
      const store = createDbBlobStore(schema.db);
      const bytes = randomBytes(20 * CHUNK_BYTES);
      const sha256 = sha256Hex(bytes);
      const written = await largestBinding(schema.db, () => store.put(bytes));
      expect(written.largest).to.equal(CHUNK_BYTES);
      // existence check, BEGIN, 20 chunk inserts, the chunk check, the blobs row, COMMIT
      expect(written.statements).to.equal(25);
      expect(await schema.db('blob_chunks').where({ sha256 }).count({ n: '*' }).first()).to.deep.equal({ n: '20' });
      expect(await schema.db('blobs').where({ sha256 }).first('size', 'chunks')).to.deep.include({ size: String(bytes.length), chunks: 20 });

      let read: Awaited<ReturnType<typeof drain>> | undefined;
      const reading = await largestBinding(schema.db, async () => {
        read = await drain(await store.open(sha256));
      });
      expect(reading.statements, 'the blobs row with the first chunk, then one statement per chunk').to.equal(20);
      expect(read!.pieces).to.equal(20);
      expect(sha256Hex(read!.bytes)).to.equal(sha256);
    });

    it('writes and reads a blob of one chunk in one statement each way', async () => {
      const store = createDbBlobStore(schema.db);
      const bytes = randomBytes(120 * 1024);
      const sha256 = sha256Hex(bytes);
      expect((await largestBinding(schema.db, () => store.put(bytes))).statements).to.equal(1);
      expect(await schema.db('blobs').where({ sha256 }).first('size', 'chunks')).to.deep.include({ size: String(bytes.length), chunks: 1 });
      let read: Buffer | undefined;
      expect((await largestBinding(schema.db, async () => (read = await store.get(sha256)))).statements).to.equal(1);
      expect(read!.equals(bytes)).to.equal(true);
      // Put again: the chunk is there, so the general path answers from the blobs row.
      expect(await store.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
      expect(await schema.db('blob_chunks').where({ sha256 }).count({ n: '*' }).first()).to.deep.equal({ n: '1' });
    });

    it('refuses a one-chunk write the server stored otherwise, and keeps nothing of it', async () => {
      // As if the bytes changed on their way: the server stores other bytes than those hashed.
      await schema.db.raw(`create function flip_first_byte() returns trigger language plpgsql as $$
        begin new.bytes := set_byte(new.bytes, 0, (get_byte(new.bytes, 0) + 1) % 256); return new; end $$`);
      await schema.db.raw('create trigger flip_first_byte before insert on blob_chunks for each row execute function flip_first_byte()');
      const store = createDbBlobStore(schema.db);
      const bytes = randomBytes(4096);
      const sha256 = sha256Hex(bytes);
      const error = await rejection(store.put(bytes));
      expect(error).to.include({ code: 'blob_corrupt' });
      expect(error.detail).to.include('write not verified');
      expect(await store.has(sha256)).to.equal(false);
      expect(await schema.db('blob_chunks').where({ sha256 }).count({ n: '*' }).first()).to.deep.equal({ n: '0' });
      await schema.db.raw('drop trigger flip_first_byte on blob_chunks');
      expect(await store.put(bytes), 'a later put of the same bytes succeeds').to.deep.equal({ sha256, size: bytes.length });
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
    });

    it('checks a chunk left without its blobs row before naming it a blob', async () => {
      const store = createDbBlobStore(schema.db);
      const bytes = randomBytes(4096);
      const sha256 = sha256Hex(bytes);
      // What a write cut short could leave under this name: other bytes, no blobs row.
      await schema.db('blob_chunks').insert({ sha256, seq: 0, bytes: randomBytes(4096) });
      expect(await rejection(store.put(bytes))).to.include({ code: 'blob_corrupt' });
      expect(await store.has(sha256)).to.equal(false);
      // The right bytes left the same way are taken as they are.
      await schema.db('blob_chunks').where({ sha256 }).update({ bytes });
      expect(await store.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
    });

    it('leaves nothing behind when a write fails half-way: no blobs row, no chunks', async () => {
      await schema.db.raw(`create function fail_third_chunk() returns trigger language plpgsql as $$
        begin if new.seq = 2 then raise exception 'disk full'; end if; return new; end $$`);
      await schema.db.raw('create trigger fail_third_chunk before insert on blob_chunks for each row execute function fail_third_chunk()');
      const store = createDbBlobStore(schema.db, { chunkBytes: 1024 });
      const bytes = randomBytes(4096);
      expect(await rejection(store.put(bytes))).to.have.property('message').that.includes('disk full');
      const sha256 = sha256Hex(bytes);
      expect(await store.has(sha256)).to.equal(false);
      expect(await schema.db('blob_chunks').where({ sha256 }).count({ n: '*' }).first()).to.deep.equal({ n: '0' });
      await schema.db.raw('drop trigger fail_third_chunk on blob_chunks');
      expect(await store.put(bytes), 'a later put of the same bytes succeeds').to.deep.equal({ sha256, size: bytes.length });
    });

    it('reports a blob whose chunk went missing as blob_corrupt, not as a short document', async () => {
      const store = createDbBlobStore(schema.db, { chunkBytes: 1024 });
      const { sha256 } = await store.put(randomBytes(4096));
      await schema.db('blob_chunks').where({ sha256, seq: 2 }).delete();
      const error = await rejection(store.get(sha256));
      expect(error).to.include({ code: 'blob_corrupt' });
      expect(error.detail).to.include('chunk 2 of 4 is missing');
    });

    it('compresses a chunk with lz4 where the server has it, and reads it back whole', async () => {
      const hasLz4 = (await schema.db.raw(`select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)`)).rows.length > 0;
      // Debian's PostgreSQL (CI's and this project's machines) is built with lz4: the migration must have used it.
      expect(hasLz4, 'this PostgreSQL has lz4').to.equal(true);
      const store = createDbBlobStore(schema.db);
      // A PDF's text and its compressed streams: half compressible, half not (pglz gives up on such a value).
      const bytes = Buffer.concat([randomBytes(64 * 1024), Buffer.from('BT /F1 12 Tf 72 712 Td (Gemeenteraad) Tj ET\n'.repeat(1500))]);
      const { sha256 } = await store.put(bytes);
      const row = (await schema.db.raw(`select pg_column_compression(bytes) as method, pg_column_size(bytes) as stored from blob_chunks where sha256 = ?`, [sha256])).rows[0];
      expect(row.method).to.equal('lz4');
      expect(Number(row.stored)).to.be.lessThan(bytes.length * 0.7);
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
    });

    it('keeps an empty blob as a row without chunks', async () => {
      const store = createDbBlobStore(schema.db);
      const { sha256, size } = await store.put(Buffer.alloc(0));
      expect(size).to.equal(0);
      expect((await store.get(sha256)).length).to.equal(0);
      expect(await schema.db('blob_chunks').where({ sha256 }).count({ n: '*' }).first()).to.deep.equal({ n: '0' });
    });
  });

  describe('a revision put on the revision it continues', () => {
    let schema: PgSchema;
    beforeEach(async () => {
      schema = await freshPgSchema();
    });
    afterEach(() => schema?.drop());

    /** The bytes the store holds for a blob itself: its own chunks, without those of its bases. */
    const ownBytes = async (sha256: string) => Number((await schema.db('blob_chunks').where({ sha256 }).sum({ n: schema.db.raw('octet_length(bytes)') }).first())!.n ?? 0);
    it('keeps only what a revision appends, and reads every revision back whole through get, open and check', async () => {
      const store = createDbBlobStore(schema.db);
      const chain = revisions(300 * 1024, 20 * 1024, 6);
      const names = await putChain(store, chain);
      expect(await ownBytes(names[0]!)).to.equal(300 * 1024);
      for (const name of names.slice(1)) expect(await ownBytes(name), 'a revision holds its update only').to.equal(20 * 1024);
      expect(await schema.db('blobs').where({ sha256: names[6]! }).first('base_sha256', 'depth', 'size')).to.deep.equal({ base_sha256: names[5], depth: 6, size: String(chain[6]!.length) });
      const fresh = createDbBlobStore(schema.connect());
      for (const [i, name] of names.entries()) {
        expect((await fresh.get(name)).equals(chain[i]!), `get of revision ${i}`).to.equal(true);
        expect((await drain(await fresh.open(name))).bytes.equals(chain[i]!), `open of revision ${i}`).to.equal(true);
        expect(await fresh.check(name)).to.equal(chain[i]!.length);
        expect(await fresh.has(name)).to.equal(true);
      }
      let read: Buffer | undefined;
      expect((await largestBinding(schema.db, async () => (read = await store.get(names[6]!)))).statements, 'a chain of one-chunk links in one statement').to.equal(1);
      expect(read!.equals(chain[6]!)).to.equal(true);
    });

    it('stores a revision whole when its base is not stored as said, is named otherwise, or stands too deep', async () => {
      const store = createDbBlobStore(schema.db);
      const [first, second] = revisions(8 * 1024, 1024, 1) as [Buffer, Buffer];
      // The base was never stored.
      const unstored = await store.put(second, { bases: [{ sha256: sha256Hex(first), size: first.length }] });
      expect(await ownBytes(unstored.sha256)).to.equal(second.length);
      expect((await store.get(unstored.sha256)).equals(second)).to.equal(true);
      // A name that is not that of the first bytes: ignored, never stored as a base.
      const [a, b] = revisions(8 * 1024, 1024, 1) as [Buffer, Buffer];
      const other = await store.put(randomBytes(8 * 1024));
      const misnamed = await store.put(b, { bases: [{ sha256: other.sha256, size: a.length }] });
      expect(await schema.db('blobs').where({ sha256: misnamed.sha256 }).first('base_sha256')).to.deep.equal({ base_sha256: null });
      expect((await store.get(misnamed.sha256)).equals(b)).to.equal(true);
      // MAX_BASE_DEPTH links deep, the next revision starts a chain of its own.
      const deep = revisions(4096, 512, MAX_BASE_DEPTH + 1);
      const names = await putChain(store, deep);
      expect(await schema.db('blobs').where({ sha256: names[MAX_BASE_DEPTH]! }).first('depth')).to.deep.equal({ depth: MAX_BASE_DEPTH });
      expect(await schema.db('blobs').where({ sha256: names[MAX_BASE_DEPTH + 1]! }).first('depth', 'base_sha256')).to.deep.equal({ depth: 0, base_sha256: null });
      expect((await store.get(names[MAX_BASE_DEPTH]!)).equals(deep[MAX_BASE_DEPTH]!)).to.equal(true);
    });

    it('reports a revision whose base was damaged or lost as blob_corrupt, on every read', async () => {
      const store = createDbBlobStore(schema.db);
      const chain = revisions(8 * 1024, 1024, 2);
      const names = await putChain(store, chain);
      await schema.db('blob_chunks').where({ sha256: names[0]!, seq: 0 }).update({ bytes: randomBytes(8 * 1024) });
      expect(await rejection(store.get(names[2]!))).to.include({ code: 'blob_corrupt' });
      expect(await rejection(store.check(names[2]!))).to.include({ code: 'blob_corrupt' });
      expect(await rejection(drain(await store.open(names[2]!)))).to.include({ code: 'blob_corrupt' });
      await schema.db('blob_chunks').where({ sha256: names[0]! }).delete();
      const lost = await rejection(store.get(names[1]!));
      expect(lost).to.include({ code: 'blob_corrupt' });
      expect(lost.detail).to.include(`of its base ${names[0]}`);
    });

    it('puts a revision whose base is still being put here on that base, once it is stored', async () => {
      const store = createDbBlobStore(schema.db);
      const [original, signed, extended] = revisions(64 * 1024, 20 * 1024, 2) as [Buffer, Buffer, Buffer];
      await putAhead(store, original).stored;
      // Started together, as the sign request starts a signed revision and its B-LT revision.
      const first = putAhead(store, signed, original);
      const second = putAhead(store, extended, signed);
      await Promise.all([first.stored, second.stored]);
      expect(await schema.db('blobs').where({ sha256: second.blob.sha256 }).first('base_sha256', 'depth')).to.deep.equal({ base_sha256: sha256Hex(signed), depth: 2 });
      expect(await ownBytes(second.blob.sha256)).to.equal(extended.length - signed.length);
      expect((await createDbBlobStore(schema.connect()).get(second.blob.sha256)).equals(extended)).to.equal(true);
    });

    it('stores the same revision put whole and on its base at once, by two instances, readable either way', async () => {
      const store = createDbBlobStore(schema.db);
      const second = createDbBlobStore(schema.connect());
      for (const size of [8 * 1024, 3 * 1024 * 1024]) {
        const [first, next] = revisions(size, 4096, 1) as [Buffer, Buffer];
        await putAhead(store, first).stored;
        const [a, b] = await Promise.all([putAhead(store, next, first).stored, second.put(next)]);
        expect(a).to.equal(undefined);
        expect(b).to.deep.equal({ sha256: sha256Hex(next), size: next.length });
        expect((await createDbBlobStore(schema.connect()).get(sha256Hex(next))).equals(next), `${size} bytes`).to.equal(true);
      }
    });
  });

  it('rejects ping and answers blob_store_unavailable (503) when the database cannot be reached', async () => {
    // Nothing listens on port 1; knex's own log of each refused connection is kept out of the test output.
    const quiet = () => undefined;
    const db = knexFactory({ client: 'pg', connection: 'postgres://postgres@127.0.0.1:1/none', log: { warn: quiet, error: quiet, debug: quiet, deprecate: quiet } });
    try {
      const store = createDbBlobStore(db);
      expect(await rejection(store.ping())).to.have.property('code', 'ECONNREFUSED');
      expect(await rejection(store.has(sha256Hex(Buffer.from('x'))))).to.include({ code: 'blob_store_unavailable', status: 503 });
      expect(await rejection(store.open(sha256Hex(Buffer.from('x'))))).to.include({ code: 'blob_store_unavailable', status: 503 });
    } finally {
      await db.destroy();
    }
  });
});
