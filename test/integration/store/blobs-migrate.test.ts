/**
 * `npm run cli -- blobs migrate` (issue 11) moves a deployment's documents to a shared store: every
 * revision's PDF and the organisations' logos, fs → db and fs → s3, each verified, run again as a
 * no-op, a blob missing in the source reported with exit 1; a server switched to BLOB_STORE=db then
 * serves the same PDF. Runs as an operator does: the CLI as a process on a fresh PostgreSQL database.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../../src/config.ts';
import { createBlobStore, createDb, sha256Hex, type Knex } from '../../../src/store/index.ts';
import { updateOrganisation } from '../../../src/store/organisations.ts';
import { blobPath } from '../../../src/store/fs-blob-writer.ts';
import { startServer } from '../../../src/server.ts';
import { createTestDatabase, dropTestDatabase } from '../../../scripts/cluster/instances.ts';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';
import { cli } from '../admin-cli/helpers.ts';
import { getBytes, PDF, uploadDocument } from './uploaded-document.ts';

/** A 1×1 PNG: the organisation's logo, a blob referenced from its settings rather than from a revision. */
const LOGO = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2ddc6a40000000049454e44ae426082', 'hex');

describe('store: blobs migrate (CLI)', function () {
  this.timeout(120_000);
  let database: { name: string; url: string };
  let work: string;
  let env: Record<string, string>;
  let s3: S3TestServer;
  let db: Knex;
  let documentPath: string;
  let apiKey: string;
  /** The document as the API served it from fs: its prepared revision. */
  let current: Buffer;

  before(async () => {
    database = await createTestDatabase();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-blobs-migrate-'));
    s3 = await startS3Server();
    env = { DATABASE_URL: database.url, DATA_DIR: path.join(work, 'data'), CERTS_DIR: path.join(work, 'certs'), LOG_LEVEL: 'silent', SIGNER_SECRET: 'm'.repeat(32), ...s3.env };

    // A deployment as it ran before: BLOB_STORE=fs, one envelope uploaded over the API, a logo set.
    const server = await startServer(loadConfig({ ...env, PORT: '0' }), { trustAnchors: [], host: '127.0.0.1', backgroundJobs: false });
    try {
      ({ apiKey, documentPath } = await uploadDocument(server.url, server.deps.db));
      // Sent: the document's second revision, prepared for signing, continues the uploaded one.
      const sent = await request(server.url).post(`${documentPath.replace(/\/documents\/.*$/, '')}/send`).set('Authorization', `Bearer ${apiKey}`);
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
      current = (await getBytes(server.url, documentPath, apiKey)).body as Buffer;
      expect(current.subarray(0, PDF.length).equals(PDF), 'the prepared revision begins with the upload').to.equal(true);
      const logo = await server.deps.blobs.put(LOGO);
      const [organisation] = await server.deps.db('organisations').select('id');
      await updateOrganisation(server.deps.db, organisation.id, { settings: { logo: { sha256: logo.sha256, contentType: 'image/png', size: LOGO.length } } });
    } finally {
      await server.close();
    }
    db = createDb(loadConfig(env).database);
  });
  after(async () => {
    await db?.destroy();
    await s3?.close();
    if (database) await dropTestDatabase(database.name);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  for (const target of ['db', 's3'] as const) {
    it(`copies every referenced blob from fs to ${target}, and does nothing when run again`, async () => {
      const first = await cli(['blobs', 'migrate', '--to', target], env);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.equal(`3 blob(s) referenced: 3 copied from fs to ${target}, 0 already there, 0 failed.\n`);
      const store = createBlobStore(target, loadConfig(env), db);
      expect((await store.get(sha256Hex(PDF))).equals(PDF), `the PDF in ${target}`).to.equal(true);
      expect((await store.get(sha256Hex(current))).equals(current), `its prepared revision in ${target}`).to.equal(true);
      if (target === 'db') {
        // Copied in order, the prepared revision is kept as the upload and what it appends.
        expect(await db('blobs').where({ sha256: sha256Hex(current) }).first('base_sha256')).to.deep.equal({ base_sha256: sha256Hex(PDF) });
        const held = await db('blob_chunks').where({ sha256: sha256Hex(current) }).sum({ n: db.raw('octet_length(bytes)') }).first();
        expect(Number(held!.n)).to.equal(current.length - PDF.length);
      }
      expect((await store.get(sha256Hex(LOGO))).equals(LOGO), `the logo in ${target}`).to.equal(true);
      const again = await cli(['blobs', 'migrate', '--to', target], env);
      expect(again).to.deep.include({ code: 0, stdout: `3 blob(s) referenced: 0 copied from fs to ${target}, 3 already there, 0 failed.\n` });
    });
  }

  it('copies from db to s3 with --from, whatever BLOB_STORE says', async () => {
    const other = await startS3Server();
    try {
      const run = await cli(['blobs', 'migrate', '--from', 'db', '--to', 's3'], { ...env, ...other.env });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal('3 blob(s) referenced: 3 copied from db to s3, 0 already there, 0 failed.\n');
    } finally {
      await other.close();
    }
  });

  it('names a blob missing in the source, copies the rest, and exits 1', async () => {
    const other = await startS3Server();
    const logoFile = blobPath(path.join(env.DATA_DIR!, 'blobs'), sha256Hex(LOGO));
    const kept = await fs.readFile(logoFile);
    await fs.rm(logoFile);
    try {
      const run = await cli(['blobs', 'migrate', '--to', 's3'], { ...env, ...other.env });
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal('3 blob(s) referenced: 2 copied from fs to s3, 0 already there, 1 failed.\n');
      expect(run.stderr).to.include(`Not copied: ${sha256Hex(LOGO)} (blob_missing)`);
    } finally {
      await fs.writeFile(logoFile, kept);
      await other.close();
    }
  });

  it('refuses a target that is the source or unknown (exit 2), and db on SQLite (exit 1)', async () => {
    expect((await cli(['blobs', 'migrate', '--to', 'fs'], env)).code).to.equal(2);
    expect((await cli(['blobs', 'migrate', '--to', 'nfs'], env)).code).to.equal(2);
    expect((await cli(['blobs', 'migrate'], env)).code).to.equal(2);
    const sqlite = await cli(['blobs', 'migrate', '--to', 'db'], { DATA_DIR: path.join(work, 'sqlite'), CERTS_DIR: env.CERTS_DIR!, LOG_LEVEL: 'silent' });
    expect(sqlite.code).to.equal(1);
    expect(sqlite.stderr).to.include('Error (blob_store_unsupported): The db blob store needs a PostgreSQL DATABASE_URL.');
  });

  it('serves the same PDF from a server switched to BLOB_STORE=db', async () => {
    await fs.rm(path.join(env.DATA_DIR!, 'blobs'), { recursive: true });
    const server = await startServer(loadConfig({ ...env, PORT: '0', BLOB_STORE: 'db' }), { trustAnchors: [], host: '127.0.0.1', backgroundJobs: false });
    try {
      const res = await getBytes(server.url, documentPath, apiKey);
      expect(res.status, (res.body as Buffer).toString('utf8').slice(0, 300)).to.equal(200);
      expect((res.body as Buffer).equals(current)).to.equal(true);
    } finally {
      await server.close();
    }
  });
});
