/**
 * An admin lets a deactivated staff account log in again (undoing deactivate-staff-user.ts). One transaction: the
 * account enabled and `user.reactivated` recorded. Its password is as it was: a user who never set one, or forgot
 * it, uses "forgotten password". Unknown ids and other organisations' users are 404; an account that is active
 * already is answered as it is, nothing recorded.
 */
import { appendAuditEvent } from '../audit/index.ts';
import { AppError } from '../errors.ts';
import { enableUser, userById, type User } from '../store/users.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface ReactivateStaffUserOptions extends StaffRequest {
  userId: string;
}

export async function reactivateStaffUser(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ReactivateStaffUserOptions): Promise<User> {
  const { organisationId } = options;
  return inTransaction(deps, 'reactivateStaffUser', async (trx) => {
    const user = await userById(trx, organisationId, options.userId);
    if (!user) throw new AppError('not_found', 404, 'Not found in this organisation.');
    if (!(await enableUser(trx, organisationId, user.id))) return user;
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'user.reactivated', details: { userId: user.id, email: user.email } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: deps.clock(),
    });
    return { ...user, disabledAt: null };
  });
}
