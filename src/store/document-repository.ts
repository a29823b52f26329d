/** `documents` and their append-only `revisions` (DESIGN §3): the current PDF is the revision with the highest seq. */
import type { Knex } from 'knex';
import { isPostgres, toIso, type Db } from './sql.ts';

export type RevisionKind = 'original' | 'prepared' | 'signature' | 'timestamp' | 'ltv';

export interface DocumentRecord {
  id: string;
  envelopeId: string;
  organisationId: string;
  name: string;
  position: number;
  pageCount: number | null;
  createdAt: string;
}

export interface Revision {
  id: string;
  documentId: string;
  seq: number;
  blobSha256: string;
  size: number;
  kind: RevisionKind;
  createdAt: string;
}

interface DocumentRow {
  id: string;
  envelope_id: string;
  organisation_id: string;
  name: string;
  position: number;
  page_count: number | null;
  created_at: unknown;
}

interface RevisionRow {
  id: string;
  document_id: string;
  seq: number | string;
  blob_sha256: string;
  size: number | string;
  kind: RevisionKind;
  created_at: unknown;
}

function toDocument(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    envelopeId: row.envelope_id,
    organisationId: row.organisation_id,
    name: row.name,
    position: Number(row.position),
    pageCount: row.page_count === null ? null : Number(row.page_count),
    createdAt: toIso(row.created_at),
  };
}

function toRevision(row: RevisionRow): Revision {
  return { id: row.id, documentId: row.document_id, seq: Number(row.seq), blobSha256: row.blob_sha256, size: Number(row.size), kind: row.kind, createdAt: toIso(row.created_at) };
}

export async function insertDocument(db: Db, document: Omit<DocumentRecord, 'createdAt'> & { now: string }): Promise<void> {
  await db('documents').insert({
    id: document.id,
    envelope_id: document.envelopeId,
    organisation_id: document.organisationId,
    name: document.name,
    position: document.position,
    page_count: document.pageCount,
    created_at: document.now,
  });
}

/**
 * An envelope's documents by position. `forUpdate` locks their rows (PostgreSQL; SQLite's
 * transaction holds the write lock): signing one document is serialised (DESIGN §8).
 * Locking in position order keeps two lockers from deadlocking.
 */
export async function documentsOf(db: Db, organisationId: string, envelopeId: string, options: { forUpdate?: boolean } = {}): Promise<DocumentRecord[]> {
  const query = db<DocumentRow>('documents').where({ organisation_id: organisationId, envelope_id: envelopeId }).orderBy('position');
  if (options.forUpdate && isPostgres(db)) query.forUpdate();
  return ((await query) as DocumentRow[]).map(toDocument);
}

export async function documentsOfEnvelopes(db: Db, organisationId: string, envelopeIds: readonly string[]): Promise<DocumentRecord[]> {
  if (envelopeIds.length === 0) return [];
  const rows = await db<DocumentRow>('documents').where({ organisation_id: organisationId }).whereIn('envelope_id', envelopeIds).orderBy('position');
  return (rows as DocumentRow[]).map(toDocument);
}

export async function setDocumentPageCount(db: Db, organisationId: string, documentId: string, pageCount: number): Promise<void> {
  await db('documents').where({ id: documentId, organisation_id: organisationId }).update({ page_count: pageCount });
}

export type NewRevision = Omit<Revision, 'createdAt'> & { now: string; timestampExpiresAt?: string };

/** Inserts the next revision; a unique violation on (document_id, seq) means someone else appended first. */
export async function insertRevision(db: Db, revision: NewRevision): Promise<void> {
  await insertRevisions(db, [revision]);
}

/** Several revisions in one statement (a signature's, for all its documents); unique(document_id, seq) as for one. */
export async function insertRevisions(db: Db, revisions: readonly NewRevision[]): Promise<void> {
  const insert = revisionsInsert(db, revisions);
  if (insert) await insert;
}

/** The statement insertRevisions sends (none for no revisions), to be sent with other writes (writeTogether). */
export function revisionsInsert(db: Db, revisions: readonly NewRevision[]): Knex.QueryBuilder | undefined {
  if (revisions.length === 0) return undefined;
  return db('revisions').insert(
    revisions.map((revision) => ({
      // Only 'timestamp' revisions: when their TSA certificate expires (migration 0015, archive-timestamp renewal).
      ...(revision.timestampExpiresAt ? { timestamp_expires_at: revision.timestampExpiresAt } : {}),
      id: revision.id,
      document_id: revision.documentId,
      seq: revision.seq,
      blob_sha256: revision.blobSha256,
      size: revision.size,
      kind: revision.kind,
      created_at: revision.now,
    })),
  );
}

/** The last revision of each document (documents without revisions are left out). */
export async function currentRevisions(db: Db, documentIds: readonly string[]): Promise<Map<string, Revision>> {
  const current = new Map<string, Revision>();
  if (documentIds.length === 0) return current;
  const latest = db('revisions').select('document_id').max({ seq: 'seq' }).whereIn('document_id', documentIds).groupBy('document_id').as('latest');
  const rows = await db('revisions as r')
    .join(latest, function () {
      this.on('r.document_id', '=', 'latest.document_id').andOn('r.seq', '=', 'latest.seq');
    })
    .select('r.*');
  for (const row of rows as RevisionRow[]) current.set(row.document_id, toRevision(row));
  return current;
}

export async function currentRevision(db: Db, documentId: string): Promise<Revision | null> {
  const row = await db<RevisionRow>('revisions').where({ document_id: documentId }).orderBy('seq', 'desc').first();
  return row ? toRevision(row as RevisionRow) : null;
}

export async function revisionsOf(db: Db, documentId: string): Promise<Revision[]> {
  const rows = await db<RevisionRow>('revisions').where({ document_id: documentId }).orderBy('seq');
  return (rows as RevisionRow[]).map(toRevision);
}
