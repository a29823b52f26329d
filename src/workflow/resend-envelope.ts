/**
 * Correct and resend (issue 12): staff fix what made a recipient decline — their name or e-mail address, or an error
 * in a document — and send the same envelope again. One transaction: the declined envelope goes back to sent
 * (envelope-state `resend`), the recipient who declined waits again, `envelope.resent` records what changed in the
 * same audit chain, and whoever's turn it now is gets a fresh link (their old links were revoked at the decline).
 *
 * A corrected document (DESIGN §3, §5): revisions are never rewritten, so the corrected PDF becomes the document's
 * next revision 'original' and is prepared exactly as at send (send-envelope.ts, `prepareDocumentIn`). Signatures
 * on the version replaced do not cover the new one: every signer and approver who had acted waits again, in routing
 * order, and is told so in their mail; reads of the replaced version no longer count. Staff placements on pages the
 * corrected file no longer has are refused (422 `placement_invalid`), nothing changed. Because a signer signs every
 * document of the envelope at once, a document left as it was but already signed is prepared again from its own
 * original, so that nobody's field is signed twice; its earlier revisions stay.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { transition } from '../domain/envelope-state.ts';
import { normaliseEmail } from '../domain/person.ts';
import { computeRouting } from '../domain/routing.ts';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
import { inspectPdf } from '../pdf/index.ts';
import { documentsOf, insertRevision, revisionsOf, type DocumentRecord, type Revision } from '../store/document-repository.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { fieldsOf, recipientsOf, type Field, type Recipient } from '../store/recipient-repository.ts';
import { deletePreparedFields, forgetDocumentReads, reopenDeclinedEnvelope, resetActedRecipients, resetDeclinedRecipient } from '../store/resend.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, notifyRecipients } from './notifications.ts';
import { prepareDocumentIn, signaturePageHeaderOf } from './send-envelope.ts';
import { inTransaction } from './transaction.ts';

/** A corrected PDF for one document of the envelope, as uploaded. */
export interface CorrectedDocument {
  documentId: string;
  /** The uploaded file's name, for the errors that name it. */
  fileName: string;
  pdf: Buffer;
}

export interface ResendEnvelopeOptions extends StaffRequest {
  envelopeId: string;
  /** The declining recipient's corrected name and address; unchanged when left out. */
  name?: string;
  email?: string;
  /** Corrected versions of some of the envelope's documents; the others stay as they are. */
  documents?: readonly CorrectedDocument[];
}

/** A corrected file inspected and stored (outside the transaction: CPU and disk work that needs no lock). */
interface StoredCorrection {
  documentId: string;
  fileName: string;
  sha256: string;
  size: number;
  pageCount: number;
}

export async function resendEnvelope(deps: WorkflowDeps, options: ResendEnvelopeOptions): Promise<EnvelopeDto> {
  const { organisationId, envelopeId } = options;
  const corrections = await storeCorrections(deps, options.documents ?? []);
  await inTransaction(deps, 'resendEnvelope', async (trx) => {
    const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
    if (!envelope) throw envelopeNotFound();
    const status = transition(envelope.status, 'resend');
    const now = deps.clock();
    if (!envelope.expiresAt || new Date(envelope.expiresAt).getTime() <= now.getTime()) {
      throw new ConflictError('envelope_deadline_passed', 'The deadline of this envelope has passed; send a new one instead.');
    }
    const recipients = await recipientsOf(trx, organisationId, envelopeId);
    const declined = recipients.find((r) => r.status === 'declined');
    if (!declined) throw new ConflictError('illegal_transition', 'Nobody declined this envelope.');
    const name = options.name?.trim() || declined.name;
    const email = options.email === undefined || options.email.trim() === '' ? declined.email : normaliseEmail(options.email);
    if (!email) throw new ValidationError(`Invalid e-mail address '${options.email}'.`);
    if (name.length > 200) throw new ValidationError('The name is longer than 200 characters.');
    const changes = [
      ...(name !== declined.name ? [{ field: 'name' as const, recipientId: declined.id, from: declined.name, to: name }] : []),
      ...(email !== declined.email ? [{ field: 'email' as const, recipientId: declined.id, from: declined.email, to: email }] : []),
    ];
    const at = now.toISOString();
    const replaced = await replaceDocuments(trx, deps, { envelope, recipients, declined: { ...declined, name }, corrections, at });
    await resetDeclinedRecipient(trx, organisationId, declined.id, { name, email });
    await reopenDeclinedEnvelope(trx, organisationId, envelopeId, at);
    for (const event of replaced.events) {
      await appendAuditEvent(trx, { organisationId, envelopeId, event, actor: options.actor, origin: options.origin, occurredAt: now });
    }
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'envelope.resent', details: { declinedRecipientId: declined.id, changes: [...changes, ...replaced.changes] } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    const waiting = (r: Recipient) => r.id === declined.id || replaced.actAgain.has(r.id);
    const current = recipients.map((r) =>
      waiting(r)
        ? {
            ...r,
            ...(r.id === declined.id ? { name, email, declinedAt: null, declineReason: null } : {}),
            ...(replaced.actAgain.has(r.id) ? { correctedSinceActed: true } : {}),
            status: 'pending' as const,
            completedAt: null,
            openedAt: null,
            sentAt: null,
          }
        : r,
    );
    const ctx = await effectContext(trx, deps, { ...envelope, status, declinedAt: null, updatedAt: at }, { actor: options.actor, origin: options.origin, now });
    await notifyRecipients(ctx, computeRouting(current).active, 'signRequest');
  });
  return loadEnvelopeDto(deps.db, organisationId, envelopeId);
}

