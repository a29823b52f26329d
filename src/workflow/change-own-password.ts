/**
 * A staff member replaces their own password (issue 10): required at the first login with a
 * password someone else chose (the CLI's one-time password). One transaction: the new password
 * (which clears `must_change_password`), every unused reset or invite link of the user ended,
 * every other session of the user ended, and the audit event.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { deleteUserSessions, endPasswordTokens } from '../store/sessions.ts';
import { isCurrentPassword, setUserPassword } from '../store/users.ts';
import { AppError } from '../errors.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface ChangeOwnPasswordOptions extends StaffRequest {
  userId: string;
  /** The session the change is made in: it stays; the user's other sessions end. */
  sessionId: string;
  password: string;
}

/** The new password is the one someone else chose: 400 `password_unchanged`. */
export function samePassword(): AppError {
  return new AppError('password_unchanged', 400, 'Choose a password other than the one you were given.');
}

export async function changeOwnPassword(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ChangeOwnPasswordOptions): Promise<{ sessionsEnded: number }> {
  const { organisationId, userId } = options;
  return inTransaction(deps, 'changeOwnPassword', async (trx) => {
    const now = deps.clock();
    if (await isCurrentPassword(trx, organisationId, userId, options.password)) throw samePassword();
    await setUserPassword(trx, organisationId, userId, options.password);
    await endPasswordTokens(trx, organisationId, userId, now);
    const sessionsEnded = await deleteUserSessions(trx, organisationId, userId, options.sessionId);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'staff.password_reset', details: { userId, via: 'change', sessionsEnded } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    return { sessionsEnded };
  });
}
