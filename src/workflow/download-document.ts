/**
 * A staff member downloads a document of an envelope (issue 5): its current (or signed) or its
 * original revision, recorded as `document.downloaded` in the envelope's chain. Unknown,
 * other organisations' or foreign documents are 404. The PDF comes as a stream from the blob store
 * (issue 11), checked against its hash at the end, so a 50 MB document is never held whole.
 */
import type { Readable } from 'node:stream';
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import { currentRevision, documentsOf, revisionsOf } from '../store/document-repository.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { isUuid } from '../store/sql.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound } from './envelope-dto.ts';
import { inTransaction } from './transaction.ts';

export interface DownloadDocumentOptions extends StaffRequest {
  envelopeId: string;
  documentId: string;
  variant: 'current' | 'original';
}

export interface DownloadedDocument {
  name: string;
  sha256: string;
  size: number;
  /** Errors at its end when the stored bytes do not hash to `sha256` (blob_corrupt); the caller must pass that on. */
  pdf: Readable;
}

export async function downloadDocument(deps: WorkflowDeps, options: DownloadDocumentOptions): Promise<DownloadedDocument> {
  const { organisationId, envelopeId, documentId, variant } = options;
  const found = await inTransaction(deps, 'downloadDocument', async (trx) => {
    const envelope = await envelopeById(trx, organisationId, envelopeId);
    if (!envelope) throw envelopeNotFound();
    const document = isUuid(documentId) ? (await documentsOf(trx, organisationId, envelopeId)).find((d) => d.id === documentId) : undefined;
    if (!document) throw new AppError('document_not_found', 404, 'This envelope has no such document.');
    const revision = variant === 'current' ? await currentRevision(trx, document.id) : ((await revisionsOf(trx, document.id)).reverse().find((r) => r.kind === 'original') ?? null);
    if (!revision) throw new Error(`document ${document.id} has no ${variant} revision`);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'document.downloaded', details: { documentId: document.id, revisionSeq: revision.seq, variant } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: deps.clock(),
    });
    return { name: document.name, sha256: revision.blobSha256, size: revision.size };
  });
  return { ...found, pdf: await deps.blobs.open(found.sha256) };
}
