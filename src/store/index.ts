export { createDb, pingDb } from './db.ts';
export type { Knex, CreateDbOptions } from './db.ts';
export { migrateToLatest, pendingMigrations, migratorConfig } from './migrate.ts';
export { createFsBlobStore, sha256Hex } from './blob-store.ts';
export type { BlobStore, StoredBlob } from './blob-store.ts';
