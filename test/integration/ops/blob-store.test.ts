import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createFsBlobStore, type BlobStore } from '../../../src/store/index.ts';
import { blobPath } from '../../../src/store/fs-blob-writer.ts';

describe('fs blob store', () => {
  let root: string;
  let blobs: BlobStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-'));
    blobs = createFsBlobStore(root);
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('stores under ab/<sha256> and reads the same bytes back', async () => {
    const bytes = Buffer.from('%PDF-1.7\nhello\n');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await blobs.put(bytes)).to.deep.equal({ sha256, size: bytes.length });
    expect(await blobs.has(sha256)).to.equal(true);
    expect((await blobs.get(sha256)).equals(bytes)).to.equal(true);
    await fs.access(path.join(root, sha256.slice(0, 2), sha256));
    expect(await fs.readdir(path.join(root, '.tmp'))).to.deep.equal([]);
  });

  it('is idempotent for the same content', async () => {
    const bytes = Buffer.from('same');
    const first = await blobs.put(bytes);
    expect(await blobs.put(bytes)).to.deep.equal(first);
  });

  it('refuses to return bytes whose hash does not match their name', async () => {
    const { sha256 } = await blobs.put(Buffer.from('original'));
    const file = blobPath(root, sha256);
    await fs.writeFile(file, 'tampered');
    try {
      await blobs.get(sha256);
      expect.fail('expected blob_corrupt');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('blob_corrupt');
    }
  });

  it('reports a missing blob and rejects names that are not SHA-256 digests', async () => {
    expect(await blobs.has('0'.repeat(64))).to.equal(false);
    for (const [name, code] of [['0'.repeat(64), 'blob_missing'], ['../../etc/passwd', 'blob_id_invalid']] as const) {
      try {
        await blobs.get(name);
        expect.fail(`expected ${code}`);
      } catch (error) {
        expect((error as { code?: string }).code).to.equal(code);
      }
    }
  });
});
