/**
 * "Forgot password" (issue 5, issue 10): for every enabled account of the e-mail, in any
 * organisation, one transaction creates a reset link (ending older ones), queues its mail and
 * records `staff.password_reset_requested`. Unknown addresses get nothing, and the caller answers
 * the same either way.
 */
import { appendAuditEvent, type RequestOrigin } from '../audit/index.ts';
import type { MailMessage } from '../notify/index.ts';
import { enqueueOutbox } from '../store/knex-outbox-store.ts';
import { createPasswordToken } from '../store/sessions.ts';
import { usersByEmailEverywhere, type User } from '../store/users.ts';
import type { MailLogo } from '../store/organisations.ts';
import type { WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface RequestPasswordResetOptions {
  email: string;
  /** The reset mail for this account and link token (its wording is the caller's). */
  mail: (user: User & { organisationName: string; organisationLogo: MailLogo | null }, token: string) => MailMessage;
  origin?: RequestOrigin;
}

/** How many accounts were sent a link (not to be shown: it would tell which e-mails exist). */
export async function requestPasswordReset(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: RequestPasswordResetOptions): Promise<number> {
  const users = await usersByEmailEverywhere(deps.db, options.email);
  for (const user of users) {
    await inTransaction(deps, 'requestPasswordReset', async (trx) => {
      const now = deps.clock();
      const token = await createPasswordToken(trx, { userId: user.id, organisationId: user.organisationId, purpose: 'reset', now });
      await enqueueOutbox(trx, { organisationId: user.organisationId, kind: 'mail', payload: options.mail(user, token), now });
      await appendAuditEvent(trx, {
        organisationId: user.organisationId,
        envelopeId: null,
        event: { action: 'staff.password_reset_requested', details: { userId: user.id } },
        actor: { kind: 'user', id: user.id, label: user.email },
        origin: options.origin,
        occurredAt: now,
      });
    });
  }
  return users.length;
}
