/**
 * The evidence bundle is streamed: each PDF goes from the blob store into the ZIP as the client
 * reads it. What that must not change: the archive (several PDFs, two of the same name) checks with
 * Info-ZIP's `unzip` and Python's zipfile and holds each PDF byte for byte as its own download; a
 * blob that is missing is found before the first byte, so the answer is a problem, not a cut ZIP, and
 * nothing is recorded; a blob that turns out damaged at its end cuts the download. On each blob
 * store: a directory, S3 (a local S3-compatible server) and, on PostgreSQL, the database.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { listEnvelopeAuditEvents } from '../../../src/store/audit-event-repository.ts';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../src/store/s3-blob-store.ts';
import { storedFile } from '../../../src/store/fs-blob-delta.ts';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';
import { auditWorld, cancelledEnvelopeOfThree, completedEnvelope, download, run, sha256, type AuditWorld } from './helpers.ts';

/** Where a blob store keeps a blob, and how a test removes or damages it there (same length, one byte flipped). */
interface StoreUnderTest {
  name: string;
  env(): Promise<Record<string, string>>;
  remove(world: AuditWorld, sha: string): Promise<void>;
  damage(world: AuditWorld, sha: string): Promise<void>;
  close?(): Promise<void>;
}

const flipNearEnd = (bytes: Buffer): Buffer => {
  const damaged = Buffer.from(bytes);
  damaged[damaged.length - 10]! ^= 0xff;
  return damaged;
};

const fsStore = (): StoreUnderTest => {
  // Whole, or its delta on the revision before it (fs-blob-delta.ts).
  const file = (world: AuditWorld, sha: string) => storedFile(path.join(world.app.dataDir, 'blobs'), sha);
  return {
    name: 'BLOB_STORE=fs',
    env: async () => ({}),
    remove: (world, sha) => fs.rm(file(world, sha)),
    async damage(world, sha) {
      await fs.chmod(file(world, sha), 0o640);
      await fs.writeFile(file(world, sha), flipNearEnd(await fs.readFile(file(world, sha))));
    },
  };
};

const dbStore = (): StoreUnderTest => ({
  name: 'BLOB_STORE=db',
  env: async () => ({ BLOB_STORE: 'db' }),
  async remove(world, sha) {
    await world.app.deps.db('blob_chunks').where({ sha256: sha }).delete();
    await world.app.deps.db('blobs').where({ sha256: sha }).delete();
  },
  async damage(world, sha) {
    const last = await world.app.deps.db('blob_chunks').where({ sha256: sha }).orderBy('seq', 'desc').first('seq', 'bytes');
    await world.app.deps.db('blob_chunks').where({ sha256: sha, seq: last.seq }).update({ bytes: flipNearEnd(last.bytes as Buffer) });
  },
});

