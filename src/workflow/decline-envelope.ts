/**
 * A signer or approver declines through their link (DESIGN §4): the envelope ends as declined,
 * every link is revoked, recipients who already had a mail are told, `recipient.declined` goes
 * to webhooks, and the staff member who sent it gets a mail and a notification (issue 12).
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { transition } from '../domain/envelope-state.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { updateEnvelope } from '../store/envelope-repository.ts';
import { updateRecipient } from '../store/recipient-repository.ts';
import { revokeSigningLinks } from '../store/signing-link-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto } from './envelope-dto.ts';
import { alreadyMailed, effectContext, queueMail, queueWebhooks } from './notifications.ts';
import type { LinkActionResult } from './sign-envelope.ts';
import { accessByToken, assertActive, assertLinkUsable, recipientActor } from './signing-link-access.ts';
import { deliverResult } from './result-delivery.ts';
import { noticeSender } from './staff-notices.ts';
import { inTransaction } from './transaction.ts';

export interface DeclineEnvelopeOptions extends LinkRequest {
  reason: string;
}

export const MAX_REASON_LENGTH = 2000;

export function requireReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw new ValidationError('A reason is required.');
  if (text.length > MAX_REASON_LENGTH) throw new ValidationError(`The reason is longer than ${MAX_REASON_LENGTH} characters.`);
  return text;
}

export async function declineEnvelope(deps: WorkflowDeps, options: DeclineEnvelopeOptions): Promise<LinkActionResult> {
  const reason = requireReason(options.reason);
  const outcome = await inTransaction(deps, 'declineEnvelope', async (trx) => {
    const access = await accessByToken(trx, options.token);
    const { envelope, recipient } = access;
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id };
    if (recipient.status === 'declined') return { ...done, alreadyDone: true };
    const now = deps.clock();
    assertLinkUsable(access, now);
    if (recipient.role === 'cc') throw new ConflictError('wrong_role', 'A recipient who receives a copy cannot decline.');
    assertActive(access, recipient.role);
    const status = transition(envelope.status, 'decline');
    const at = now.toISOString();
    await updateRecipient(trx, envelope.organisationId, recipient.id, { status: 'declined', declinedAt: at, declineReason: reason });
    await updateEnvelope(trx, envelope.organisationId, envelope.id, { status, declinedAt: at }, at);
    await revokeSigningLinks(trx, access.recipients.map((r) => r.id), now);
    const actor = recipientActor(recipient);
    await appendAuditEvent(trx, {
      organisationId: envelope.organisationId,
      envelopeId: envelope.id,
      event: { action: 'recipient.declined', details: { recipientId: recipient.id, reason } },
      actor,
      origin: options.origin,
      occurredAt: now,
    });
    const ctx = await effectContext(trx, deps, { ...envelope, status, declinedAt: at, updatedAt: at }, { actor, origin: options.origin, now });
    for (const other of alreadyMailed(access.recipients, recipient.id)) {
      await queueMail(ctx, other, 'declined', { declinedBy: recipient.name, reason });
    }
    await queueWebhooks(ctx, 'recipient.declined', { ...recipient, status: 'declined', declinedAt: at, declineReason: reason });
    // The secretariat hears of it (issue 12); a meeting whose last open item this was sends its results.
    await noticeSender(ctx, { kind: 'declined', declinedBy: recipient.name, reason });
    if (envelope.meetingId) await deliverResult(ctx, []);
    return { ...done, alreadyDone: false };
  });
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}
