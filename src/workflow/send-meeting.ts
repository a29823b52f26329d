/**
 * Sends a meeting (issue 12): every draft envelope of it, in agenda order, in one transaction, each through the
 * one send (sendEnvelopeIn: prepared documents, links, `envelope.sent`, webhooks); the request mails coalesce to
 * one per signer for the meeting (meeting-mail.ts). Then the meeting is 'sent' and `meeting.sent` goes on the
 * organisation's chain. A meeting without drafts is refused (409 meeting_empty); sending a sent meeting again
 * answers it as it is.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { AppError } from '../errors.ts';
import { envelopesOfMeetings, markMeetingSent, meetingById } from '../store/meetings.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { getMeeting, meetingNotFound } from './get-meeting.ts';
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
    for (const envelope of drafts) await sendEnvelopeIn(trx, deps, { ...options, envelopeId: envelope.id });
    const now = deps.clock();
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
