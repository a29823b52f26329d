/**
 * One request mail per signer per meeting (issue 12). When the routing makes a person active on an envelope of a
 * meeting, they get the meeting's mail only if no envelope of that meeting invited that e-mail address before:
 * the mail lists all of the meeting's items for them in agenda order, and its one link opens the meeting page
 * (the batch page narrowed to the meeting), where items that reach them later show up too. One statement per
 * person made active, and only on meeting envelopes, so the sign request of a single decision is unchanged.
 */
import { decisionBodyName } from '../domain/meeting.ts';
import type { MeetingSignRequestParams } from '../notify/templates.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import { meetingItemsForEmail } from '../store/meetings.ts';
import type { EffectContext } from './notifications.ts';

export type MeetingRequest = Omit<MeetingSignRequestParams, 'organisationName' | 'recipientName' | 'envelopeTitle'>;

/** The meeting page behind a signing link: the batch page showing only that meeting, in agenda order. */
export function meetingPageUrl(signingUrl: string, meetingId: string): string {
  return `${signingUrl}/batch/meetings/${encodeURIComponent(meetingId)}`;
}

/** The meeting mail for `recipient` (a signer just made active on `ctx.envelope`), or null when the meeting's mail already reached them. */
export async function meetingRequestFor(ctx: EffectContext, recipient: Recipient, signingUrl: string): Promise<MeetingRequest | null> {
  const meetingId = ctx.envelope.meetingId;
  if (!meetingId) return null;
  const found = await meetingItemsForEmail(ctx.trx, ctx.envelope.organisationId, meetingId, recipient.email);
  if (!found) return null;
  // A mail on an item since declined or cancelled counts too: its link still opens the meeting (signing-link-access.ts).
  if (found.items.some((item) => item.envelopeId !== ctx.envelope.id && item.sentAt !== null)) return null;
  const { meeting } = found;
  return {
    meetingTitle: meeting.title,
    bodyName: decisionBodyName(meeting.body, meeting.bodyLabel),
    meetingDate: meeting.meetingDate,
    items: found.items.filter((item) => item.status !== 'cancelled').map((item) => ({ agendaItem: item.agendaItem, title: item.title })),
    deadline: ctx.envelope.expiresAt ? new Date(ctx.envelope.expiresAt) : null,
    signingUrl: meetingPageUrl(signingUrl, meeting.id),
  };
}
