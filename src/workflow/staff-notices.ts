/**
 * The secretariat hears of it (issue 12): when an envelope is declined, completed or expires, or one of its
 * mails cannot be delivered, staff get a mail and a row in their notifications (the badge and list in the
 * staff app). Part of the use case's own transaction, like its other effects.
 *
 * Who hears of it: the staff member who sent the envelope, in their own language. An envelope sent through the
 * API has no staff sender: its mails go to the organisation's notification addresses (`settings.noticeEmails`,
 * in the organisation's default language) and its notifications to every admin of the organisation.
 */
import { randomUUID } from 'node:crypto';
import { insertStaffNotification, type StaffNotificationKind } from '../store/staff-notifications.ts';
import { activeAdminsOf, userById } from '../store/users.ts';
import type { Db } from '../store/sql.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { queueStaffMail, type EffectContext, type StaffAddressee } from './notifications.ts';
import { noticeEmailsOf, organisationLanguageOf } from './update-organisation-settings.ts';

type CreatedBy = Pick<Envelope, 'organisationId' | 'createdByKind' | 'createdById'>;

/** The staff member who sent the envelope, when one did and is still active, in their own language. */
export async function envelopeSender(db: Db, envelope: CreatedBy): Promise<(StaffAddressee & { userId: string }) | null> {
  if (envelope.createdByKind !== 'user') return null;
  const user = await userById(db, envelope.organisationId, envelope.createdById);
  if (!user || user.disabledAt) return null;
  return { userId: user.id, name: user.name ?? user.email, email: user.email, language: user.language };
}

/** Who is told of an envelope (issue 12): by mail (`mailTo`) and in the staff app (`userIds`). */
export interface NoticeAudience {
  /** The staff sender, when there is one: the completion mail gives them a result link of their own. */
  sender: (StaffAddressee & { userId: string }) | null;
  mailTo: StaffAddressee[];
  userIds: string[];
}

/**
 * The sender of a staff envelope; for one sent through the API, the notification addresses (no account behind
 * them: `userId` null) and every active admin. Null when there is nobody to tell. The organisation comes from the
 * effect context, which its use case read already.
 */
export async function noticeAudience(ctx: Pick<EffectContext, 'trx' | 'organisationName' | 'organisationSettings'>, envelope: CreatedBy): Promise<NoticeAudience | null> {
  const db = ctx.trx;
  if (envelope.createdByKind === 'user') {
    const sender = await envelopeSender(db, envelope);
    return sender ? { sender, mailTo: [sender], userIds: [sender.userId] } : null;
  }
  const organisation = { name: ctx.organisationName, settings: ctx.organisationSettings };
  const language = organisationLanguageOf(organisation);
  const mailTo = noticeEmailsOf(organisation).map((email): StaffAddressee => ({ userId: null, name: organisation.name, email, language }));
  const userIds = (await activeAdminsOf(db, envelope.organisationId)).map((admin) => admin.id);
  return mailTo.length > 0 || userIds.length > 0 ? { sender: null, mailTo, userIds } : null;
}

export function staffEnvelopeUrl(ctx: EffectContext): string {
  return `${ctx.deps.baseUrl.replace(/\/+$/, '')}/app/envelopes/${ctx.envelope.id}`;
}

type NoticeMail =
  | { kind: 'declined'; declinedBy: string; reason: string }
  | { kind: 'expired'; expiredAt: Date }
  | { kind: 'mailFailed'; email: string; error: string | null; outboxId: string; mail: boolean };

/**
 * Tells staff of a decline, an expiry or a failed mail: notification rows and (unless `mail: false`) mails with
 * the envelope in the staff app. Returns false when there is nobody to tell.
 */
export async function noticeSender(ctx: EffectContext, notice: NoticeMail, audience?: NoticeAudience | null): Promise<boolean> {
  const to = audience === undefined ? await noticeAudience(ctx, ctx.envelope) : audience;
  if (!to) return false;
  const detailsUrl = staffEnvelopeUrl(ctx);
  const kind: StaffNotificationKind = notice.kind === 'mailFailed' ? 'mail_failed' : notice.kind;
  const details: Record<string, unknown> =
    notice.kind === 'declined' ? { declinedBy: notice.declinedBy, reason: notice.reason } : notice.kind === 'expired' ? { expiredAt: notice.expiredAt.toISOString() } : { email: notice.email };
  if (notice.kind === 'mailFailed') {
    // outbox_id is unique (the dead mail is noticed once): the first row carries it, a row without a user when no admin is left.
    const userIds = to.userIds.length > 0 ? to.userIds : [null];
    for (const [i, userId] of userIds.entries()) await recordStaffNotification(ctx, userId, kind, details, i === 0 ? notice.outboxId : null);
  } else {
    for (const userId of to.userIds) await recordStaffNotification(ctx, userId, kind, details);
  }
  for (const addressee of to.mailTo) {
    if (notice.kind === 'declined') await queueStaffMail(ctx, addressee, 'declined', { declinedBy: notice.declinedBy, reason: notice.reason, detailsUrl });
    else if (notice.kind === 'expired') await queueStaffMail(ctx, addressee, 'expired', { expiredAt: notice.expiredAt, detailsUrl });
    else if (notice.mail) await queueStaffMail(ctx, addressee, 'mailFailed', { email: notice.email, error: notice.error, detailsUrl });
  }
  return true;
}

async function recordStaffNotification(ctx: EffectContext, userId: string | null, kind: StaffNotificationKind, details: Record<string, unknown>, outboxId: string | null = null): Promise<void> {
  await insertStaffNotification(ctx.trx, staffNotification(ctx, userId, kind, details, outboxId));
}

/** A staff notification about the effect's envelope, not yet written. */
export function staffNotification(ctx: EffectContext, userId: string | null, kind: StaffNotificationKind, details: Record<string, unknown>, outboxId: string | null = null) {
  return { id: randomUUID(), organisationId: ctx.envelope.organisationId, userId, envelopeId: ctx.envelope.id, kind, outboxId, details: { title: ctx.envelope.title, ...details }, createdAt: ctx.now.toISOString() };
}
