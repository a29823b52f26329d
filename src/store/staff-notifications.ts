/**
 * `staff_notifications` (issue 12): what the secretariat is told — a declined, completed or expired envelope,
 * a mail that could not be delivered — one row per staff user, unread until they open the list.
 */
import type { Knex } from 'knex';
import { fromJson, toCount, toIso, toJson, type Db } from './sql.ts';

export type StaffNotificationKind = 'declined' | 'completed' | 'expired' | 'mail_failed';

export interface StaffNotification {
  id: string;
  organisationId: string;
  userId: string | null;
  envelopeId: string | null;
  kind: StaffNotificationKind;
  outboxId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

interface StaffNotificationRow {
  id: string;
  organisation_id: string;
  user_id: string | null;
  envelope_id: string | null;
  kind: StaffNotificationKind;
  outbox_id: string | null;
  details: unknown;
  created_at: unknown;
  read_at: unknown;
}

function toNotification(row: StaffNotificationRow): StaffNotification {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    userId: row.user_id,
    envelopeId: row.envelope_id,
    kind: row.kind,
    outboxId: row.outbox_id,
    details: row.details == null ? {} : fromJson<Record<string, unknown>>(row.details),
    createdAt: toIso(row.created_at),
    readAt: toIso(row.read_at, 'nullable'),
  };
}

export async function insertStaffNotification(db: Db, notification: Omit<StaffNotification, 'readAt'>): Promise<void> {
  await staffNotificationsInsert(db, [notification]);
}

/** The statement that inserts `notifications` (none for none), to be sent with other writes (writeTogether). */
export function staffNotificationsInsert(db: Db, notifications: ReadonlyArray<Omit<StaffNotification, 'readAt'>>): Knex.QueryBuilder | undefined {
  if (notifications.length === 0) return undefined;
  return db('staff_notifications').insert(
    notifications.map((notification) => ({
      id: notification.id,
      organisation_id: notification.organisationId,
      user_id: notification.userId,
      envelope_id: notification.envelopeId,
      kind: notification.kind,
      outbox_id: notification.outboxId,
      details: toJson(notification.details),
      created_at: notification.createdAt,
    })),
  );
}

export async function unreadStaffNotificationCount(db: Db, organisationId: string, userId: string): Promise<number> {
  return toCount(await db('staff_notifications').where({ organisation_id: organisationId, user_id: userId }).whereNull('read_at').count({ count: '*' }).first());
}

/** The newest first, at most `limit`. */
export async function staffNotificationsOf(db: Db, organisationId: string, userId: string, limit = 100): Promise<StaffNotification[]> {
  const rows = await db('staff_notifications').where({ organisation_id: organisationId, user_id: userId }).orderBy('created_at', 'desc').orderBy('id').limit(limit);
  return (rows as StaffNotificationRow[]).map(toNotification);
}

/** Marks every unread notification of the user read; returns how many. */
export async function markStaffNotificationsRead(db: Db, organisationId: string, userId: string, at: string): Promise<number> {
  return db('staff_notifications').where({ organisation_id: organisationId, user_id: userId }).whereNull('read_at').update({ read_at: at });
}

/**
 * Dead mails (status 'dead', kind 'mail') of envelopes created by a staff user that no notification names yet,
 * oldest first: the scheduled job tells their sender.
 */
export async function unnoticedDeadMails(db: Db, since: string, limit: number): Promise<Array<{ outboxId: string; organisationId: string; payload: unknown; lastError: string | null }>> {
  // Dead mails of before this feature are not news: only those of the last week are looked at.
  const rows = await db('outbox as o')
    .leftJoin('staff_notifications as n', 'n.outbox_id', 'o.id')
    .where('o.kind', 'mail')
    .andWhere('o.status', 'dead')
    .andWhere('o.created_at', '>=', since)
    .whereNull('n.id')
    .orderBy('o.created_at')
    .limit(limit)
    .select('o.id', 'o.organisation_id', 'o.payload', 'o.last_error');
  return (rows as Array<{ id: string; organisation_id: string; payload: unknown; last_error: string | null }>).map((r) => ({
    outboxId: r.id,
    organisationId: r.organisation_id,
    payload: r.payload == null ? null : fromJson(r.payload),
    lastError: r.last_error,
  }));
}
