/**
 * The secretariat hears of it (issue 12): when an envelope a staff member sent is declined, completed or
 * expires, or one of its mails cannot be delivered, the sender gets a mail and a row in their notifications
 * (the badge and list in the staff app). Part of the use case's own transaction, like its other effects.
 * An envelope sent through the API has no staff sender: there is nobody to tell beyond the webhook.
 */
import { randomUUID } from 'node:crypto';
import { insertStaffNotification, type StaffNotificationKind } from '../store/staff-notifications.ts';
import { userById } from '../store/users.ts';
import type { Db } from '../store/sql.ts';
import type { Envelope } from '../store/envelope-repository.ts';
import { queueStaffMail, type EffectContext, type StaffAddressee } from './notifications.ts';

/** The staff member who sent the envelope, when one did and is still active. */
export async function envelopeSender(db: Db, envelope: Pick<Envelope, 'organisationId' | 'createdByKind' | 'createdById'>): Promise<StaffAddressee | null> {
  if (envelope.createdByKind !== 'user') return null;
  const user = await userById(db, envelope.organisationId, envelope.createdById);
  if (!user || user.disabledAt) return null;
  // Staff accounts have no language of their own yet: the staff app and its mails speak Dutch first.
  return { userId: user.id, name: user.name ?? user.email, email: user.email, language: 'nl' };
}

export function staffEnvelopeUrl(ctx: EffectContext): string {
  return `${ctx.deps.baseUrl.replace(/\/+$/, '')}/app/envelopes/${ctx.envelope.id}`;
}

type NoticeMail =
  | { kind: 'declined'; declinedBy: string; reason: string }
  | { kind: 'expired'; expiredAt: Date }
  | { kind: 'mailFailed'; email: string; error: string | null; outboxId: string; mail: boolean };

/**
 * Tells the sender of a decline, an expiry or a failed mail: a notification row and (unless `mail: false`) a
 * mail with the envelope in the staff app. Returns false when there is no staff sender.
 */
export async function noticeSender(ctx: EffectContext, notice: NoticeMail, sender?: StaffAddressee | null): Promise<boolean> {
  const to = sender === undefined ? await envelopeSender(ctx.trx, ctx.envelope) : sender;
  if (!to) return false;
  const detailsUrl = staffEnvelopeUrl(ctx);
  const kind: StaffNotificationKind = notice.kind === 'mailFailed' ? 'mail_failed' : notice.kind;
  const details: Record<string, unknown> =
    notice.kind === 'declined' ? { declinedBy: notice.declinedBy, reason: notice.reason } : notice.kind === 'expired' ? { expiredAt: notice.expiredAt.toISOString() } : { email: notice.email };
  await recordStaffNotification(ctx, to.userId, kind, details, notice.kind === 'mailFailed' ? notice.outboxId : null);
  if (notice.kind === 'declined') await queueStaffMail(ctx, to, 'declined', { declinedBy: notice.declinedBy, reason: notice.reason, detailsUrl });
  else if (notice.kind === 'expired') await queueStaffMail(ctx, to, 'expired', { expiredAt: notice.expiredAt, detailsUrl });
  else if (notice.mail) await queueStaffMail(ctx, to, 'mailFailed', { email: notice.email, error: notice.error, detailsUrl });
  return true;
}

export async function recordStaffNotification(ctx: EffectContext, userId: string | null, kind: StaffNotificationKind, details: Record<string, unknown>, outboxId: string | null = null): Promise<void> {
  await insertStaffNotification(ctx.trx, {
    id: randomUUID(),
    organisationId: ctx.envelope.organisationId,
    userId,
    envelopeId: ctx.envelope.id,
    kind,
    outboxId,
    details: { title: ctx.envelope.title, ...details },
    createdAt: ctx.now.toISOString(),
  });
}
