/**
 * Correct and resend (issue 12): staff fix what made a recipient decline — their name or e-mail address — and
 * send the same envelope again. One transaction: the declined envelope goes back to sent (envelope-state
 * `resend`), the recipient who declined waits again, `envelope.resent` records what changed in the same audit
 * chain, and whoever's turn it now is gets a fresh link (their old links were revoked at the decline).
 * Replacing a document is not offered yet: its signature fields are prepared at send time.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { transition } from '../domain/envelope-state.ts';
import { normaliseEmail } from '../domain/person.ts';
import { computeRouting } from '../domain/routing.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { reopenDeclinedEnvelope, resetDeclinedRecipient } from '../store/resend.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { effectContext, notifyRecipients } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface ResendEnvelopeOptions extends StaffRequest {
  envelopeId: string;
  /** The declining recipient's corrected name and address; unchanged when left out. */
  name?: string;
  email?: string;
}

export async function resendEnvelope(deps: WorkflowDeps, options: ResendEnvelopeOptions): Promise<EnvelopeDto> {
  const { organisationId, envelopeId } = options;
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
    await resetDeclinedRecipient(trx, organisationId, declined.id, { name, email });
    await reopenDeclinedEnvelope(trx, organisationId, envelopeId, at);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'envelope.resent', details: { declinedRecipientId: declined.id, changes } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    const current = recipients.map((r) => (r.id === declined.id ? { ...r, name, email, status: 'pending' as const, declinedAt: null, declineReason: null, openedAt: null, sentAt: null } : r));
    const ctx = await effectContext(trx, deps, { ...envelope, status, declinedAt: null, updatedAt: at }, { actor: options.actor, origin: options.origin, now });
    await notifyRecipients(ctx, computeRouting(current).active, 'signRequest');
  });
  return loadEnvelopeDto(deps.db, organisationId, envelopeId);
}
