/**
 * Closing the loop at completion (issue 12): every signer and cc, and the staff member who sent the envelope,
 * get the completion mail with a link of their own to the signed PDFs (`/r/<token>`, valid RESULT_LINK_DAYS;
 * only the token's SHA-256 is stored), and the sender a notification in the staff app. Runs inside the
 * completing signature's transaction (routing-effects.ts), never on a signature that does not complete.
 *
 * An envelope of a meeting waits for the meeting: when the last of its envelopes closes, each person gets one
 * mail listing every completed item of the meeting they had a part in, with one link for all of them.
 */
import { randomUUID } from 'node:crypto';
import { isOpen } from '../domain/envelope-state.ts';
import type { MailMessage } from '../notify/index.ts';
import { currentRevisions, documentsOfEnvelopes } from '../store/document-repository.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { envelopesOfMeetings, meetingById } from '../store/meetings.ts';
import { recipientsOfEnvelopes, type Recipient } from '../store/recipient-repository.ts';
import { resultLinksInsert, type ResultLink } from '../store/result-links.ts';
import { outboxInsert, type NewOutboxRow } from '../store/knex-outbox-store.ts';
import { staffNotificationsInsert } from '../store/staff-notifications.ts';
import { randomToken } from './deps.ts';
import { effectWrites, queueMail, queueStaffMail, tokenHash, type EffectContext } from './notifications.ts';
import { noticeAudience, staffEnvelopeUrl, staffNotification, type NoticeAudience } from './staff-notices.ts';

export const DEFAULT_RESULT_LINK_DAYS = 30;

/** Who gets the result: the signers and cc (approvers approve, they do not receive a copy). */
const receivesResult = (recipient: Recipient) => recipient.role === 'signer' || recipient.role === 'cc';

interface PendingLink {
  link: ResultLink & { tokenSha256: string };
  url: string;
}

function newLink(ctx: EffectContext, who: { name: string; email: string; recipientId?: string; userId?: string }, meetingId: string | null): PendingLink {
  const token = randomToken(ctx.deps).toString('base64url');
  const days = ctx.deps.resultLinkDays ?? DEFAULT_RESULT_LINK_DAYS;
  const link = {
    id: randomUUID(),
    organisationId: ctx.envelope.organisationId,
    envelopeId: ctx.envelope.id,
    meetingId,
    recipientId: who.recipientId ?? null,
    userId: who.userId ?? null,
    name: who.name,
    email: who.email,
    tokenSha256: tokenHash(token),
    expiresAt: new Date(ctx.now.getTime() + days * 86_400_000).toISOString(),
    createdAt: ctx.now.toISOString(),
  };
  return { link, url: `${ctx.deps.baseUrl.replace(/\/+$/, '')}/r/${token}` };
}

type Attachments = Pick<MailMessage, 'attachmentRefs'>;

/**
 * The signed PDFs of these envelopes as attachments, when RESULT_ATTACH_MAX_KB allows them all (together);
 * none otherwise — the link carries them either way. Read only when attaching is on.
 */
async function resultAttachments(ctx: EffectContext, envelopeIds: readonly string[]): Promise<Attachments> {
  const max = ctx.deps.resultAttachMaxBytes ?? 0;
  if (max <= 0 || envelopeIds.length === 0) return {};
  const documents = await documentsOfEnvelopes(ctx.trx, ctx.envelope.organisationId, envelopeIds);
  const revisions = await currentRevisions(ctx.trx, documents.map((d) => d.id));
  const total = documents.reduce((sum, d) => sum + (revisions.get(d.id)?.size ?? 0), 0);
  if (total > max) return {};
  return {
    // The worker sends each document's revision current at sending: the archive timestamp's, made with the last
    // signature or by the scheduled job since.
    attachmentRefs: documents.map((d) => ({ filename: d.name.toLowerCase().endsWith('.pdf') ? d.name : `${d.name}.pdf`, sha256: revisions.get(d.id)!.blobSha256, contentType: 'application/pdf', documentId: d.id })),
  };
}

/** The completion's mails, links and the sender's notification; `recipients` as they are now (all done). */
export async function deliverResult(ctx: EffectContext, recipients: readonly Recipient[]): Promise<void> {
  if (ctx.envelope.meetingId) return deliverMeetingResult(ctx, ctx.envelope.meetingId);
  const audience = await noticeAudience(ctx, ctx.envelope);
  const attached = await resultAttachments(ctx, [ctx.envelope.id]);
  const withFiles = { attached: Boolean(attached.attachmentRefs) };
  const links: PendingLink[] = [];
  const mails: PendingMail[] = [];
  for (const recipient of recipients.filter(receivesResult)) {
    const pending = newLink(ctx, { name: recipient.name, email: recipient.email, recipientId: recipient.id }, null);
    links.push(pending);
    mails.push((on) => queueMail(on, recipient, 'completed', { downloadUrl: pending.url, downloadUntil: new Date(pending.link.expiresAt), ...withFiles }, attached));
  }
  tellStaff(ctx, audience, { meetingId: null, staffUrl: staffEnvelopeUrl(ctx), params: { detailsUrl: staffEnvelopeUrl(ctx), ...withFiles }, attached }, links, mails);
  await writeResult(ctx, links, mails, { userIds: audience?.userIds ?? [], details: {} });
}

/** A completion mail, queued on the effect context it is given (writeResult's batch). */
type PendingMail = (on: EffectContext) => Promise<unknown>;

