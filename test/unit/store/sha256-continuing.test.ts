/** sha256Continuing: a revision's hash continued from the revision it extends, never a wrong name stored. */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { continuedFrom, putAhead, sha256Continuing, type PutOptions } from '../../../src/store/blob-store.ts';

const plain = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('store: sha256Continuing', () => {
  it('gives the plain SHA-256, whether it continues an earlier revision or not', () => {
    const original = randomBytes(100_000);
    const signed = Buffer.concat([original, randomBytes(20_000)]);
    const extended = Buffer.concat([signed, randomBytes(9_000)]);
    expect(sha256Continuing(original)).to.equal(plain(original));
    expect(sha256Continuing(signed, original)).to.equal(plain(signed));
    expect(sha256Continuing(extended, signed)).to.equal(plain(extended));
    // Not an extension of `earlier`, `earlier` never hashed here, or shorter than it: hashed whole.
    const other = Buffer.concat([randomBytes(100_000), randomBytes(10)]);
    expect(sha256Continuing(other, original)).to.equal(plain(other));
    const unseen = randomBytes(1_000);
    expect(sha256Continuing(Buffer.concat([unseen, Buffer.from('x')]), unseen)).to.equal(plain(Buffer.concat([unseen, Buffer.from('x')])));
    expect(sha256Continuing(original.subarray(0, 10), original)).to.equal(plain(original.subarray(0, 10)));
  });

  it('a Buffer changed after it was hashed gives a wrong name, which putAhead refuses once the store has hashed the bytes', async () => {
    const earlier = Buffer.from('%PDF-1.7 eerste versie');
    sha256Continuing(earlier);
    earlier[0] = 0x25 ^ 0xff;
    const later = Buffer.concat([earlier, Buffer.from(' met handtekening')]);
    const store = { put: async (bytes: Buffer) => ({ sha256: plain(bytes), size: bytes.length }) };
    const { blob, stored } = putAhead(store, later, earlier);
    expect(blob.sha256).to.not.equal(plain(later));
    const error = await stored.then(() => undefined, (e: unknown) => e);
    expect(error).to.include({ code: 'blob_corrupt' });
    // The same bytes without a stale state: named right, stored.
    const fresh = putAhead(store, later);
    expect(fresh.blob.sha256).to.equal(plain(later));
    await fresh.stored;
  });

  it('tells the store the revisions a put continues, nearest first (continuedFrom), only ones hashed here that the bytes begin with', async () => {
    const original = randomBytes(50_000);
    const signed = Buffer.concat([original, randomBytes(5_000)]);
    const extended = Buffer.concat([signed, randomBytes(3_000)]);
    const told: Array<PutOptions | undefined> = [];
    const store = { put: async (bytes: Buffer, options?: PutOptions) => (told.push(options), { sha256: plain(bytes), size: bytes.length }) };
    await putAhead(store, original).stored;
    await putAhead(store, signed, original).stored;
    await putAhead(store, extended, signed).stored;
    const name = (bytes: Buffer) => ({ sha256: plain(bytes), size: bytes.length });
    expect(told).to.deep.equal([{ bases: [] }, { bases: [name(original)] }, { bases: [name(signed), name(original)] }]);
    // Not begun by it, the same bytes, or never hashed here: no base.
    expect(continuedFrom(Buffer.concat([randomBytes(50_000), randomBytes(10)]), original)).to.deep.equal([]);
    expect(continuedFrom(Buffer.from(original), original)).to.deep.equal([]);
    const unseen = randomBytes(1_000);
    expect(continuedFrom(Buffer.concat([unseen, Buffer.from('x')]), unseen)).to.deep.equal([]);
  });
});
