/**
 * A staff member's notifications (issue 12): the unread count for the badge, and the list, which marks them
 * read as it shows them (one transaction: what is listed as new is exactly what becomes read).
 */
import { markStaffNotificationsRead, staffNotificationsOf, unreadStaffNotificationCount, type StaffNotification } from '../store/staff-notifications.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export type { StaffNotification };

export interface StaffNotificationsOptions {
  organisationId: string;
  userId: string;
}

export async function countUnreadStaffNotifications(deps: Pick<WorkflowDeps, 'db'>, options: StaffNotificationsOptions): Promise<number> {
  return unreadStaffNotificationCount(deps.db, options.organisationId, options.userId);
}

/** The newest 100, each with `readAt` as it was before this read; the unread ones are now read. */
export async function readStaffNotifications(deps: WorkflowDeps, options: StaffNotificationsOptions): Promise<StaffNotification[]> {
  return inTransaction(deps, 'readStaffNotifications', async (trx) => {
    const notifications = await staffNotificationsOf(trx, options.organisationId, options.userId);
    if (notifications.some((n) => n.readAt === null)) await markStaffNotificationsRead(trx, options.organisationId, options.userId, deps.clock().toISOString());
    return notifications;
  });
}
