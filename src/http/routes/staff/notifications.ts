/** `/app/notifications` (issue 12): the staff member's notifications, marked read as they are shown. */
import { Router } from 'express';
import type { Deps } from '../../../deps.ts';
import { notificationsBody } from '../../../web/staff/notifications-page.ts';
import { readStaffNotifications } from '../../../workflow/index.ts';
import { requireStaff, staffLanguageOf, staffOf } from '../../staff/session.ts';
import { page } from './common.ts';

export function staffNotificationsRouter(deps: Deps): Router {
  const router = Router();
  router.get('/notifications', requireStaff(deps), async (_req, res) => {
    const staff = staffOf(res);
    const notifications = await readStaffNotifications(deps.workflow, { organisationId: staff.organisationId, userId: staff.userId });
    // The badge on this page already counts them as read.
    res.locals.staff = { ...staff, unreadNotifications: 0 };
    const { title, body } = notificationsBody(staffLanguageOf(res), notifications);
    page(deps, res, 200, { title, active: 'notifications', body });
  });
  return router;
}
