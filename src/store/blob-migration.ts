/**
 * Copies the blobs a deployment references from one store to another (`blobs migrate`, issue 11):
 * every revision's PDF and every organisation's logo. Each blob is read from the source, which
 * checks it against its hash, and written to the target, which verifies the write; one already in
 * the target is left alone, so a run that stopped half-way is resumed by running it again. The
 * source is never changed. A document's revisions go in order, each put on the one before it, so the
 * db store keeps a deployment's revisions as their bases and updates, as it keeps new ones.
 */
import type { Knex } from 'knex';
import { AppError } from '../errors.ts';
import { putAhead, type BlobStore } from './blob-store.ts';
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

/** A blob a row points at, and the document whose revision it is (none for a logo). */
export interface ReferencedBlob {
  sha256: string;
  documentId?: string;
}

/**
 * Every blob a row points at, each once: every document's revisions in order (so each can be put on the one before
 * it), then the logos; the same order at every run.
 */
export async function referencedBlobs(db: Knex): Promise<ReferencedBlob[]> {
  const revisions = (await db('revisions').orderBy([{ column: 'document_id' }, { column: 'seq' }]).select('document_id', 'blob_sha256')) as Array<{ document_id: string; blob_sha256: string }>;
  const logos = (await db('organisations').select('settings'))
    .map((row) => (fromJson<{ logo?: { sha256?: unknown } }>(row.settings) ?? {}).logo?.sha256)
    .filter((sha256): sha256 is string => typeof sha256 === 'string')
    .sort();
  const seen = new Set<string>();
  const blobs: ReferencedBlob[] = [];
  for (const blob of [...revisions.map((row) => ({ sha256: String(row.blob_sha256), documentId: String(row.document_id) })), ...logos.map((sha256) => ({ sha256 }))]) {
    if (seen.has(blob.sha256)) continue;
    seen.add(blob.sha256);
    blobs.push(blob);
  }
  return blobs;
}

export async function migrateBlobs(db: Knex, source: BlobStore, target: BlobStore): Promise<BlobMigrationResult> {
  const all = await referencedBlobs(db);
  const result: BlobMigrationResult = { referenced: all.length, copied: 0, present: 0, failed: [] };
  // The revision copied just before, while the next one is of the same document: the target may keep the next one as
  // that revision and what it appends (the db store does). So at most two blobs, each up to MAX_UPLOAD_MB, in memory;
  // one at a time, as the stores may be remote.
  let previous: { documentId: string; bytes: Buffer } | undefined;
  for (const { sha256, documentId } of all) {
    const earlier = previous && previous.documentId === documentId ? previous.bytes : undefined;
    previous = undefined;
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
    // putAhead hashes as it names (so the next revision can name this one as its base) and checks the target's name.
    await putAhead(target, bytes, earlier).stored;
    if (documentId) previous = { documentId, bytes };
    result.copied++;
  }
  return result;
}