/** Each corrected file passes inspectPdf (422 naming the file otherwise, nothing stored) and is put as a blob. */
async function storeCorrections(deps: WorkflowDeps, documents: readonly CorrectedDocument[]): Promise<StoredCorrection[]> {
  const seen = new Set<string>();
  const stored: StoredCorrection[] = [];
  for (const document of documents) {
    if (seen.has(document.documentId)) throw new ValidationError(`Document ${document.documentId} is corrected twice.`);
    seen.add(document.documentId);
    let pageCount: number;
    try {
      pageCount = (await inspectPdf(document.pdf)).pageCount;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(error.code, error.status, `${document.fileName}: ${error.message}`, { cause: error, extensions: { documentId: document.documentId, file: document.fileName } });
    }
    stored.push({ documentId: document.documentId, fileName: document.fileName, pageCount, ...(await deps.blobs.put(document.pdf)) });
  }
  return stored;
}

type ResendChange = { field: 'document'; documentId: string; from: string; to: string };
type ReplacedEvent = Extract<Parameters<typeof appendAuditEvent>[1]['event'], { action: 'document.replaced' }>;

interface Replacement {
  events: ReplacedEvent[];
  changes: ResendChange[];
  /** Who had signed or approved: they act again. */
  actAgain: ReadonlySet<string>;
}

interface ReplaceInput {
  envelope: Envelope;
  recipients: readonly Recipient[];
  declined: Recipient;
  corrections: readonly StoredCorrection[];
  at: string;
}

