/**
 * Copies the blobs a deployment references from one store to another (`blobs migrate`, issue 11):
 * every revision's PDF and every organisation's logo. Each blob is read from the source, which
 * checks it against its hash, and written to the target, which verifies the write; one already in
 * the target is left alone, so a run that stopped half-way is resumed by running it again. The
 * source is never changed.
 */
import type { Knex } from 'knex';
import { AppError } from '../errors.ts';
import type { BlobStore } from './blob-store.ts';
import { fromJson } from './sql.ts';

export interface BlobMigrationResult {
  /** Blobs referenced by the database. */
  referenced: number;
  copied: number;
  /** Already in the target (an earlier run, or the same bytes twice). */
  present: number;
  /** Not in the source, or not matching their hash there: each named with its cause. */
  failed: Array<{ sha256: string; code: string; detail: string }>;
}

/** Every blob a row points at, sorted (so runs go in the same order). */
export async function referencedBlobs(db: Knex): Promise<string[]> {
  const revisions = (await db('revisions').distinct('blob_sha256')).map((row) => String(row.blob_sha256));
  const logos = (await db('organisations').select('settings'))
    .map((row) => (fromJson<{ logo?: { sha256?: unknown } }>(row.settings) ?? {}).logo?.sha256)
    .filter((sha256): sha256 is string => typeof sha256 === 'string');
  return [...new Set([...revisions, ...logos])].sort();
}

export async function migrateBlobs(db: Knex, source: BlobStore, target: BlobStore): Promise<BlobMigrationResult> {
  const all = await referencedBlobs(db);
  const result: BlobMigrationResult = { referenced: all.length, copied: 0, present: 0, failed: [] };
  // One at a time: a blob is up to MAX_UPLOAD_MB in memory, and the stores may be remote.
  for (const sha256 of all) {
    if (await target.has(sha256)) {
      result.present++;
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await source.get(sha256);
    } catch (error) {
      // A blob lost or damaged in the source is reported and the rest still copied; anything else (a store down) stops the run.
      if (!(error instanceof AppError) || !['blob_missing', 'blob_corrupt'].includes(error.code)) throw error;
      result.failed.push({ sha256, code: error.code, detail: error.detail ?? error.message });
      continue;
    }
    await target.put(bytes);
    result.copied++;
  }
  return result;
}
