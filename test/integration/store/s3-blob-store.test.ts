/**
 * The s3 blob store (BLOB_STORE=s3) against a real S3-compatible server (s3rver): the contract of
 * every blob store, the key layout under S3_PREFIX, no second upload of a stored blob, a write
 * whose bytes changed on the way refused, and an unreachable server as blob_store_unavailable.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../../src/config.ts';
import { sha256Hex } from '../../../src/store/index.ts';
import { createS3BlobStore, createS3Client } from '../../../src/store/s3-blob-store.ts';
import { startS3Server, type S3TestServer } from '../../helpers/s3-server.ts';
import { blobStoreContract, rejection } from './blob-store-contract.ts';

function s3Config(server: S3TestServer, prefix = ''): S3Config {
  return { endpoint: server.endpoint, bucket: server.bucket, region: 'us-east-1', accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, forcePathStyle: true, prefix };
}

const keyOf = (prefix: string, sha256: string) => `${prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

/** Counts the PutObject requests a client sends. */
function countPuts(client: S3Client): { readonly count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'PutObjectCommand') counter.count++;
    return next(args);
  }, { step: 'initialize' });
  return counter;
}

describe('store: s3 blob store (s3rver)', () => {
  describe('contract', () => {
    blobStoreContract(async () => {
      const server = await startS3Server();
      const config = s3Config(server, 'paraaf/');
      const client = createS3Client(config);
      return {
        store: createS3BlobStore(client, config),
        second: createS3BlobStore(createS3Client(config), config),
        tamper: async (sha256, bytes) => {
          await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyOf('paraaf/', sha256), Body: bytes }));
        },
        close: () => server.close(),
      };
    });
  });

  describe('on a running server', () => {
    let server: S3TestServer;
    beforeEach(async () => {
      server = await startS3Server();
    });
    afterEach(() => server?.close());

    it('keys a blob S3_PREFIX + ab/cd/<sha256>, and uploads a stored blob only once', async () => {
      const config = s3Config(server, 'tenant-a/');
      const client = createS3Client(config);
      const puts = countPuts(client);
      const store = createS3BlobStore(client, config);
      const bytes = randomBytes(1000);
      const { sha256 } = await store.put(bytes);
      const head = await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: keyOf('tenant-a/', sha256) }));
      expect(head.ContentLength).to.equal(1000);
      await store.put(bytes);
      expect(puts.count, 'the second put found the object (HEAD) and sent nothing').to.equal(1);
      const other = createS3BlobStore(client, s3Config(server, 'tenant-b/'));
      expect(await other.has(sha256), 'another prefix is another store').to.equal(false);
    });

    it('replaces a damaged object of the right size when the same bytes are put again', async () => {
      const config = s3Config(server);
      const client = createS3Client(config);
      const puts = countPuts(client);
      const store = createS3BlobStore(client, config);
      const bytes = randomBytes(2000);
      const { sha256 } = await store.put(bytes);
      const damaged = Buffer.from(bytes);
      damaged[0] ^= 0xff;
      await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyOf('', sha256), Body: damaged }));
      expect(await rejection(store.get(sha256))).to.include({ code: 'blob_corrupt' });
      await store.put(bytes);
      expect(puts.count, 'the first put, the damage, the repair').to.equal(3);
      expect((await store.get(sha256)).equals(bytes)).to.equal(true);
    });

    it('refuses a write whose bytes changed on the way (the ETag is not the MD5 sent)', async () => {
      const config = s3Config(server);
      const client = createS3Client(config);
      // Between our hashing and the wire, flip a byte, as a faulty proxy or disk would; the request is signed after.
      client.middlewareStack.add((next) => async (args) => {
        const input = args.input as { Body?: Buffer };
        if (Buffer.isBuffer(input.Body)) input.Body = Buffer.concat([input.Body.subarray(0, -1), Buffer.from([input.Body.at(-1)! ^ 1])]);
        return next(args);
      }, { step: 'initialize' });
      const bytes = randomBytes(5000);
      const error = await rejection(createS3BlobStore(client, config).put(bytes));
      expect(error).to.include({ code: 'blob_write_unverified' });
      // What did land under the name is not trusted on the way back either.
      const store = createS3BlobStore(createS3Client(config), config);
      expect(await rejection(store.get(sha256Hex(bytes)))).to.include({ code: 'blob_corrupt' });
    });
  });

  it('rejects ping, has, get and open with blob_store_unavailable (503) when the server is down', async () => {
    const server = await startS3Server();
    const config = s3Config(server);
    const store = createS3BlobStore(createS3Client(config), config);
    await store.ping();
    const { sha256 } = await store.put(Buffer.from('stored before the outage'));
    await server.close();
    const attempts = { ping: () => store.ping(), has: () => store.has(sha256), get: () => store.get(sha256), open: () => store.open(sha256), put: () => store.put(Buffer.from('new')) };
    for (const [name, attempt] of Object.entries(attempts)) {
      expect(await rejection(attempt()), name).to.include({ code: 'blob_store_unavailable', status: 503 });
    }
  });

  it('rejects ping for a bucket that does not exist', async () => {
    const server = await startS3Server();
    try {
      const config = { ...s3Config(server), bucket: 'no-such-bucket' };
      expect(await rejection(createS3BlobStore(createS3Client(config), config).ping())).to.include({ code: 'blob_store_unavailable' });
    } finally {
      await server.close();
    }
  });
});
