/**
 * Sends a meeting (issue 12): every draft envelope of it, in agenda order, in one transaction, each through the
 * one send (sendEnvelopeIn: prepared documents, links, `envelope.sent`, webhooks); the request mails coalesce to
 * one per signer for the meeting (meeting-mail.ts). Then the meeting is 'sent' and `meeting.sent` goes on the
 * organisation's chain. Before that, each item's function steps are resolved again for the meeting's date (an absence
 * recorded or the meeting re-dated since the upload), each change a `recipient.reassigned`. A meeting without drafts is refused (409 meeting_empty); sending a sent meeting again
 * answers it as it is.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import { envelopesOfMeetings, markMeetingSent, meetingById } from '../store/meetings.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { getMeeting, meetingNotFound } from './get-meeting.ts';
import { resolveDraftRecipientsAgain } from './reassign-function-recipients.ts';
import { sendEnvelopeIn } from './send-envelope.ts';
import { inTransaction } from './transaction.ts';

export interface SendMeetingOptions extends StaffRequest {
  meetingId: string;
}

export async function sendMeeting(deps: WorkflowDeps, options: SendMeetingOptions): Promise<Awaited<ReturnType<typeof getMeeting>>> {
  const { organisationId, meetingId } = options;
  await inTransaction(deps, 'sendMeeting', async (trx) => {
    const meeting = await meetingById(trx, organisationId, meetingId, { forUpdate: true });
    if (!meeting) throw meetingNotFound();
    if (meeting.status === 'sent') return;
    const drafts = (await envelopesOfMeetings(trx, organisationId, [meetingId])).filter((e) => e.status === 'draft');
    if (drafts.length === 0) throw new AppError('meeting_empty', 409, 'This meeting has no draft envelopes to send.');
    const now = deps.clock();
    for (const envelope of drafts) {
      // Who signs a function step is resolved again for the meeting's date as it stands (reassign-function-recipients.ts).
      await resolveDraftRecipientsAgain(trx, { ...options, now }, envelope, meeting.meetingDate);
      await sendEnvelopeIn(trx, deps, { ...options, envelopeId: envelope.id });
    }
    await markMeetingSent(trx, organisationId, meetingId, now.toISOString());
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'meeting.sent', details: { meetingId, envelopeIds: drafts.map((e) => e.id) } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
  });
  return getMeeting(deps, { organisationId, meetingId });
}
