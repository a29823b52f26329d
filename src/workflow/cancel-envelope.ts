/**
 * Staff cancel an envelope (DESIGN §4): from draft, sent or in progress; a reason is required.
 * Links are revoked, recipients who already had a mail are told, `envelope.cancelled` goes to
 * webhooks. Cancelling a cancelled envelope answers its state.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isRepeat, transition } from '../domain/envelope-state.ts';
import { envelopeById, updateEnvelope } from '../store/envelope-repository.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { revokeSigningLinks } from '../store/signing-link-repository.ts';
import { requireReason } from './decline-envelope.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { alreadyMailed, effectContext, queueMail, queueWebhooks } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface CancelEnvelopeOptions extends StaffRequest {
  envelopeId: string;
  reason: string;
}

export async function cancelEnvelope(deps: WorkflowDeps, options: CancelEnvelopeOptions): Promise<EnvelopeDto> {
  const reason = requireReason(options.reason);
  const { organisationId, envelopeId } = options;
  await inTransaction(deps, 'cancelEnvelope', async (trx) => {
    const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
    if (!envelope) throw envelopeNotFound();
    if (isRepeat(envelope.status, 'cancel')) return;
    const status = transition(envelope.status, 'cancel');
    const now = deps.clock();
    const at = now.toISOString();
    await updateEnvelope(trx, organisationId, envelopeId, { status, cancelledAt: at, cancelReason: reason }, at);
    const recipients = await recipientsOf(trx, organisationId, envelopeId);
    await revokeSigningLinks(trx, recipients.map((r) => r.id), now);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'envelope.cancelled', details: { reason } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    const ctx = await effectContext(trx, deps, { ...envelope, status, cancelledAt: at, cancelReason: reason, updatedAt: at }, { actor: options.actor, origin: options.origin, now });
    for (const recipient of alreadyMailed(recipients)) await queueMail(ctx, recipient, 'cancelled', { reason });
    await queueWebhooks(ctx, 'envelope.cancelled');
  });
  return loadEnvelopeDto(deps.db, organisationId, envelopeId);
}
