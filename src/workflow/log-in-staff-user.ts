/**
 * A staff member's password was right (issue 5, issue 10): one transaction ends the account's
 * failure count, opens the session and records `staff.login`. The password itself is checked
 * before, outside any transaction (scrypt is slow); see src/http/routes/staff/auth.ts.
 */
import { appendAuditEvent, type RequestOrigin } from '../audit/index.ts';
import { createSession } from '../store/sessions.ts';
import { recordLoginSuccess, type User } from '../store/users.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

type Deps = Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>;

export interface LogInStaffUserOptions {
  /** The account whose password was right. */
  user: User;
  origin?: RequestOrigin;
}

/** The new session's cookie value. */
export async function logInStaffUser(deps: Deps, options: LogInStaffUserOptions): Promise<{ token: string }> {
  const { user, origin } = options;
  return inTransaction(deps, 'logInStaffUser', async (trx) => {
    const now = deps.clock();
    await recordLoginSuccess(trx, user);
    const { token } = await createSession(trx, { userId: user.id, organisationId: user.organisationId, now, ip: origin?.ip, userAgent: origin?.userAgent });
    await appendAuditEvent(trx, {
      organisationId: user.organisationId,
      envelopeId: null,
      event: { action: 'staff.login', details: { userId: user.id, email: user.email } },
      actor: { kind: 'user', id: user.id, label: user.email },
      origin,
      occurredAt: now,
    });
    return { token };
  });
}

/**
 * The password was right for several accounts of one e-mail (the login page then asks which
 * organisation): each account's failure count starts over. No session yet, so no event.
 */
export async function acceptRightPassword(deps: Deps, users: User[]): Promise<void> {
  await inTransaction(deps, 'acceptRightPassword', async (trx) => {
    for (const user of users) await recordLoginSuccess(trx, user);
  });
}
