/**
 * An admin invites a colleague to the staff app (issue 5, issue 10). One transaction: the user
 * (without a password, in the language the admin chose: issue 12), an invite link (7 days), its mail
 * queued (the caller writes it in `user.language`) and `user.invited` recorded.
 * An e-mail that already has an account here is 409 `user_exists`.
 */
import { appendAuditEvent } from '../audit/index.ts';
import type { MailMessage } from '../notify/index.ts';
import { enqueueOutbox } from '../store/knex-outbox-store.ts';
import { createPasswordToken } from '../store/sessions.ts';
import type { Language } from '../domain/person.ts';
import { createUser, type User, type UserRole } from '../store/users.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface InviteStaffUserOptions extends StaffRequest {
  email: string;
  role: UserRole;
  name: string | null;
  /** The app's and the mails' language for the new user; Dutch without one. */
  language?: Language;
  /** The invite mail for the new user and link token (its wording is the caller's). */
  mail: (user: User, token: string) => MailMessage;
}

export async function inviteStaffUser(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: InviteStaffUserOptions): Promise<User> {
  const { organisationId } = options;
  return inTransaction(deps, 'inviteStaffUser', async (trx) => {
    const now = deps.clock();
    const user = await createUser(trx, organisationId, { email: options.email, role: options.role, name: options.name, language: options.language, now });
    const token = await createPasswordToken(trx, { userId: user.id, organisationId, purpose: 'invite', now });
    await enqueueOutbox(trx, { organisationId, kind: 'mail', payload: options.mail(user, token), now });
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'user.invited', details: { userId: user.id, email: user.email, role: user.role } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    return user;
  });
}
