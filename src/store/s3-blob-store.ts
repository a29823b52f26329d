/**
 * Blobs in S3-compatible object storage (`BLOB_STORE=s3`, issue 11), shared by every instance.
 * Keys are `S3_PREFIX` + `ab/cd/<sha256>`, the fs store's former layout. A PUT of one object is
 * atomic in S3, so a reader sees a whole blob or none; the same bytes put twice are the same object.
 *
 * Writes are verified twice: the server checks Content-MD5 against the bytes it received (RFC 1864;
 * S3 answers BadDigest otherwise), and the ETag it returns for a single-part upload is the MD5 of
 * the stored object, which we compare too (some S3-compatible servers skip the first check).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { assertSha256, blobMissing, blobStoreUnavailable, hashChecked, lengthOf, readAll, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.ts';

/** A store that does not answer within this fails the request (and `/readyz`) instead of hanging it. */
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
    // The SDK's default CRC32 trailers (aws-chunked bodies) are not understood by every S3-compatible server; we send
    // Content-MD5 ourselves and check SHA-256 on every read.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** S3 quotes ETags (RFC 7232 §2.3); for a single-part upload without SSE-KMS the value is the hex MD5 of the object. */
function plainEtag(etag: string | undefined): string | undefined {
  return etag?.replaceAll('"', '').toLowerCase();
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  return [e.name, e.code, e.message].filter(Boolean).join(': ');
}

export function createS3BlobStore(client: S3Client, config: Pick<S3Config, 'bucket' | 'prefix'>): BlobStore {
  const { bucket } = config;
  const keyOf = (sha256: string): string => `${config.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

  /** Every failure but "no such object" means the store cannot serve us now: 503, with the cause in the log. */
  const unavailable = (what: string, error: unknown): AppError => blobStoreUnavailable(`s3 ${what} (bucket ${bucket}): ${describe(error)}`, error);

  /** The object's size and ETag (without quotes, lower case), or undefined when there is none. */
  async function head(sha256: string): Promise<{ size?: number; etag?: string } | undefined> {
    try {
      const found = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
      return { size: found.ContentLength, etag: plainEtag(found.ETag) };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw unavailable('head', error);
    }
  }

  async function has(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return (await head(sha256)) !== undefined;
  }

  async function put(bytes: Buffer): Promise<StoredBlob> {
    const sha256 = sha256Hex(bytes);
    const stored = { sha256, size: bytes.length };
    const md5 = createHash('md5').update(bytes).digest();
    // Content-addressed: an object of this size and MD5 under this name is these bytes; one that is not (damaged,
    // or left by a failed write elsewhere) is replaced.
    const existing = await head(sha256);
    if (existing?.size === bytes.length && existing.etag === md5.toString('hex')) return stored;
    let etag: string | undefined;
    try {
      ({ ETag: etag } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(sha256), Body: bytes, ContentLength: bytes.length, ContentMD5: md5.toString('base64'), ContentType: 'application/octet-stream' })));
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'BadDigest') {
        throw new AppError('blob_write_unverified', 500, 'Internal error.', { detail: `s3 put ${sha256}: the server received other bytes than were sent (BadDigest)`, cause: error });
      }
      throw unavailable('put', error);
    }
    if (plainEtag(etag) !== md5.toString('hex')) {
      throw new AppError('blob_write_unverified', 500, 'Internal error.', { detail: `s3 put ${sha256}: ETag ${etag} is not the MD5 ${md5.toString('hex')} of the bytes sent` });
    }
    return stored;
  }

  async function open(sha256: string): Promise<Readable> {
    assertSha256(sha256);
    try {
      const found = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
      return hashChecked(found.Body as Readable, sha256, found.ContentLength);
    } catch (error) {
      if (statusOf(error) === 404) throw blobMissing(sha256, error);
      throw unavailable('get', error);
    }
  }

  async function ping(): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      throw unavailable('ping', error);
    }
  }

  // The store owns the client it was given (createBlobStore makes one per store).
  const close = async (): Promise<void> => client.destroy();
  return { put, get: async (sha256) => readAll(await open(sha256)), open, has, check: async (sha256) => lengthOf(await open(sha256)), ping, close };
}
