/** The fs blob store keeps the contract of every blob store, and its ping fails when its directory cannot be used. */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createFsBlobStore } from '../../../src/store/index.ts';
import { blobPath, createBlobWriter, legacyBlobPath } from '../../../src/store/fs-blob-writer.ts';
import { promisify } from 'node:util';
import { blobStoreContract, drain, putChain, rejection, revisions } from './blob-store-contract.ts';
import { deltaPath } from '../../../src/store/fs-blob-delta.ts';
import { MAX_BASE_DEPTH, putAhead } from '../../../src/store/blob-store.ts';

const execFileAsync = promisify(execFile);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A put under way when its store closes is settled, never left hanging: rejected with the reason, or, when its
 * thread finished before the close reached it, resolved with the whole blob in place. Which one is the scheduler's
 * choice (a CI run on two busy cores once let a 48 MB put finish first), so both are accepted; a hang is not.
 */
async function expectSettledByClose(put: Promise<{ sha256: string; size: number }>, root: string): Promise<void> {
  const outcome = await Promise.race([
    put.then((blob) => ({ blob }), (error: Error) => ({ error })),
    new Promise<'hanging'>((resolve) => setTimeout(resolve, 5000, 'hanging').unref()),
  ]);
  if (outcome === 'hanging') expect.fail('a put under way was left hanging by the close');
  if ('error' in outcome) {
    expect(outcome.error.message).to.match(/closed|exited/);
    return;
  }
  const bytes = await fs.readFile(blobPath(root, outcome.blob.sha256));
  expect(bytes.length).to.equal(outcome.blob.size);
  expect(createHash('sha256').update(bytes).digest('hex')).to.equal(outcome.blob.sha256);
}

