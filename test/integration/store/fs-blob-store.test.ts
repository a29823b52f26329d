/** The fs blob store keeps the contract of every blob store, and its ping fails when its directory cannot be used. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createFsBlobStore } from '../../../src/store/index.ts';
import { blobPath, createBlobWriter, legacyBlobPath } from '../../../src/store/fs-blob-writer.ts';
import { promisify } from 'node:util';
import { blobStoreContract, rejection } from './blob-store-contract.ts';

const execFileAsync = promisify(execFile);

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
