/** What "correct and resend" writes (issue 12): the declined envelope and recipient made current again. */
import type { Db } from './sql.ts';

/** Back to sent: the decline's time is cleared; the rest of its history stays in the audit chain. */
export async function reopenDeclinedEnvelope(db: Db, organisationId: string, envelopeId: string, now: string): Promise<void> {
  await db('envelopes').where({ id: envelopeId, organisation_id: organisationId }).update({ status: 'sent', declined_at: null, sent_at: now, updated_at: now });
}

/** The recipient who declined, corrected, waits again (pending until routing mails them). */
export async function resetDeclinedRecipient(db: Db, organisationId: string, recipientId: string, changes: { name: string; email: string }): Promise<void> {
  await db('recipients')
    .where({ id: recipientId, organisation_id: organisationId })
    .update({ name: changes.name, email: changes.email, status: 'pending', declined_at: null, decline_reason: null, opened_at: null, sent_at: null });
}

/**
 * Who had signed or approved a document since replaced acts again (issue 12): their act covered a version that is no
 * longer the current one, so they wait again, pending until routing mails them; that mail, whenever their turn comes,
 * says why (`corrected_since_acted`). The audit chain keeps what they did.
 */
export async function resetActedRecipients(db: Db, organisationId: string, recipientIds: readonly string[]): Promise<void> {
  if (recipientIds.length === 0) return;
  await db('recipients')
    .where({ organisation_id: organisationId })
    .whereIn('id', [...recipientIds])
    .update({ status: 'pending', completed_at: null, opened_at: null, sent_at: null, corrected_since_acted: true });
}

/**
 * The signature-page fields of a replaced document: preparing the corrected version writes them again. Fields staff
 * placed on the document's own pages stay (and keep their rows); `fieldIds` are the others.
 */
export async function deletePreparedFields(db: Db, fieldIds: readonly string[]): Promise<void> {
  if (fieldIds.length === 0) return;
  await db('fields').whereIn('id', [...fieldIds]).delete();
}

/**
 * Reading before signing applies to the corrected version (issue 12): a read of the replaced version does not count.
 * The reads were of the document as it was; their `document.opened` events stay in the audit chain.
 */
export async function forgetDocumentReads(db: Db, organisationId: string, documentIds: readonly string[]): Promise<void> {
  if (documentIds.length === 0) return;
  await db('document_reads').where({ organisation_id: organisationId }).whereIn('document_id', [...documentIds]).delete();
}
