/**
 * Staff remind a whole meeting in one action (issue 12): every signer still waiting on any of its open items gets
 * ONE reminder for the meeting (queueMeetingReminders: a fresh link to the meeting page, the items still waiting in
 * agenda order), approvers their own per item. One transaction that locks the meeting and each open item, with
 * `envelope.reminded` on each item's chain naming whom it reminded. A meeting not sent yet, or with nothing
 * waiting, is 409.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { computeRouting } from '../domain/routing.ts';
import { AppError } from '../errors.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { envelopesOfMeetings, meetingById } from '../store/meetings.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { getMeeting, meetingNotFound } from './get-meeting.ts';
import { queueMeetingReminders, type MeetingReminderItem } from './meeting-mail.ts';
import { effectContext } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface RemindMeetingOptions extends StaffRequest {
  meetingId: string;
}

export interface RemindMeetingResult {
  meeting: Awaited<ReturnType<typeof getMeeting>>;
  /** Per item reminded, in agenda order: whom. */
  reminded: Array<{ envelopeId: string; recipientIds: string[] }>;
}

export async function remindMeeting(deps: WorkflowDeps, options: RemindMeetingOptions): Promise<RemindMeetingResult> {
  const { organisationId, meetingId } = options;
  const reminded = await inTransaction(deps, 'remindMeeting', async (trx) => {
    const meeting = await meetingById(trx, organisationId, meetingId, { forUpdate: true });
    if (!meeting) throw meetingNotFound();
    if (meeting.status !== 'sent') throw new AppError('meeting_not_sent', 409, 'This meeting has not been sent; there is nobody to remind.');
    const now = deps.clock();
    const items: MeetingReminderItem[] = [];
    for (const { id } of (await envelopesOfMeetings(trx, organisationId, [meetingId])).filter((e) => isOpen(e.status))) {
      const envelope = await envelopeById(trx, organisationId, id, { forUpdate: true });
      if (!envelope || !isOpen(envelope.status)) continue;
      const active = computeRouting(await recipientsOf(trx, organisationId, id)).active;
      if (active.length === 0) continue;
      await appendAuditEvent(trx, {
        organisationId,
        envelopeId: id,
        event: { action: 'envelope.reminded', details: { recipientIds: active.map((r) => r.id) } },
        actor: options.actor,
        origin: options.origin,
        occurredAt: now,
      });
      items.push({ ctx: await effectContext(trx, deps, envelope, { actor: options.actor, origin: options.origin, now }), recipients: active });
    }
    if (items.length === 0) throw new AppError('meeting_nothing_waiting', 409, 'Nothing in this meeting waits for anyone.');
    await queueMeetingReminders(meeting, items, false);
    return items.map((item) => ({ envelopeId: item.ctx.envelope.id, recipientIds: item.recipients.map((r) => r.id) }));
  });
  return { meeting: await getMeeting(deps, { organisationId, meetingId }), reminded };
}
