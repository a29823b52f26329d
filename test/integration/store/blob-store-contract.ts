/**
 * What every blob store promises (src/store/blob-store.ts), run against fs, db and s3 alike: the
 * same bytes back, a missing or damaged blob as a clear error, the same blob put by two instances
 * at once, and a 20 MB blob streamed in pieces.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { expect } from 'chai';
import { putAhead } from '../../../src/store/blob-store.ts';
import { sha256Hex, type BlobStore } from '../../../src/store/index.ts';

export interface StoreUnderTest {
  store: BlobStore;
  /** The same store as another instance sees it (its own connection or client). */
  second: BlobStore;
  /** Replaces the stored bytes of `sha256` behind the store's back. */
  tamper(sha256: string, bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; status?: number; detail?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; status?: number };
  }
  throw new Error('expected a rejection');
}

/** Reads a stream to its end, counting the pieces it arrived in. */
export async function drain(stream: Readable): Promise<{ bytes: Buffer; pieces: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), pieces: chunks.length };
}

export function blobStoreContract(setup: () => Promise<StoreUnderTest>): void {
  let under: StoreUnderTest;
  beforeEach(async () => {
    under = await setup();
  });
  afterEach(() => under?.close());

  it('puts, has, gets and opens the same bytes under their SHA-256', async () => {
    const bytes = Buffer.from('%PDF-1.7\nbesluit\n%%EOF\n');
    const sha256 = sha256Hex(bytes);
    expect(await under.store.has(sha256)).to.equal(false);
    expect(await under.store.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
    expect(await under.store.has(sha256)).to.equal(true);
    expect((await under.store.get(sha256)).equals(bytes)).to.equal(true);
    expect((await drain(await under.store.open(sha256))).bytes.equals(bytes)).to.equal(true);
    expect((await under.second.get(sha256)).equals(bytes), 'another instance reads it').to.equal(true);
    await under.store.ping();
  });

  it('stores the same bytes once, put again or by two instances at the same moment', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const sha256 = sha256Hex(bytes);
    const results = await Promise.all([under.store.put(bytes), under.second.put(bytes), under.store.put(bytes)]);
    expect(results).to.deep.equal([0, 1, 2].map(() => ({ sha256, size: bytes.length })));
    expect(await under.store.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
    expect((await under.second.get(sha256)).equals(bytes)).to.equal(true);
  });

  it('checks a blob by reading it to its end, answering its size', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const { sha256 } = await under.store.put(bytes);
    expect(await under.second.check(sha256)).to.equal(bytes.length);
    expect(await rejection(under.store.check(sha256Hex(Buffer.from('nooit opgeslagen'))))).to.include({ code: 'blob_missing' });
  });

  it('answers blob_missing for an unknown blob, on get and before any byte on open, and blob_id_invalid for a bad name', async () => {
    const unknown = sha256Hex(Buffer.from('never stored'));
    expect(await rejection(under.store.get(unknown))).to.include({ code: 'blob_missing', status: 500 });
    expect(await rejection(under.store.open(unknown))).to.include({ code: 'blob_missing' });
    expect(await rejection(under.store.get('../../etc/passwd'))).to.include({ code: 'blob_id_invalid' });
    expect(await rejection(under.store.open('A'.repeat(64)))).to.include({ code: 'blob_id_invalid' });
  });

  it('refuses bytes that do not hash to their name: get rejects, and the opened stream errors at its end', async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    const { sha256 } = await under.store.put(bytes);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 0xff;
    await under.tamper(sha256, tampered);
    expect(await rejection(under.store.get(sha256))).to.include({ code: 'blob_corrupt' });
    expect(await rejection(drain(await under.store.open(sha256)))).to.include({ code: 'blob_corrupt' });
    expect(await rejection(under.store.check(sha256))).to.include({ code: 'blob_corrupt' });
  });

  it('streams a 20 MB blob in pieces and gives back exactly its bytes', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const { sha256, size } = await under.store.put(bytes);
    expect(size).to.equal(bytes.length);
    const read = await drain(await under.second.open(sha256));
    expect(read.pieces, 'read in pieces, not as one buffer').to.be.greaterThan(1);
    expect(sha256Hex(read.bytes)).to.equal(sha256);
  });
}

/** A document and `n` revisions, each the one before it and an update of `step` bytes (as a PDF's incremental updates). */
export function revisions(first: number, step: number, n: number): Buffer[] {
  const out = [randomBytes(first)];
  for (let i = 0; i < n; i++) out.push(Buffer.concat([out.at(-1)!, randomBytes(step)]));
  return out;
}

/** Puts each revision on the one before it, named as the sign request names them (putAhead, continuedFrom); their names. */
export async function putChain(store: Pick<BlobStore, 'put'>, chain: Buffer[]): Promise<string[]> {
  const names: string[] = [];
  for (const [i, bytes] of chain.entries()) {
    const { blob, stored } = putAhead(store, bytes, chain[i - 1]);
    await stored;
    names.push(blob.sha256);
  }
  return names;
}

