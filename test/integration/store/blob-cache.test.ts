/**
 * The blob cache in front of the db blob store (blob-cache.ts, issue 11), on a real PostgreSQL schema: what was put or
 * read is read again (get) without a statement, a download always comes from the store, only bytes checked against
 * their name are kept, and it stays within its budget. The statements the store sends are counted from knex's 'query' event.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { withBlobCache } from '../../../src/store/blob-cache.ts';
import { createDbBlobStore } from '../../../src/store/db-blob-store.ts';
import { sha256Hex, type BlobStore } from '../../../src/store/index.ts';
import { drain, rejection } from './blob-store-contract.ts';
import { freshPgSchema, type PgSchema } from './pg-schema.ts';

const KB = 1024;

describe('store: blob cache (in front of the db blob store)', () => {
  let schema: PgSchema;
  let statements = 0;
  const count = () => {
    statements += 1;
  };
  /** How many statements `fn` sent. */
  const sent = async (fn: () => Promise<unknown>): Promise<number> => {
    const before = statements;
    await fn();
    return statements - before;
  };

  beforeEach(async () => {
    schema = await freshPgSchema();
    schema.db.on('query', count);
  });
  afterEach(async () => {
    schema?.db.off('query', count);
    await schema?.drop();
  });

  it('reads a blob it put, or read once, again without the database; a download always from the database', async () => {
    const cached = withBlobCache(createDbBlobStore(schema.db), { maxBytes: 4 * 1024 * KB });
    const signed = randomBytes(100 * KB);
    const { sha256 } = await cached.put(signed);
    let read: Buffer | undefined;
    expect(await sent(async () => (read = await cached.get(sha256)))).to.equal(0);
    expect(read!.equals(signed)).to.equal(true);
    expect(await sent(async () => expect((await drain(await cached.open(sha256))).bytes.equals(signed)).to.equal(true))).to.equal(1);

    // Stored by another instance: read once from the database (a download streamed whole), then from memory.
    const other = randomBytes(80 * KB);
    await createDbBlobStore(schema.connect()).put(other);
    expect(await sent(async () => expect((await drain(await cached.open(sha256Hex(other)))).bytes.equals(other)).to.equal(true))).to.equal(1);
    expect(await sent(async () => expect((await cached.get(sha256Hex(other))).equals(other)).to.equal(true))).to.equal(0);
  });

  it('keeps no bytes that failed their check, nor a stream left before its end', async () => {
    const store = createDbBlobStore(schema.db);
    const cached = withBlobCache(store, { maxBytes: 4 * 1024 * KB });
    const bytes = randomBytes(60 * KB);
    const sha256 = sha256Hex(bytes);
    // Put behind the cache, then damaged in the database.
    await store.put(bytes);
    await schema.db('blob_chunks').where({ sha256 }).update({ bytes: randomBytes(60 * KB) });
    expect(await rejection(drain(await cached.open(sha256)))).to.include({ code: 'blob_corrupt' });
    expect(await rejection(cached.get(sha256)), 'read again from the database, and refused again').to.include({ code: 'blob_corrupt' });

    // Mended; a reader that stops after its first piece keeps nothing, a whole read is kept.
    await schema.db('blob_chunks').where({ sha256 }).update({ bytes });
    const stream = await cached.open(sha256);
    await new Promise((resolve) => stream.once('readable', resolve));
    stream.destroy();
    expect(await sent(() => cached.get(sha256)), 'not kept from the stream left early').to.equal(1);
    expect(await sent(() => cached.get(sha256))).to.equal(0);
  });

  it('checks a blob in the store, not its copy: a blob damaged or lost there is found while the copy still serves signing', async () => {
    const cached = withBlobCache(createDbBlobStore(schema.db), { maxBytes: 4 * 1024 * KB });
    const bytes = randomBytes(50 * KB);
    const { sha256 } = await cached.put(bytes);
    expect(await cached.check(sha256)).to.equal(bytes.length);
    await schema.db('blob_chunks').where({ sha256 }).update({ bytes: randomBytes(50 * KB) });
    expect(await rejection(cached.check(sha256))).to.include({ code: 'blob_corrupt' });
    await schema.db('blob_chunks').where({ sha256 }).delete();
    await schema.db('blobs').where({ sha256 }).delete();
    expect(await rejection(cached.check(sha256))).to.include({ code: 'blob_missing' });
    expect(await cached.has(sha256)).to.equal(false);
    expect((await cached.get(sha256)).equals(bytes), 'the verified copy').to.equal(true);
  });

  it('stays within its budget: the least recently used blob goes first, a large one is never kept', async () => {
    const cached: BlobStore = withBlobCache(createDbBlobStore(schema.db), { maxBytes: 300 * KB, maxEntryBytes: 150 * KB });
    const [a, b, c, d] = [1, 2, 3, 4].map(() => randomBytes(100 * KB));
    for (const bytes of [a!, b!, c!]) await cached.put(bytes);
    // a was used last but one: d pushes b out.
    await cached.get(sha256Hex(a!));
    await cached.put(d!);
    expect(await sent(() => cached.get(sha256Hex(a!)))).to.equal(0);
    expect(await sent(() => cached.get(sha256Hex(d!)))).to.equal(0);
    expect(await sent(() => cached.get(sha256Hex(b!)))).to.equal(1);
    const large = randomBytes(200 * KB);
    const { sha256 } = await cached.put(large);
    expect(await sent(() => cached.get(sha256))).to.equal(1);
    expect(await sent(() => cached.get(sha256))).to.equal(1);
  });
});
