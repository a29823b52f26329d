/**
 * An admin deactivates a staff account (issue 5, issue 10). One transaction: the account
 * disabled, every session of it ended, `user.deactivated` recorded. Unknown ids and other
 * organisations' users are 404; nobody deactivates themselves (409 `user_is_self`), nor the last active admin
 * (409 `last_admin`, last-admin.ts).
 */
import { appendAuditEvent } from '../audit/index.ts';
import { AppError, ConflictError } from '../errors.ts';
import { deleteUserSessions } from '../store/sessions.ts';
import { disableUser, userById, type User } from '../store/users.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { assertAnotherAdminRemains } from './last-admin.ts';
import { inTransaction } from './transaction.ts';

export interface DeactivateStaffUserOptions extends StaffRequest {
  userId: string;
}

export function userIsSelf(): ConflictError {
  return new ConflictError('user_is_self', 'You cannot deactivate your own account.');
}

export async function deactivateStaffUser(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: DeactivateStaffUserOptions): Promise<User> {
  const { organisationId } = options;
  return inTransaction(deps, 'deactivateStaffUser', async (trx) => {
    const now = deps.clock();
    const user = await userById(trx, organisationId, options.userId);
    if (!user) throw new AppError('not_found', 404, 'Not found in this organisation.');
    if (options.actor.kind === 'user' && options.actor.id === user.id) throw userIsSelf();
    if (user.role === 'admin' && user.disabledAt === null) await assertAnotherAdminRemains(trx, organisationId, user.id);
    await disableUser(trx, organisationId, user.id, now);
    await deleteUserSessions(trx, organisationId, user.id);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'user.deactivated', details: { userId: user.id, email: user.email } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    return user;
  });
}
