/**
 * draft → sent (DESIGN §4, §5): every document is prepared once — one empty signature field
 * per signer, at the staff's placement or in a labelled block on an appended signature page —
 * and stored as revision 'prepared'; the field names go into `fields`. Then the lowest routing
 * order gets its links and mails, and subscribed webhooks hear `envelope.sent`. Sending a sent
 * envelope again answers its current state.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { isRepeat, transition } from '../domain/envelope-state.ts';
import { computeRouting } from '../domain/routing.ts';
import { prepareForSigning, type SignerSlot } from '../pdf/index.ts';
import { putContinuing } from '../store/blob-store.ts';
import { currentRevisions, documentsOf, insertRevision, setDocumentPageCount, type DocumentRecord, type Revision } from '../store/document-repository.ts';
import { envelopeById, updateEnvelope, type Envelope } from '../store/envelope-repository.ts';
import { meetingById } from '../store/meetings.ts';
import { decisionBodyName } from '../domain/meeting.ts';
import { signaturePageHeader, signerBlockLabel, type SignaturePageHeader } from '../domain/signature-page.ts';
import { fieldsOf, insertField, recipientsOf, setFieldName, type Field, type Recipient } from '../store/recipient-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, notifyRecipients, queueWebhooks } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface SendEnvelopeOptions extends StaffRequest {
  envelopeId: string;
}

/** The appended signature page's head (issue 12): the meeting's body and date when it belongs to one, else its route's name. */
export async function signaturePageHeaderOf(trx: Knex.Transaction, envelope: Envelope): Promise<SignaturePageHeader> {
  const meeting = envelope.meetingId ? await meetingById(trx, envelope.organisationId, envelope.meetingId) : null;
  const body = meeting ? decisionBodyName(meeting.body, meeting.bodyLabel) : envelope.routeName;
  return signaturePageHeader({ body, meetingDate: meeting?.meetingDate ?? null, title: envelope.title, agendaItem: envelope.agendaItem, onBehalfOf: envelope.onBehalfOf });
}

export async function sendEnvelope(deps: WorkflowDeps, options: SendEnvelopeOptions): Promise<EnvelopeDto> {
  await inTransaction(deps, 'sendEnvelope', (trx) => sendEnvelopeIn(trx, deps, options));
  return loadEnvelopeDto(deps.db, options.organisationId, options.envelopeId);
}

/** The send inside the caller's transaction: one envelope here, every draft of a meeting in send-meeting.ts. */
export async function sendEnvelopeIn(trx: Knex.Transaction, deps: WorkflowDeps, options: SendEnvelopeOptions): Promise<void> {
  const { organisationId, envelopeId } = options;
  const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
  if (!envelope) throw envelopeNotFound();
  if (isRepeat(envelope.status, 'send')) return;
  const status = transition(envelope.status, 'send');
  const now = deps.clock();
  const at = now.toISOString();

  const documents = await documentsOf(trx, organisationId, envelopeId, { forUpdate: true });
  const revisions = await currentRevisions(trx, documents.map((d) => d.id));
  const recipients = await recipientsOf(trx, organisationId, envelopeId);
  const fields = await fieldsOf(trx, recipients.map((r) => r.id));
  const signers = recipients.filter((r) => r.role === 'signer');

  const prepared: PreparedDocument[] = [];
  const header = signers.length > 0 ? await signaturePageHeaderOf(trx, envelope) : undefined;
  if (signers.length > 0) {
    for (const document of documents) {
      const revision = revisions.get(document.id);
      if (!revision) throw new Error(`document ${document.id} has no revision`);
      prepared.push(await prepareDocumentIn(trx, deps, { organisationId, document, revision, signers, fields, header, at }));
    }
  }

  await updateEnvelope(trx, organisationId, envelopeId, { status, sentAt: at }, at);
  const sent = { ...envelope, status, sentAt: at, updatedAt: at };
  const ctx = await effectContext(trx, deps, sent, { actor: options.actor, origin: options.origin, now });
  const routing = computeRouting(recipients);
  if (routing.outcome !== 'waiting') throw new Error(`envelope ${envelopeId} cannot be sent: routing is ${routing.outcome}`);
  await appendAuditEvent(trx, {
    organisationId,
    envelopeId,
    event: { action: 'envelope.sent', details: { activeOrder: routing.activeOrder ?? 1, documents: prepared.map(({ documentId, preparedSha256, fieldNames }) => ({ documentId, preparedSha256, fieldNames })) } },
    actor: options.actor,
    origin: options.origin,
    occurredAt: now,
  });
  await notifyRecipients(ctx, routing.toNotify, 'signRequest');
  await queueWebhooks(ctx, 'envelope.sent');
}

export interface PrepareDocumentOptions {
  organisationId: string;
  document: DocumentRecord;
  /** The revision to prepare: the original, uploaded at create or (correct and resend) as a corrected version. */
  revision: Revision;
  signers: readonly Recipient[];
  /** The signers' fields; those on this document with no name yet are staff placements, the others are written here. */
  fields: readonly Field[];
  header?: SignaturePageHeader;
  at: string;
}

export interface PreparedDocument {
  documentId: string;
  preparedSha256: string;
  fieldNames: string[];
  pageCount: number;
}

/**
 * One document prepared for its signers (DESIGN §5) and stored as its next revision 'prepared': at send, and again
 * when staff replace it by a corrected version before resending (issue 12). A signer's placed field keeps its row
 * (its name is set); an unplaced signer's block on the signature page becomes a new row.
 */
export async function prepareDocumentIn(trx: Knex.Transaction, deps: WorkflowDeps, options: PrepareDocumentOptions): Promise<PreparedDocument> {
  const { organisationId, document, revision, signers, fields, header, at } = options;
  const slotFields = signers.map((s) => fields.find((f) => f.recipientId === s.id && f.documentId === document.id));
  const slots: SignerSlot[] = signers.map((signer, i) => {
    const field = slotFields[i];
    return {
      // "De algemeen directeur", "De wnd. algemeen directeur", a delegate's "Bij opdracht van de algemeen directeur" (issue 12).
      label: signerBlockLabel(signer),
      name: signer.name,
      function: signer.function ?? undefined,
      placement: field ? { page: field.page, x: field.x, y: field.y, width: field.width, height: field.height } : undefined,
    };
  });
  const original = await deps.blobs.get(revision.blobSha256);
  const result = prepareForSigning(original, { signers: slots, ...header });
  const blob = await putContinuing(deps.blobs, result.pdf, original);
  await insertRevision(trx, { id: randomUUID(), documentId: document.id, seq: revision.seq + 1, blobSha256: blob.sha256, size: blob.size, kind: 'prepared', now: at });
  await setDocumentPageCount(trx, organisationId, document.id, result.pageCount);
  for (const [i, signer] of signers.entries()) {
    const { fieldName, placement } = result.fields[i];
    const field = slotFields[i];
    if (field) await setFieldName(trx, field.id, fieldName);
    else await insertField(trx, { id: randomUUID(), recipientId: signer.id, documentId: document.id, ...placement, fieldName });
  }
  return { documentId: document.id, preparedSha256: blob.sha256, fieldNames: result.fields.map((f) => f.fieldName), pageCount: result.pageCount };
}