const s3Store = (): StoreUnderTest => {
  let s3: S3TestServer;
  const keyOf = (sha: string) => `${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;
  const client = () => createS3Client({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, prefix: '' });
  return {
    name: 'BLOB_STORE=s3',
    async env() {
      s3 = await startS3Server();
      return { BLOB_STORE: 's3', ...s3.env };
    },
    async remove(_world, sha) {
      await client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha) }));
    },
    async damage(_world, sha) {
      const stored = Buffer.from(await (await client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha) }))).Body!.transformToByteArray());
      await client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha), Body: flipNearEnd(stored) }));
    },
    close: async () => s3?.close(),
  };
};

const stores = [fsStore(), s3Store(), ...(process.env.TEST_DATABASE_URL ? [dbStore()] : [])];

for (const store of stores) {
  describe(`evidence bundle, streamed (${store.name})`, function () {
    this.timeout(120_000);
    let world: AuditWorld;

    const envelopeOf = async (id: string) => (await request(world.app.url).get(`/api/v1/envelopes/${id}`).set(world.api()).expect(200)).body;
    const bundleOf = (id: string) => download(world, `/api/v1/envelopes/${id}/bundle`);
    const unzip = async (...args: string[]) => (await run('unzip', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout as unknown as Buffer;

    before(async () => {
      world = await auditWorld(await store.env());
    });
    after(async () => {
      await world?.close();
      await store.close?.();
    });

    it('holds several PDFs, each exactly as its download, in an archive unzip and Python check', async () => {
      const { envelopeId } = await cancelledEnvelopeOfThree(world, ['bijlage.pdf', 'bijlage.pdf', 'besluit.pdf']);

      const bundle = await bundleOf(envelopeId);
      expect(bundle.status, String(bundle.body).slice(0, 300)).to.equal(200);
      expect(bundle.headers['content-type']).to.equal('application/zip');
      const zipFile = path.join(world.app.dataDir, 'three.zip');
      await fs.writeFile(zipFile, bundle.body as Buffer);
      expect((await unzip('-tq', zipFile)).toString()).to.match(/No errors detected/);
      await run('python3', ['-m', 'zipfile', '-t', zipFile]);
      const names = (await unzip('-Z1', zipFile)).toString().trim().split('\n');
      expect(names).to.deep.equal(['README.txt', 'documents/bijlage.pdf', 'documents/bijlage (2).pdf', 'documents/besluit.pdf', 'audit-report.pdf', 'audit-events.json']);

      const envelope = await envelopeOf(envelopeId);
      // One after the other: each download appends to the envelope's chain.
      const downloads: string[] = [];
      for (const document of envelope.documents as Array<{ id: string }>) {
        const res = await download(world, `/api/v1/envelopes/${envelopeId}/documents/${document.id}`);
        expect(res.status).to.equal(200);
        downloads.push(sha256(res.body as Buffer));
      }
      const inside = await Promise.all(names.filter((n) => n.startsWith('documents/')).map(async (n) => sha256(await unzip('-p', zipFile, n))));
      expect(inside.slice().sort()).to.deep.equal(downloads.slice().sort());
      expect(new Set(inside).size).to.equal(3);
    });

    it('holds the signed PDF byte for byte as its download', async () => {
      const envelopeId = await completedEnvelope(world);
      const bundle = await bundleOf(envelopeId);
      expect(bundle.status).to.equal(200);
      const zipFile = path.join(world.app.dataDir, 'signed.zip');
      await fs.writeFile(zipFile, bundle.body as Buffer);
      await run('python3', ['-m', 'zipfile', '-t', zipFile]);
      const document = (await envelopeOf(envelopeId)).documents[0];
      const signed = (await download(world, `/api/v1/envelopes/${envelopeId}/documents/${document.id}`)).body as Buffer;
      const inside = await unzip('-p', zipFile, 'documents/besluit.pdf');
      expect(inside.equals(signed)).to.equal(true);
      expect(sha256(inside)).to.equal(document.currentRevision.sha256);
    });

    it('answers a missing PDF with a problem before any byte of ZIP, and records no export', async () => {
      const envelopeId = await completedEnvelope(world);
      const sha = (await envelopeOf(envelopeId)).documents[0].currentRevision.sha256 as string;
      const before = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);
      await store.remove(world, sha);

      const res = await bundleOf(envelopeId);
      expect(res.status).to.equal(500);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.headers['content-disposition']).to.equal(undefined);
      const body = res.body as Buffer;
      expect(body.includes(Buffer.from('PK\x03\x04', 'latin1')), 'no ZIP entry in the answer').to.equal(false);
      expect(JSON.parse(body.toString('utf8'))).to.include({ status: 500, code: 'internal_error' });
      const after = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);
      expect(after.map((e) => e.action)).to.deep.equal(before.map((e) => e.action));
    });

    it('cuts the download when a PDF turns out damaged at its end, rather than ending a complete-looking ZIP', async () => {
      const envelopeId = await completedEnvelope(world);
      const sha = (await envelopeOf(envelopeId)).documents[0].currentRevision.sha256 as string;
      await store.damage(world, sha);

      let failure: unknown;
      try {
        const res = await bundleOf(envelopeId);
        failure = res.status;
      } catch (error) {
        failure = error;
      }
      expect(failure, 'the client sees a broken response').to.be.instanceOf(Error);
    });
  });
}
