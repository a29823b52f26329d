/**
 * Which completed envelopes need an archive timestamp (PAdES B-LTA, issue 9): a document with no
 * 'timestamp' revision yet (completed before the timestamp could be made, or before B-LTA existed),
 * or whose every document timestamp's TSA certificate expires before `renewBefore`.
 */
import type { Db } from './sql.ts';

export interface ArchiveTimestampQuery {
  /** ISO time: a timestamp whose TSA certificate expires before this must be renewed. */
  renewBefore: string;
  /** ISO time: documents stamped after this are left alone (no renewal loop when a TSA certificate is short-lived). */
  notStampedSince: string;
  limit: number;
}

export async function envelopesNeedingArchiveTimestamp(db: Db, query: ArchiveTimestampQuery): Promise<Array<{ organisationId: string; envelopeId: string }>> {
  const rows = await db('documents as d')
    .join('envelopes as e', 'e.id', 'd.envelope_id')
    .where('e.status', 'completed')
    .whereNotExists(function () {
      this.select(db.raw('1'))
        .from('revisions as r')
        .whereRaw('r.document_id = d.id')
        .andWhere('r.kind', 'timestamp')
        .andWhere((q) => q.where('r.timestamp_expires_at', '>', query.renewBefore).orWhere('r.created_at', '>', query.notStampedSince));
    })
    .groupBy('d.organisation_id', 'd.envelope_id')
    .orderByRaw('min(e.completed_at)')
    .limit(query.limit)
    .select('d.organisation_id', 'd.envelope_id');
  return rows.map((row: { organisation_id: string; envelope_id: string }) => ({ organisationId: row.organisation_id, envelopeId: row.envelope_id }));
}