/**
 * A completion's result links, mails and staff notifications, written together (issue 11): none of them is read back.
 * The mails join the use case's deliveries when it gathers them (a signature's, `ctx.outbox`); else they are inserted
 * here with the rest, in one statement on PostgreSQL.
 */
async function writeResult(ctx: EffectContext, links: readonly PendingLink[], mails: readonly PendingMail[], notify: { userIds: readonly string[]; details: Record<string, unknown> }): Promise<void> {
  const ownOutbox: NewOutboxRow[] | undefined = ctx.outbox ? undefined : [];
  const batch: EffectContext = ownOutbox ? { ...ctx, outbox: ownOutbox } : ctx;
  for (const mail of mails) await mail(batch);
  const notifications = notify.userIds.map((userId) => staffNotification(ctx, userId, 'completed', notify.details));
  await effectWrites(ctx, [resultLinksInsert(ctx.trx, links.map((l) => l.link)), ownOutbox && outboxInsert(ctx.trx, ownOutbox), staffNotificationsInsert(ctx.trx, notifications)]);
}

/**
 * The completion mails to staff: the sender's with a result link of their own; for an envelope sent through the
 * API, one to each notification address whose button opens the dossier in the staff app (no account, so no link
 * of its own: the staff who read that mailbox log in).
 */
function tellStaff(
  ctx: EffectContext,
  audience: NoticeAudience | null,
  what: { meetingId: string | null; staffUrl: string; params: { detailsUrl?: string; meeting?: { title: string; items: string[] }; attached: boolean }; attached: Attachments },
  links: PendingLink[],
  mails: PendingMail[],
): void {
  for (const addressee of audience?.mailTo ?? []) {
    if (addressee.userId) {
      const pending = newLink(ctx, { name: addressee.name, email: addressee.email, userId: addressee.userId }, what.meetingId);
      links.push(pending);
      mails.push((on) => queueStaffMail(on, addressee, 'completed', { ...what.params, downloadUrl: pending.url, downloadUntil: new Date(pending.link.expiresAt), forSender: true }, what.attached));
    } else {
      mails.push((on) => queueStaffMail(on, addressee, 'completed', { ...what.params, detailsUrl: null, downloadUrl: what.staffUrl }, what.attached));
    }
  }
}

/**
 * The meeting's envelopes once the last one closes: one mail per person (by e-mail address) with the completed
 * items they signed or received, and one to the meeting's sender with all of them. Nothing while any is open.
 */
async function deliverMeetingResult(ctx: EffectContext, meetingId: string): Promise<void> {
  const { organisationId } = ctx.envelope;
  const envelopes = (await envelopesOfMeetings(ctx.trx, organisationId, [meetingId])).map((e) => (e.id === ctx.envelope.id ? ctx.envelope : e));
  if (envelopes.some((e) => isOpen(e.status) || e.status === 'draft')) return;
  const meeting = await meetingById(ctx.trx, organisationId, meetingId);
  if (!meeting) return;
  const completed = envelopes.filter((e) => e.status === 'completed');
  if (completed.length === 0) return;
  const titleOf = new Map(completed.map((e) => [e.id, itemTitle(e)]));
  const people = new Map<string, { recipient: Recipient; items: string[]; envelopeIds: string[] }>();
  for (const recipient of (await recipientsOfEnvelopes(ctx.trx, organisationId, completed.map((e) => e.id))).filter(receivesResult)) {
    const key = recipient.email.toLowerCase();
    const person = people.get(key) ?? { recipient, items: [], envelopeIds: [] };
    const title = titleOf.get(recipient.envelopeId)!;
    if (!person.items.includes(title)) person.items.push(title);
    if (!person.envelopeIds.includes(recipient.envelopeId)) person.envelopeIds.push(recipient.envelopeId);
    people.set(key, person);
  }
  // Items in agenda order, whatever order the recipients came in.
  const order = completed.map((e) => titleOf.get(e.id)!);
  const meetingCtx: EffectContext = { ...ctx, envelope: { ...ctx.envelope, title: meeting.title } };
  const audience = await noticeAudience(ctx, { organisationId, createdByKind: meeting.createdByKind, createdById: meeting.createdById });
  const links: PendingLink[] = [];
  const mails: PendingMail[] = [];
  for (const { recipient, items, envelopeIds } of people.values()) {
    const pending = newLink(ctx, { name: recipient.name, email: recipient.email, recipientId: recipient.id }, meetingId);
    links.push(pending);
    const sorted = order.filter((title) => items.includes(title));
    const attached = await resultAttachments(ctx, envelopeIds);
    const params = { downloadUrl: pending.url, downloadUntil: new Date(pending.link.expiresAt), meeting: { title: meeting.title, items: sorted }, attached: Boolean(attached.attachmentRefs) };
    mails.push((on) => queueMail(on, recipient, 'completed', params, attached));
  }
  if (audience) {
    const attached = await resultAttachments(ctx, completed.map((e) => e.id));
    const staffUrl = `${ctx.deps.baseUrl.replace(/\/+$/, '')}/app/meetings/${meetingId}`;
    tellStaff(meetingCtx, audience, { meetingId, staffUrl, params: { meeting: { title: meeting.title, items: order }, attached: Boolean(attached.attachmentRefs) }, attached }, links, mails);
  }
  await writeResult(meetingCtx, links, mails, { userIds: audience?.userIds ?? [], details: { meetingId } });
}

function itemTitle(envelope: Envelope): string {
  return envelope.agendaItem ? `${envelope.agendaItem}. ${envelope.title}` : envelope.title;
}