async function replaceDocuments(trx: Knex.Transaction, deps: WorkflowDeps, input: ReplaceInput): Promise<Replacement> {
  const { envelope, recipients, corrections, at } = input;
  if (corrections.length === 0) return { events: [], changes: [], actAgain: new Set() };
  const { organisationId } = envelope;
  const documents = await documentsOf(trx, organisationId, envelope.id, { forUpdate: true });
  for (const correction of corrections) {
    if (!documents.some((d) => d.id === correction.documentId)) throw new AppError('document_not_found', 404, `This envelope has no document ${correction.documentId}.`);
  }
  const signers = recipients.filter((r) => r.role === 'signer');
  const acted = recipients.filter((r) => (r.role === 'signer' && r.status === 'signed') || (r.role === 'approver' && r.status === 'approved'));
  const fields = await fieldsOf(trx, signers.map((r) => r.id));
  const plans: DocumentPlan[] = [];
  for (const document of documents) {
    const revisions = await revisionsOf(trx, document.id);
    const correction = corrections.find((c) => c.documentId === document.id);
    // A document left as it was is prepared again only when a signature on it would otherwise be given twice.
    const unsigned = signers.length === 0 || revisions.at(-1)?.kind === 'prepared' || revisions.at(-1)?.kind === 'original';
    if (!correction && unsigned) continue;
    plans.push(await planDocument(deps, document, revisions, fields, signers, correction));
  }
  const invalid = plans.flatMap((p) => p.invalid);
  if (invalid.length > 0) {
    const named = invalid.map((i) => `${i.recipient} on page ${i.page} of ${i.document} (the corrected ${i.file} has ${i.pages} pages)`);
    throw new AppError('placement_invalid', 422, `Signature fields on pages that no longer exist: ${named.join('; ')}. Upload a file with those pages, or send a new envelope.`, {
      extensions: { fields: invalid.map(({ fieldId, documentId, page }) => ({ fieldId, documentId, page })) },
    });
  }
  const header = signers.length > 0 ? await signaturePageHeaderOf(trx, envelope) : undefined;
  const events: ReplacedEvent[] = [];
  const changes: ResendChange[] = [];
  for (const plan of plans) {
    const { document, previous, correction } = plan;
    const original: Revision = correction
      ? { id: randomUUID(), documentId: document.id, seq: previous.current.seq + 1, blobSha256: correction.sha256, size: correction.size, kind: 'original', createdAt: at }
      : { ...previous.original, seq: previous.current.seq };
    if (correction) await insertRevision(trx, { ...original, now: at });
    await deletePreparedFields(trx, plan.generated);
    const kept = fields.filter((f) => f.documentId === document.id && !plan.generated.includes(f.id));
    const prepared = signers.length > 0 ? await prepareDocumentIn(trx, deps, { organisationId, document, revision: original, signers, fields: kept, header, at }) : null;
    // From the version signers acted on to the one they act on now (audit verify accounts for every revision by it).
    changes.push({ field: 'document', documentId: document.id, from: previous.current.blobSha256, to: prepared?.preparedSha256 ?? original.blobSha256 });
    if (!correction) continue;
    events.push({
      action: 'document.replaced',
      details: {
        documentId: document.id,
        name: document.name,
        reason: input.declined.declineReason ?? '',
        previous: { originalSha256: previous.original.blobSha256, sha256: previous.current.blobSha256, pageCount: previous.pageCount, revisionSeq: previous.current.seq },
        corrected: { sha256: correction.sha256, pageCount: correction.pageCount, revisionSeq: original.seq, preparedSha256: prepared?.preparedSha256 ?? correction.sha256 },
        recipientsToActAgain: acted.map((r) => r.id),
      },
    });
  }
  await resetActedRecipients(trx, organisationId, acted.map((r) => r.id));
  await forgetDocumentReads(trx, organisationId, corrections.map((c) => c.documentId));
  return { events, changes, actAgain: new Set(acted.map((r) => r.id)) };
}

interface DocumentPlan {
  document: DocumentRecord;
  previous: { original: Revision; current: Revision; pageCount: number };
  correction?: StoredCorrection;
  /** Fields preparation wrote on the signature page (or invisible): written again for the new version. */
  generated: string[];
  invalid: Array<{ fieldId: string; documentId: string; document: string; file: string; recipient: string; page: number; pages: number }>;
}

/** Which of the document's fields staff placed (kept, and checked against the corrected page count) and which preparation wrote. */
async function planDocument(deps: WorkflowDeps, document: DocumentRecord, revisions: readonly Revision[], fields: readonly Field[], signers: readonly Recipient[], correction?: StoredCorrection): Promise<DocumentPlan> {
  const original = [...revisions].reverse().find((r) => r.kind === 'original');
  const current = revisions.at(-1);
  if (!original || !current) throw new Error(`document ${document.id} has no original revision`);
  // Preparation appends its signature pages after the original's last page: a field beyond it, or an invisible one, is its own.
  const pageCount = (await inspectPdf(await deps.blobs.get(original.blobSha256))).pageCount;
  const own = fields.filter((f) => f.documentId === document.id);
  const generated = own.filter((f) => f.page > pageCount || (f.width === 0 && f.height === 0));
  const placed = own.filter((f) => !generated.includes(f));
  const invalid = correction
    ? placed
        .filter((f) => f.page > correction.pageCount)
        .map((f) => ({
          fieldId: f.id,
          documentId: document.id,
          document: document.name,
          file: correction.fileName,
          recipient: signers.find((s) => s.id === f.recipientId)?.name ?? f.recipientId,
          page: f.page,
          pages: correction.pageCount,
        }))
    : [];
  return { document, previous: { original, current, pageCount }, correction, generated: generated.map((f) => f.id), invalid };
}
