/**
 * One request mail per signer per meeting (issue 12). When the routing makes a person active on an envelope of a
 * meeting, they get the meeting's mail only if no envelope of that meeting invited that e-mail address before:
 * the mail lists all of the meeting's items for them in agenda order, and its one link opens the meeting page
 * (the batch page narrowed to the meeting), where items that reach them later show up too. One statement per
 * person made active, and only on meeting envelopes, so the sign request of a single decision is unchanged.
 */
import { decisionBodyName } from '../domain/meeting.ts';
import type { MeetingSignRequestParams, SigningAs } from '../notify/templates.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import type { Recipient } from '../store/recipient-repository.ts';
import { lastMeetingMail, meetingItemsForEmail, type Meeting } from '../store/meetings.ts';
import { markReminded } from '../store/reminder-candidates.ts';
import { revokeSigningLinks, signingLinksOf } from '../store/signing-link-repository.ts';
import { createSigningLink, notifyRecipients, queueMail, type EffectContext } from './notifications.ts';
import { linkOpensMeeting } from './signing-link-access.ts';

export type MeetingRequest = Omit<MeetingSignRequestParams, 'organisationName' | 'recipientName' | 'envelopeTitle'>;

/**
 * In what capacity a signer of a function step signs, for their request mails (issue 12): only a substitute or a
 * delegate is told. Read from the recipient row, the absent holder's name included (stored when the step was
 * resolved, at creation or at a hand-over).
 */
export function signingAsOf(recipient: Pick<Recipient, 'role' | 'capacity' | 'function' | 'actingStatement' | 'inPlaceOf'>): SigningAs | null {
  if (recipient.role !== 'signer') return null;
  if (recipient.capacity !== 'substitute' && recipient.capacity !== 'delegate') return null;
  return { capacity: recipient.capacity, function: recipient.function, actingStatement: recipient.actingStatement, inPlaceOf: recipient.capacity === 'substitute' ? recipient.inPlaceOf : null };
}

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
  const mailedBefore = found.items.some((item) => item.envelopeId !== ctx.envelope.id && item.sentAt !== null);
  if (mailedBefore && (await earlierMailStillOpens(ctx, found.items.map((item) => item.envelopeId), recipient))) return null;
  const { meeting } = found;
  return {
    meetingTitle: meeting.title,
    bodyName: decisionBodyName(meeting.body, meeting.bodyLabel),
    meetingDate: meeting.meetingDate,
    items: found.items.filter((item) => item.status !== 'cancelled').map((item) => ({ agendaItem: item.agendaItem, title: item.title })),
    deadline: ctx.envelope.expiresAt ? new Date(ctx.envelope.expiresAt) : null,
    signingUrl: meetingPageUrl(signingUrl, meeting.id),
    signingAs: signingAsOf(recipient),
  };
}

/**
 * Whether the person's last meeting mail still carries a link to the meeting page. Not when that link was this very
 * recipient's, just replaced by the one this mail would carry (an item declined and then corrected and resent, whose
 * mail had carried the meeting's link), nor when it stopped working otherwise: then the meeting's mail goes again,
 * so nobody is left without a way to what waits for them. None recorded yet (queued in this very transaction): it went.
 */
async function earlierMailStillOpens(ctx: EffectContext, envelopeIds: readonly string[], recipient: Recipient): Promise<boolean> {
  const last = await lastMeetingMail(ctx.trx, ctx.envelope.organisationId, envelopeIds, recipient.email);
  if (!last) return true;
  if (last.recipientId === recipient.id) return false;
  const link = (await signingLinksOf(ctx.trx, [last.recipientId])).at(-1);
  const envelope = await envelopeById(ctx.trx, ctx.envelope.organisationId, last.envelopeId);
  return link !== undefined && envelope !== null && (await linkOpensMeeting(ctx.trx, link, envelope, ctx.now));
}

/** One item of a meeting reminder: an open envelope of the meeting, its effect context, and whom to remind on it. */
export interface MeetingReminderItem {
  ctx: EffectContext;
  recipients: readonly Recipient[];
}

/**
 * Reminds a meeting's items like the meeting's request (issue 12): everyone reminded gets a fresh link (their older
 * ones revoked, as remindEnvelope does), and each signer ONE mail for the meeting, by e-mail address, listing the
 * items still waiting for them in agenda order (`items` come in that order) with one link to the meeting page.
 * Approvers keep their own reminder per item. The caller appends each item's audit event; this marks the reminded.
 */
export async function queueMeetingReminders(meeting: Meeting, items: readonly MeetingReminderItem[], automatic: boolean): Promise<void> {
  const people = new Map<string, { ctx: EffectContext; recipient: Recipient; token: string; items: Envelope[]; deadline: string | null }>();
  for (const { ctx, recipients } of items) {
    await notifyRecipients(ctx, recipients.filter((r) => r.role !== 'signer'), 'reminder');
    const signers = recipients.filter((r) => r.role === 'signer');
    await revokeSigningLinks(ctx.trx, signers.map((r) => r.id), ctx.now);
    for (const recipient of signers) {
      const token = await createSigningLink(ctx, recipient);
      const key = recipient.email.trim().toLowerCase();
      const person = people.get(key) ?? { ctx, recipient, token, items: [], deadline: ctx.envelope.expiresAt };
      person.items.push(ctx.envelope);
      if (ctx.envelope.expiresAt && (!person.deadline || ctx.envelope.expiresAt < person.deadline)) person.deadline = ctx.envelope.expiresAt;
      people.set(key, person);
    }
    await markReminded(ctx.trx, recipients.map((r) => r.id), ctx.now, automatic);
  }
  for (const { ctx, recipient, token, items: waiting, deadline } of people.values()) {
    await queueMail(ctx, recipient, 'meetingSignRequest', {
      meetingTitle: meeting.title,
      bodyName: decisionBodyName(meeting.body, meeting.bodyLabel),
      meetingDate: meeting.meetingDate,
      items: waiting.map((envelope) => ({ agendaItem: envelope.agendaItem, title: envelope.title })),
      deadline: deadline ? new Date(deadline) : null,
      signingUrl: meetingPageUrl(`${ctx.deps.baseUrl.replace(/\/+$/, '')}/s/${token}`, meeting.id),
      reminder: true,
      signingAs: signingAsOf(recipient),
    });
  }
}
