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
