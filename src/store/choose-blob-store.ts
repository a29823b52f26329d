/** Which blob store a process uses (BLOB_STORE), or another one by name (`blobs migrate --to`). */
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { BlobStoreKind, Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { BlobStore } from './blob-store.ts';
import { BLOB_CACHE_BYTES, withBlobCache } from './blob-cache.ts';
import { createDbBlobStore } from './db-blob-store.ts';
import { createFsBlobStore } from './fs-blob-store.ts';
import { createS3BlobStore, createS3Client } from './s3-blob-store.ts';
import { isPostgres } from './sql.ts';

/**
 * `fs`: DATA_DIR/blobs; `db`: the tables of migration 0023 on `db` (PostgreSQL only); `s3`: the bucket of S3_*. The
 * last two, which every read crosses the network for, with the blobs read and written last in memory (blob-cache.ts);
 * a file is read from the operating system's page cache.
 */
export function createBlobStore(kind: BlobStoreKind, config: Pick<Config, 'dataDir' | 's3'>, db: Knex): BlobStore {
  switch (kind) {
    case 'fs':
      return createFsBlobStore(path.join(config.dataDir, 'blobs'));
    case 'db':
      // The config refuses BLOB_STORE=db on SQLite; this also catches `blobs migrate --to db` there.
      if (!isPostgres(db)) throw new AppError('blob_store_unsupported', 500, 'The db blob store needs a PostgreSQL DATABASE_URL.');
      return withBlobCache(createPooledDbBlobStore(db), { maxBytes: BLOB_CACHE_BYTES });
    case 's3':
      if (!config.s3) throw new AppError('blob_store_unsupported', 500, 'The s3 blob store needs S3_BUCKET (and S3_ENDPOINT, credentials) set.');
      return withBlobCache(createS3BlobStore(createS3Client(config.s3), config.s3), { maxBytes: BLOB_CACHE_BYTES });
  }
}

/** Connections of the db blob store's own pool: a put or a chunk read holds one for a statement or a short transaction. */
const DB_BLOB_POOL_SIZE = 4;

/**
 * The db blob store on a pool of its own, on the same database: a signature (and an archive timestamp) awaits its
 * puts inside its transaction, so from the shared pool, more of them at once than it has connections would each
 * hold one and wait for a put that waits for one, until knex's acquire timeout. `close` ends the pool.
 */
function createPooledDbBlobStore(db: Knex): BlobStore {
  const own = knexFactory({ ...(db.client as { config: Knex.Config }).config, pool: { min: 0, max: DB_BLOB_POOL_SIZE } });
  return { ...createDbBlobStore(own), close: () => own.destroy() };
}
