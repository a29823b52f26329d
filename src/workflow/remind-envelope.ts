/**
 * Staff remind the recipients whose turn it is (DESIGN §4): each gets a reminder with a NEW
 * link; their older links are revoked, so a forwarded or leaked earlier mail stops working. A meeting's item is
 * reminded with the meeting's reminder mail (one per signer, its link to the meeting page).
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { computeRouting } from '../domain/routing.ts';
import { ConflictError } from '../errors.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { meetingById } from '../store/meetings.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { markReminded } from '../store/reminder-candidates.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { envelopeNotFound, loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';
import { queueMeetingReminders } from './meeting-mail.ts';
import { effectContext, notifyRecipients } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface RemindEnvelopeOptions extends StaffRequest {
  envelopeId: string;
}

export async function remindEnvelope(deps: WorkflowDeps, options: RemindEnvelopeOptions): Promise<{ envelope: EnvelopeDto; reminded: string[] }> {
  const { organisationId, envelopeId } = options;
  const reminded = await inTransaction(deps, 'remindEnvelope', async (trx) => {
    const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
    if (!envelope) throw envelopeNotFound();
    if (!isOpen(envelope.status)) {
      throw new ConflictError('illegal_transition', `An envelope that is ${envelope.status.replace('_', ' ')} cannot be reminded.`, { extensions: { status: envelope.status, event: 'remind' } });
    }
    const now = deps.clock();
    const recipients = await recipientsOf(trx, organisationId, envelopeId);
    const active = computeRouting(recipients).active;
    const ctx = await effectContext(trx, deps, envelope, { actor: options.actor, origin: options.origin, now });
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId,
      event: { action: 'envelope.reminded', details: { recipientIds: active.map((r) => r.id) } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    // A meeting's item is reminded like its meeting (issue 12): the signer's link opens the meeting page.
    const meeting = envelope.meetingId ? await meetingById(trx, organisationId, envelope.meetingId) : null;
    if (meeting) {
      await queueMeetingReminders(meeting, [{ ctx, recipients: active }], false);
    } else {
      await notifyRecipients(ctx, active, 'reminder');
      // The next automatic reminder (issue 12) counts from this one.
      await markReminded(trx, active.map((r) => r.id), now, false);
    }
    return active.map((r) => r.id);
  });
  return { envelope: await loadEnvelopeDto(deps.db, organisationId, envelopeId), reminded };
}
