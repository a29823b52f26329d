/**
 * A real S3-compatible server for tests (s3rver: the S3 REST API over HTTP, SigV4 checked, objects
 * on disk): on 127.0.0.1, a free port and a temporary directory, with one empty bucket.
 * Used by the blob store tests, the multi-instance tests and the cluster benchmark.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The S3_* variables that point a Paraaf instance at this server (BLOB_STORE not included). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the server and removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** s3rver's one account. */
const ACCESS_KEY = 'S3RVER';

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'paraaf-s3-'));
  const bucket = options.bucket ?? `paraaf-${randomBytes(4).toString('hex')}`;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await fs.rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    bucket,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: ACCESS_KEY,
    env: Object.freeze({ S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: ACCESS_KEY, S3_SECRET_ACCESS_KEY: ACCESS_KEY, S3_FORCE_PATH_STYLE: 'true' }),
    close() {
      closing ??= (async () => {
        await server.close();
        await fs.rm(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
