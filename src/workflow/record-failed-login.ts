/**
 * A refused staff login for a known account (issue 5, issue 10): one transaction counts a wrong
 * password towards the account's back-off (src/store/users.ts) and records `staff.login_failed`;
 * an attempt refused unchecked while backing off (`locked`) counts nothing but is recorded.
 */
import { appendAuditEvent, type RequestOrigin } from '../audit/index.ts';
import { recordLoginFailure } from '../store/users.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface RecordFailedLoginOptions {
  user: { id: string; organisationId: string; email: string };
  reason: 'password' | 'locked';
  origin?: RequestOrigin;
}

/** Until when the account now backs off after a wrong password (null: not yet, or `locked`). */
export async function recordFailedLogin(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: RecordFailedLoginOptions): Promise<string | null> {
  const { user, reason, origin } = options;
  return inTransaction(deps, 'recordFailedLogin', async (trx) => {
    const now = deps.clock();
    const until = reason === 'password' ? await recordLoginFailure(trx, user.organisationId, user.id, now) : null;
    await appendAuditEvent(trx, {
      organisationId: user.organisationId,
      envelopeId: null,
      event: { action: 'staff.login_failed', details: { userId: user.id, email: user.email, reason } },
      actor: { kind: 'user', id: user.id, label: user.email },
      origin,
      occurredAt: now,
    });
    return until;
  });
}
