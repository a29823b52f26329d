/**
 * A signer opened a document (issue 12, "reading before signing"): the viewer showed its last page, or
 * it was downloaded. The first time per recipient and document, one row in `document_reads` and the audit
 * event `document.opened`, in one transaction; later reads, reads by who does not sign, and reads of an
 * envelope no longer open change nothing. Signing refuses a document without it (apply-signature.ts).
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { AppError, ConflictError } from '../errors.ts';
import { documentReadsOf, insertDocumentRead, type DocumentReadHow } from '../store/document-reads.ts';
import { documentsOf } from '../store/document-repository.ts';
import type { Db } from '../store/sql.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { listWaitingIn } from './list-waiting-envelopes.ts';
import { accessByRecipient, accessByToken, assertLinkUsable, batchAccessByToken, recipientActor, type RecipientAccess } from './signing-link-access.ts';
import { inTransaction } from './transaction.ts';

export type { DocumentReadHow } from '../store/document-reads.ts';

export interface RecordDocumentReadOptions extends LinkRequest {
  documentId: string;
  how: DocumentReadHow;
  /** A document of another envelope waiting for the same person (the batch page); default: the link's own envelope. */
  envelopeId?: string;
  /** The batch page: the start of a batch under way (BatchAccessOptions), as for its downloads. */
  startedAt?: Date;
}

/** Answers whether this call recorded the first read. */
export async function recordDocumentRead(deps: WorkflowDeps, options: RecordDocumentReadOptions): Promise<{ recorded: boolean }> {
  const batchRecipient = options.envelopeId === undefined ? null : await batchRecipientFor(deps, options.token, options.envelopeId, options.startedAt);
  // Not waiting for this person (signed meanwhile, or never theirs): nothing to read before signing.
  if (batchRecipient === 'not_waiting') return { recorded: false };
  return inTransaction(deps, 'recordDocumentRead', async (trx) => {
    const access = batchRecipient
      ? await accessByRecipient(trx, batchRecipient.organisationId, batchRecipient.envelopeId, batchRecipient.recipientId)
      : await accessByToken(trx, options.token).then((byLink) => (assertLinkUsable(byLink, deps.clock()), byLink));
    const { envelope, recipient } = access;
    const documents = await documentsOf(trx, envelope.organisationId, envelope.id);
    if (!documents.some((d) => d.id === options.documentId)) throw new AppError('document_not_found', 404, 'This envelope has no such document.');
    // Only a signer of an open envelope, not yet signed, has anything to read before signing.
    if (recipient.role !== 'signer' || recipient.status === 'signed' || !isOpen(envelope.status)) return { recorded: false };
    const now = deps.clock();
    const recorded = await insertDocumentRead(trx, { organisationId: envelope.organisationId, recipientId: recipient.id, documentId: options.documentId, how: options.how, at: now });
    if (recorded) {
      await appendAuditEvent(trx, {
        organisationId: envelope.organisationId,
        envelopeId: envelope.id,
        event: { action: 'document.opened', details: { recipientId: recipient.id, documentId: options.documentId, how: options.how } },
        actor: recipientActor(recipient),
        origin: options.origin,
        occurredAt: now,
      });
    }
    return { recorded };
  });
}

/** The person's recipient on a waiting envelope of their batch. */
async function batchRecipientFor(deps: WorkflowDeps, token: string, envelopeId: string, startedAt?: Date): Promise<{ organisationId: string; envelopeId: string; recipientId: string } | 'not_waiting'> {
  const access = await batchAccessByToken(deps.db, token, deps.clock(), { startedAt });
  const item = (await listWaitingIn(deps.db, access, deps.clock())).find((w) => w.envelope.id === envelopeId);
  return item ? { organisationId: access.organisationId, envelopeId, recipientId: item.recipient.id } : 'not_waiting';
}

/** Which of the envelope's documents `recipients` have read (the pages show it). */
export async function documentReads(deps: Pick<WorkflowDeps, 'db'>, organisationId: string, recipientIds: readonly string[]): Promise<Map<string, Set<string>>> {
  return documentReadsOf(deps.db, organisationId, recipientIds);
}

export function documentNotRead(): ConflictError {
  return new ConflictError('document_not_read', 'Open every document and page through it to the last page before signing.');
}

/** For the paths that read the documents otherwise than the sign request (qualified signing prepares first): 409 when one is unread. */
export async function assertDocumentsRead(db: Db, access: RecipientAccess): Promise<void> {
  if (access.recipient.role !== 'signer') return;
  const { envelope, recipient } = access;
  const documents = await documentsOf(db, envelope.organisationId, envelope.id);
  const read = (await documentReadsOf(db, envelope.organisationId, [recipient.id])).get(recipient.id) ?? new Set<string>();
  if (documents.some((d) => !read.has(d.id))) throw documentNotRead();
}
