/**
 * An admin changes a colleague's role or language in the staff app. One transaction: the account changed and
 * `user.changed` recorded with what it was before. A role takes effect at the user's next request (the session
 * reads it each time); the language is the app's and every mail's to them (issue 12). Unknown ids and other
 * organisations' users are 404; nobody changes their own role (409 `own_role`), so an organisation always keeps
 * the admin who made the change (and last-admin.ts covers two admins demoting each other at once). Nothing changed,
 * nothing recorded.
 */
import { appendAuditEvent } from '../audit/index.ts';
import type { Language } from '../domain/person.ts';
import { AppError, ConflictError } from '../errors.ts';
import { setUserRoleAndLanguage, userById, type User, type UserRole } from '../store/users.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { assertAnotherAdminRemains } from './last-admin.ts';
import { inTransaction } from './transaction.ts';

export interface ChangeStaffUserOptions extends StaffRequest {
  userId: string;
  role: UserRole;
  language: Language;
}

export function ownRole(): ConflictError {
  return new ConflictError('own_role', 'You cannot change your own role.');
}

export async function changeStaffUser(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ChangeStaffUserOptions): Promise<User> {
  const { organisationId, role, language } = options;
  return inTransaction(deps, 'changeStaffUser', async (trx) => {
    const user = await userById(trx, organisationId, options.userId);
    if (!user) throw new AppError('not_found', 404, 'Not found in this organisation.');
    if (role !== user.role && options.actor.kind === 'user' && options.actor.id === user.id) throw ownRole();
    if (role === user.role && language === user.language) return user;
    if (user.role === 'admin' && role !== 'admin' && user.disabledAt === null) await assertAnotherAdminRemains(trx, organisationId, user.id);
    await setUserRoleAndLanguage(trx, organisationId, user.id, { role, language });
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'user.changed', details: { userId: user.id, email: user.email, role, language, was: { role: user.role, language: user.language } } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: deps.clock(),
    });
    return { ...user, role, language };
  });
}