describe('store: fs blob store', () => {
  describe('contract', () => {
    blobStoreContract(async () => {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
      return {
        store: createFsBlobStore(root),
        second: createFsBlobStore(root),
        tamper: (sha256, bytes) => fs.writeFile(blobPath(root, sha256), bytes),
        close: () => fs.rm(root, { recursive: true, force: true }),
      };
    });
  });

  describe('a revision put on the revision it continues', () => {
    let root: string;
    beforeEach(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    });
    afterEach(() => fs.rm(root, { recursive: true, force: true }));
    /** The bytes of a delta file past its header, or undefined when the blob is not kept as one. */
    const deltaBytes = async (sha256: string) => {
      const file = await fs.readFile(deltaPath(root, sha256)).catch(() => undefined);
      return file && file.subarray(file.indexOf(0x0a) + 1);
    };

    it('keeps only what a revision appends, and reads every revision back whole through get, open and check', async () => {
      const store = createFsBlobStore(root);
      const chain = revisions(300 * 1024, 20 * 1024, 6);
      const names = await putChain(store, chain);
      expect((await fs.stat(blobPath(root, names[0]!))).size).to.equal(300 * 1024);
      for (const [i, name] of names.entries()) {
        if (i === 0) continue;
        expect((await deltaBytes(name))?.equals(chain[i]!.subarray(chain[i - 1]!.length)), `revision ${i} holds its update only`).to.equal(true);
        expect(await fs.stat(blobPath(root, name)).catch(() => 'absent')).to.equal('absent');
      }
      const fresh = createFsBlobStore(root);
      try {
        for (const [i, name] of names.entries()) {
          expect((await fresh.get(name)).equals(chain[i]!), `get of revision ${i}`).to.equal(true);
          expect((await drain(await fresh.open(name))).bytes.equals(chain[i]!), `open of revision ${i}`).to.equal(true);
          expect(await fresh.check(name)).to.equal(chain[i]!.length);
          expect(await fresh.has(name)).to.equal(true);
        }
      } finally {
        await fresh.close?.();
        await store.close?.();
      }
    });

    it('stores a revision whole when its base is not stored as said, is named otherwise, or stands too deep', async () => {
      const store = createFsBlobStore(root);
      try {
        const [first, second] = revisions(8 * 1024, 1024, 1) as [Buffer, Buffer];
        const unstored = await store.put(second, { bases: [{ sha256: sha256(first), size: first.length }] });
        expect((await fs.readFile(blobPath(root, unstored.sha256))).equals(second)).to.equal(true);
        const [a, b] = revisions(8 * 1024, 1024, 1) as [Buffer, Buffer];
        const other = await store.put(randomBytes(8 * 1024));
        const misnamed = await store.put(b, { bases: [{ sha256: other.sha256, size: a.length }] });
        expect(await deltaBytes(misnamed.sha256)).to.equal(undefined);
        expect((await store.get(misnamed.sha256)).equals(b)).to.equal(true);
        const deep = revisions(4096, 512, MAX_BASE_DEPTH + 1);
        const names = await putChain(store, deep);
        expect(await deltaBytes(names[MAX_BASE_DEPTH]!)).to.not.equal(undefined);
        expect(await deltaBytes(names[MAX_BASE_DEPTH + 1]!), 'the revision past the deepest starts anew').to.equal(undefined);
        expect((await store.get(names[MAX_BASE_DEPTH]!)).equals(deep[MAX_BASE_DEPTH]!)).to.equal(true);
      } finally {
        await store.close?.();
      }
    });

    it('reports a revision whose base was damaged or lost as blob_corrupt, on every read', async () => {
      const store = createFsBlobStore(root);
      try {
        const chain = revisions(8 * 1024, 1024, 2);
        const names = await putChain(store, chain);
        await fs.writeFile(blobPath(root, names[0]!), randomBytes(8 * 1024));
        expect(await rejection(store.get(names[2]!))).to.include({ code: 'blob_corrupt' });
        expect(await rejection(store.check(names[2]!))).to.include({ code: 'blob_corrupt' });
        await fs.rm(blobPath(root, names[0]!));
        const lost = await rejection(store.get(names[1]!));
        expect(lost).to.include({ code: 'blob_corrupt' });
        expect(lost.detail).to.include(`its base ${names[0]} is missing`);
        expect(await rejection(store.open(names[2]!))).to.include({ code: 'blob_corrupt' });
      } finally {
        await store.close?.();
      }
    });

    it('puts a revision whose nearest base is still being written on the one before it, without waiting', async () => {
      const store = createFsBlobStore(root);
      try {
        for (let round = 0; round < 5; round++) {
          const [original, signed, extended] = revisions(64 * 1024, 20 * 1024, 2) as [Buffer, Buffer, Buffer];
          await putAhead(store, original).stored;
          // Started together, as the sign request starts a signed revision and its B-LT revision.
          const first = putAhead(store, signed, original);
          const second = putAhead(store, extended, signed);
          await Promise.all([first.stored, second.stored]);
          const file = await fs.readFile(deltaPath(root, second.blob.sha256));
          const base = /^%paraaf-delta 1 ([0-9a-f]{64}) (\d+)/.exec(file.toString('latin1'))!;
          expect([sha256(signed), sha256(original)], `round ${round}: on the signed revision, or on the one before it`).to.include(base[1]);
          expect(file.length - (file.indexOf(0x0a) + 1)).to.equal(extended.length - Number(base[2]));
          expect((await store.get(second.blob.sha256)).equals(extended)).to.equal(true);
        }
      } finally {
        await store.close?.();
      }
    });
  });

  it('reads, streams and finds a blob written in the former two-level layout (ab/cd/<sha256>)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    const store = createFsBlobStore(root);
    try {
      const bytes = Buffer.from('besluit van vóór de nieuwe indeling');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await fs.mkdir(path.dirname(legacyBlobPath(root, sha256)), { recursive: true });
      await fs.writeFile(legacyBlobPath(root, sha256), bytes);
      expect(await store.has(sha256)).to.equal(true);
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
      const chunks: Buffer[] = [];
      for await (const chunk of await store.open(sha256)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).to.equal(true);
      // Stored again, it goes to the current layout, which reads then prefer.
      expect(await store.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
      expect((await fs.readFile(blobPath(root, sha256))).equals(bytes)).to.equal(true);
      await fs.rm(legacyBlobPath(root, sha256));
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
    } finally {
      await store.close?.();
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('remembers the directories it made, and makes them again when they were removed behind its back', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    try {
      const store = createFsBlobStore(root);
      const first = await store.put(Buffer.from('eerste'));
      // The same shard directory, then everything removed: the next puts make .tmp and the shards anew.
      await fs.rm(path.join(root, first.sha256.slice(0, 2)), { recursive: true });
      const again = await store.put(Buffer.from('eerste'));
      expect(again).to.deep.equal(first);
      await fs.rm(root, { recursive: true });
      const second = await store.put(Buffer.from('tweede'));
      expect((await store.get(second.sha256)).toString()).to.equal('tweede');
      expect(await fs.readdir(path.join(root, '.tmp'))).to.deep.equal([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('stores exactly the bytes of a Buffer that views part of a larger one, and leaves the caller its Buffer', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    const store = createFsBlobStore(root);
    try {
      const whole = Buffer.from('voorafgaand|het besluit zelf|nadien');
      const view = whole.subarray(12, 29);
      const stored = await store.put(view);
      expect(stored).to.deep.equal({ sha256: createHash('sha256').update('het besluit zelf|').digest('hex'), size: 17 });
      expect(await fs.readFile(blobPath(root, stored.sha256), 'utf8')).to.equal('het besluit zelf|');
      // The writer thread got a copy: the caller's bytes are still there, whole.
      expect(view.toString()).to.equal('het besluit zelf|');
      expect(whole.toString()).to.equal('voorafgaand|het besluit zelf|nadien');
    } finally {
      await store.close?.();
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('settles a put under way when the store is closed, and rejects a failing write with its error code', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    try {
      await fs.writeFile(path.join(work, 'blobs'), 'not a directory');
      const broken = createFsBlobStore(path.join(work, 'blobs'));
      expect(await rejection(broken.put(Buffer.from('x')))).to.include({ code: 'ENOTDIR' });
      await broken.close?.();
      const store = createFsBlobStore(path.join(work, 'fresh'));
      const underWay = store.put(Buffer.alloc(8 * 1024 * 1024, 7));
      await store.close?.();
      await expectSettledByClose(underWay, path.join(work, 'fresh'));
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('writes two puts at once on two threads: a small one is not queued behind a large one, and a close settles both under way', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    const store = createFsBlobStore(root);
    const writer = createBlobWriter();
    try {
      // Both threads started, then a large blob (hashed, written and fsynced: a hundred milliseconds or more) and a small
      // one: each thread has one in hand. Which of them is durable first is the disk's business (ext4 may make the small
      // file's fsync wait for the large one's data), and a loaded machine's: not asserted.
      await Promise.all([writer.put(root, Buffer.from('warm 1')), writer.put(root, Buffer.from('warm 2'))]);
      const large = writer.put(root, Buffer.alloc(48 * 1024 * 1024, 3));
      const small = writer.put(root, Buffer.from('agenda'));
      expect(writer.inFlight()).to.deep.equal([1, 1]);
      const [big, little] = await Promise.all([large, small]);
      expect(writer.inFlight()).to.deep.equal([0, 0]);
      expect((await store.get(little)).toString()).to.equal('agenda');
      expect((await fs.stat(blobPath(root, big))).size).to.equal(48 * 1024 * 1024);
      expect(await fs.readdir(path.join(root, '.tmp'))).to.deep.equal([]);

      const underWay = [store.put(Buffer.alloc(48 * 1024 * 1024, 8)), store.put(Buffer.alloc(48 * 1024 * 1024, 9))];
      await store.close?.();
      for (const put of underWay) await expectSettledByClose(put, root);
    } finally {
      await writer.close();
      await store.close?.();
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('finishes a put in a process that has nothing else to wait for (a CLI command)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    try {
      const script = `import { createFsBlobStore } from ${JSON.stringify(path.resolve('src/store/index.ts'))};
const stored = await createFsBlobStore(${JSON.stringify(root)}).put(Buffer.from('raadsbesluit'));
process.stdout.write(stored.sha256);`;
      const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      expect(stdout).to.equal(createHash('sha256').update('raadsbesluit').digest('hex'));
      expect(await fs.readFile(blobPath(root, stdout), 'utf8')).to.equal('raadsbesluit');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('ping rejects when the directory cannot be made (a file stands in its place)', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    try {
      await fs.writeFile(path.join(work, 'blobs'), 'not a directory');
      expect(await rejection(createFsBlobStore(path.join(work, 'blobs')).ping())).to.include({ code: 'EEXIST' });
      await createFsBlobStore(path.join(work, 'fresh')).ping();
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
