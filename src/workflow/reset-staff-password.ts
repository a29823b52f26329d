/**
 * A staff member sets a password through a mailed reset or invite link (issue 5, issue 10). One
 * transaction: the link checked live and used (every other link of the user ended with it), the
 * new password set, every session of the user ended, and `staff.password_reset` recorded.
 */
import { appendAuditEvent, type RequestOrigin } from '../audit/index.ts';
import { organisationById } from '../store/organisations.ts';
import { consumePasswordToken, deleteUserSessions, livePasswordToken } from '../store/sessions.ts';
import { setUserPassword, userById } from '../store/users.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface ResetStaffPasswordOptions {
  /** The link's token, as mailed. */
  token: string;
  password: string;
  origin?: RequestOrigin;
}

/** Null when the link is unknown, used, expired, or its user disabled (the caller answers 410). */
export async function resetStaffPassword(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ResetStaffPasswordOptions): Promise<{ sessionsEnded: number } | null> {
  return inTransaction(deps, 'resetStaffPassword', async (trx) => {
    const now = deps.clock();
    const live = await livePasswordToken(trx, options.token, now);
    if (!live) return null;
    const user = await userById(trx, live.organisationId, live.userId);
    if (!user || user.disabledAt !== null || !(await organisationById(trx, live.organisationId))) return null;
    if (!(await consumePasswordToken(trx, live.tokenSha256, now))) return null;
    await setUserPassword(trx, live.organisationId, live.userId, options.password);
    const sessionsEnded = await deleteUserSessions(trx, live.organisationId, live.userId);
    await appendAuditEvent(trx, {
      organisationId: live.organisationId,
      envelopeId: null,
      event: { action: 'staff.password_reset', details: { userId: user.id, via: live.purpose, sessionsEnded } },
      actor: { kind: 'user', id: user.id, label: user.email },
      origin: options.origin,
      occurredAt: now,
    });
    return { sessionsEnded };
  });
}
