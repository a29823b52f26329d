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
