/**
 * A recipient opens their link (the signer page's GET, DESIGN §7): the first time, the
 * recipient becomes `opened`, the envelope starts (sent → in_progress) and `link.opened` is
 * recorded. Opening again records nothing new.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { transition } from '../domain/envelope-state.ts';
import { updateEnvelope } from '../store/envelope-repository.ts';
import { updateRecipient } from '../store/recipient-repository.ts';
import type { LinkRequest, WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto } from './envelope-dto.ts';
import type { LinkActionResult } from './sign-envelope.ts';
import { accessByToken, assertLinkUsable, recipientActor } from './signing-link-access.ts';
import { inTransaction } from './transaction.ts';

export type OpenSigningLinkOptions = LinkRequest;

export async function openSigningLink(deps: WorkflowDeps, options: OpenSigningLinkOptions): Promise<LinkActionResult> {
  const outcome = await inTransaction(deps, 'openSigningLink', async (trx) => {
    const access = await accessByToken(trx, options.token);
    const { envelope, recipient } = access;
    const done = { organisationId: envelope.organisationId, envelopeId: envelope.id, recipientId: recipient.id };
    const now = deps.clock();
    assertLinkUsable(access, now);
    if (recipient.status !== 'sent') return { ...done, alreadyDone: true };
    const at = now.toISOString();
    await updateRecipient(trx, envelope.organisationId, recipient.id, { status: 'opened', openedAt: at });
    if (envelope.status === 'sent') await updateEnvelope(trx, envelope.organisationId, envelope.id, { status: transition(envelope.status, 'start') }, at);
    await appendAuditEvent(trx, {
      organisationId: envelope.organisationId,
      envelopeId: envelope.id,
      event: { action: 'link.opened', details: { recipientId: recipient.id } },
      actor: recipientActor(recipient),
      origin: options.origin,
      occurredAt: now,
    });
    return { ...done, alreadyDone: false };
  });
  return { envelope: await loadEnvelopeDto(deps.db, outcome.organisationId, outcome.envelopeId), recipientId: outcome.recipientId, alreadyDone: outcome.alreadyDone };
}
