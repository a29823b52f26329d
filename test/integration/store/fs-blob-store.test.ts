/** The fs blob store keeps the contract of every blob store, and its ping fails when its directory cannot be used. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createFsBlobStore } from '../../../src/store/index.ts';
import { blobStoreContract, rejection } from './blob-store-contract.ts';

describe('store: fs blob store', () => {
  describe('contract', () => {
    blobStoreContract(async () => {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
      return {
        store: createFsBlobStore(root),
        second: createFsBlobStore(root),
        tamper: (sha256, bytes) => fs.writeFile(path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256), bytes),
        close: () => fs.rm(root, { recursive: true, force: true }),
      };
    });
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
