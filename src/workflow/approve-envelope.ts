/** An approver approves through their link (DESIGN §4): no signature, then routing moves on. Repeating answers the current state. */
import { appendAuditEvent } from '../audit/chain.ts';
import { updateRecipient } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto } from './envelope-dto.ts';
import { effectContext } from './notifications.ts';
import { advanceRouting } from './routing-effects.ts';
import { timestampIfCompleted } from './archive-timestamps.ts';
import type { LinkActionResult } from './sign-envelope.ts';
import { accessByToken, assertActive, assertLinkUsable, recipientActor, withRecipient } from './signing-link-access.ts';
import { inTransaction } from './transaction.ts';

export type ApproveEnvelopeOptions = LinkRequest;

export async function approveEnvelope(deps: WorkflowDeps, options: ApproveEnvelopeOptions): Promise<LinkActionResult> {
  const outcome = await inTransaction(deps, 'approveEnvelope', async (trx) => {
    const access = await accessByToken(trx, options.token);
    const { envelope, recipient } = access;
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id };
    if (recipient.role === 'approver' && recipient.status === 'approved') return { ...done, alreadyDone: true };
    const now = deps.clock();
    assertLinkUsable(access, now);
    assertActive(access, 'approver');
    const at = now.toISOString();
    const approved = { ...recipient, status: 'approved' as const, completedAt: at, openedAt: recipient.openedAt ?? at };
    await updateRecipient(trx, envelope.organisationId, recipient.id, { status: 'approved', completedAt: at, openedAt: approved.openedAt });
    const actor = recipientActor(recipient);
    await appendAuditEvent(trx, {
      organisationId: envelope.organisationId,
      envelopeId: envelope.id,
      event: { action: 'recipient.approved', details: { recipientId: recipient.id } },
      actor,
      origin: options.origin,
      occurredAt: now,
    });
    await advanceRouting(await effectContext(trx, deps, envelope, { actor, origin: options.origin, now }), withRecipient(access.recipients, approved));
    return { ...done, alreadyDone: false };
  });
  // An approver can be the last: the envelope then gets its archive timestamps (PAdES B-LTA).
  if (!outcome.alreadyDone) await timestampIfCompleted(deps, outcome);
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}
