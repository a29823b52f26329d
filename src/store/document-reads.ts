/**
 * Which documents a recipient has opened before signing (issue 12, migration 0027): shown to the last
 * page in the viewer or downloaded. The first read counts; later ones change nothing.
 */
import type { Db } from './sql.ts';

export type DocumentReadHow = 'viewed' | 'downloaded';

/** Records the first read of `documentId` by `recipientId`; answers whether this was it (false: read before). */
export async function insertDocumentRead(trx: Db, read: { organisationId: string; recipientId: string; documentId: string; how: DocumentReadHow; at: Date }): Promise<boolean> {
  const inserted = (await trx('document_reads')
    .insert({ organisation_id: read.organisationId, recipient_id: read.recipientId, document_id: read.documentId, how: read.how, at: read.at.toISOString() })
    .onConflict(['recipient_id', 'document_id'])
    .ignore()
    .returning('document_id')) as unknown[];
  return inserted.length > 0;
}

/** `recipientId → ids of the documents they read`, for the pages that show it. */
export async function documentReadsOf(db: Db, organisationId: string, recipientIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const reads = new Map<string, Set<string>>();
  if (recipientIds.length === 0) return reads;
  const rows = (await db('document_reads').where({ organisation_id: organisationId }).whereIn('recipient_id', [...recipientIds]).select('recipient_id', 'document_id')) as Array<{ recipient_id: string; document_id: string }>;
  for (const row of rows) {
    const set = reads.get(row.recipient_id) ?? new Set<string>();
    set.add(row.document_id);
    reads.set(row.recipient_id, set);
  }
  return reads;
}
