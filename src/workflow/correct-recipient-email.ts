/**
 * Staff correct the e-mail address of a recipient who has not acted yet (issue 5): one
 * transaction updates the address, revokes every older link of that recipient and, when it is
 * the recipient's turn, mails a new signing request with a new link to the new address.
 * Audit: `recipient.email_corrected` (then `mail.queued` for the new mail).
 */
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { isFinal } from '../domain/envelope-state.ts';
import { normaliseEmail } from '../domain/person.ts';
import { computeRouting } from '../domain/routing.ts';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { recipientsOf, setRecipientEmail, type Recipient } from '../store/recipient-repository.ts';
import { revokeSigningLinks } from '../store/signing-link-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, notifyRecipients } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface CorrectRecipientEmailOptions extends StaffRequest {
  envelopeId: string;
  recipientId: string;
  email: string;
}

/** Recipients in these states have not acted: their address may still be corrected. */
export const CORRECTABLE_RECIPIENT_STATUSES: readonly string[] = ['pending', 'sent', 'opened'];

export async function correctRecipientEmail(deps: WorkflowDeps, options: CorrectRecipientEmailOptions): Promise<{ envelope: EnvelopeDto; mailed: boolean }> {
  const { organisationId, envelopeId, recipientId } = options;
  const email = normaliseEmail(options.email ?? '');
  if (!email) throw new ValidationError(`Invalid e-mail address '${options.email}'.`);
  const mailed = await inTransaction(deps, 'correctRecipientEmail', async (trx) => {
    const envelope = await lockChangeableEnvelope(trx, organisationId, envelopeId, 'correctEmail');
    const recipients = await recipientsOf(trx, organisationId, envelopeId);
    const recipient = recipients.find((r) => r.id === recipientId);
    if (!recipient) throw new AppError('recipient_not_found', 404, 'This envelope has no such recipient.');
    if (!CORRECTABLE_RECIPIENT_STATUSES.includes(recipient.status)) {
      throw new ConflictError('recipient_done', 'This recipient has already acted; the address can no longer be corrected.', { extensions: { status: recipient.status } });
    }
    if (recipient.email === email) throw new ValidationError('The new e-mail address is the same as the current one.');
    const now = deps.clock();
    await setRecipientEmail(trx, organisationId, recipientId, email);
    await revokeSigningLinks(trx, [recipientId], now);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'recipient.email_corrected', details: { recipientId, previousEmail: recipient.email, email } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    if (!isRecipientsTurn(envelope, recipients, recipientId)) return false;
    await mailNewRequests(trx, deps, envelope, [{ ...recipient, email }], { ...options, now });
    return true;
  });
  return { envelope: await loadEnvelopeDto(deps.db, organisationId, envelopeId), mailed };
}

/**
 * The envelope, locked for a change to its recipients as other envelope use cases lock it (FOR UPDATE), while it is
 * open: 404 `envelope_not_found`, or 409 `illegal_transition` once it is completed, declined, cancelled or expired.
 * Shared with the hand-over of a function step to a substitute (reassign-function-recipients.ts).
 */
export async function lockChangeableEnvelope(trx: Knex.Transaction, organisationId: string, envelopeId: string, event: string): Promise<Envelope> {
  const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
  if (!envelope) throw envelopeNotFound();
  if (isFinal(envelope.status)) {
    throw new ConflictError('illegal_transition', `An envelope that is ${envelope.status.replace('_', ' ')} cannot be changed.`, { extensions: { status: envelope.status, event } });
  }
  return envelope;
}

/** Whether the envelope is out and this recipient among the active ones: they hold a request, so whoever now stands in their place needs one. */
export function isRecipientsTurn(envelope: Envelope, recipients: readonly Recipient[], recipientId: string): boolean {
  return envelope.status !== 'draft' && computeRouting(recipients).active.some((r) => r.id === recipientId);
}

/**
 * The sign request again, with a new link, to recipients whose address or person changed while it was their turn
 * (their older links already revoked by the caller). In a meeting it is the meeting's one mail (meeting-mail.ts).
 */
export async function mailNewRequests(trx: Knex.Transaction, deps: WorkflowDeps, envelope: Envelope, recipients: readonly Recipient[], who: StaffRequest & { now: Date }): Promise<void> {
  const ctx = await effectContext(trx, deps, envelope, { actor: who.actor, origin: who.origin, now: who.now });
  await notifyRecipients(ctx, recipients, 'signRequest');
}
