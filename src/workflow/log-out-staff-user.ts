/** A staff member logs out (issue 5, issue 10): the session ends and `staff.logout` is recorded, in one transaction. */
import { appendAuditEvent } from '../audit/index.ts';
import { deleteSession } from '../store/sessions.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface LogOutStaffUserOptions extends StaffRequest {
  userId: string;
  sessionId: string;
}

export async function logOutStaffUser(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: LogOutStaffUserOptions): Promise<void> {
  await inTransaction(deps, 'logOutStaffUser', async (trx) => {
    await deleteSession(trx, options.sessionId);
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId: null,
      event: { action: 'staff.logout', details: { userId: options.userId } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: deps.clock(),
    });
  });
}
