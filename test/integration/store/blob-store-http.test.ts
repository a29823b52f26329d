/**
 * The blob store seen over HTTP (issue 11), on a server with BLOB_STORE=s3 and a real S3-compatible
 * server: a document download streams from the store and answers 304 to its ETag; a damaged blob
 * cuts the download, a missing one is a logged 500 (blob_missing); with the store down, downloads and
 * /readyz answer 503 blob_store_unavailable.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256Hex } from '../../../src/store/index.ts';
import { createS3Client } from '../../../src/store/s3-blob-store.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';
import { getBytes, PDF, uploadDocument } from './uploaded-document.ts';

const keyOf = (sha256: string) => `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

describe('store: blob store over HTTP (BLOB_STORE=s3)', function () {
  this.timeout(60_000);
  let s3: S3TestServer;
  let app: TestApp;
  let key: string;
  let log: string[];
  let download: string;

  beforeEach(async () => {
    s3 = await startS3Server();
    log = [];
    const logDestination = new Writable({
      write(chunk, _encoding, callback) {
        log.push(String(chunk));
        callback();
      },
    });
    app = await bootstrap({ env: { BLOB_STORE: 's3', ...s3.env }, logDestination });
    const uploaded = await uploadDocument(app.url, app.deps.db);
    key = uploaded.apiKey;
    download = `${uploaded.documentPath}/original`;
  });
  afterEach(async () => {
    await app?.close();
    await s3?.close();
  });

  const get = (path: string) => getBytes(app.url, path, key);
  const client = () => createS3Client({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, prefix: '' });

  it('streams the stored PDF with its length and ETag, and answers 304 to that ETag', async () => {
    const res = await get(download);
    expect(res.status).to.equal(200);
    expect((res.body as Buffer).equals(PDF)).to.equal(true);
    expect(res.headers['content-length']).to.equal(String(PDF.length));
    expect(res.headers.etag).to.equal(`"${sha256Hex(PDF)}"`);
    const again = await get(download).set('If-None-Match', res.headers.etag!);
    expect(again.status).to.equal(304);
  });

  it('cuts the download of a blob whose bytes changed in the store, and logs blob_corrupt', async () => {
    const damaged = Buffer.from(PDF);
    damaged[damaged.length - 10] ^= 0xff;
    await client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha256Hex(PDF)), Body: damaged }));
    let failure: unknown;
    try {
      await get(download);
    } catch (error) {
      failure = error;
    }
    expect(failure, 'the client sees a broken response, not a whole file').to.be.instanceOf(Error);
    // The server logs once its side of the cut connection is done, which may be just after the client noticed.
    for (let i = 0; i < 50 && !log.join('').includes('blob_corrupt'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log.join('')).to.include('"code":"blob_corrupt"');
  });

  it('answers a missing blob with a 500 problem and logs blob_missing', async () => {
    await client().send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: keyOf(sha256Hex(PDF)) }));
    const res = await request(app.url).get(download).set('Authorization', `Bearer ${key}`);
    expect(res.status).to.equal(500);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(log.join('')).to.include('"code":"blob_missing"');
  });

  it('answers 503 blob_store_unavailable on downloads and /readyz while the store is down', async () => {
    expect((await request(app.url).get('/readyz')).status).to.equal(200);
    await s3.close();
    const res = await request(app.url).get(download).set('Authorization', `Bearer ${key}`);
    expect(res.status).to.equal(503);
    expect(res.body).to.include({ code: 'blob_store_unavailable' });
    const ready = await request(app.url).get('/readyz');
    expect(ready.status).to.equal(503);
    expect(ready.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(ready.body).to.include({ code: 'blob_store_unavailable', status: 503 });
  });
});
