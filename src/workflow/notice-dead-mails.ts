/**
 * The scheduled look at mails that could not be delivered (issue 12): each mail the outbox gave up on (dead)
 * is told once to the staff member who sent its envelope (or, sent through the API, to the organisation's
 * notification addresses and admins: staff-notices.ts), as a notification and a mail — except a mail that
 * was itself to staff, which is only listed (a bouncing staff address must not feed itself). A dead mail
 * nobody can be told of (no envelope, nobody left to tell) gets a row without a user, so it is not
 * looked at again. unique(outbox_id) keeps two instances from telling it twice. Run it from a timer.
 */
import { randomUUID } from 'node:crypto';
import type { MailMessage } from '../notify/index.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { isUuid, isUniqueViolation } from '../store/sql.ts';
import { insertStaffNotification, unnoticedDeadMails } from '../store/staff-notifications.ts';
import type { WorkflowDeps } from './deps.ts';
import { effectContext, STAFF_NOTICE_HEADER } from './notifications.ts';
import { noticeSender } from './staff-notices.ts';
import { inTransaction } from './transaction.ts';

/** Dead mails older than this when the job first runs are not news. */
const LOOK_BACK_MS = 7 * 86_400_000;

export async function noticeDeadMails(deps: WorkflowDeps, options: { limit?: number } = {}): Promise<{ noticed: number }> {
  const now = deps.clock();
  const dead = await unnoticedDeadMails(deps.db, new Date(now.getTime() - LOOK_BACK_MS).toISOString(), options.limit ?? 100);
  let noticed = 0;
  for (const mail of dead) {
    const message = (mail.payload ?? {}) as Partial<MailMessage>;
    const envelopeId = message.headers?.['X-Paraaf-Envelope'];
    try {
      await inTransaction(deps, 'noticeDeadMails', async (trx) => {
        const envelope = typeof envelopeId === 'string' && isUuid(envelopeId) ? await envelopeById(trx, mail.organisationId, envelopeId) : null;
        let told = false;
        if (envelope) {
          const ctx = await effectContext(trx, deps, envelope, { actor: { kind: 'system', label: 'mail-check' }, now });
          const toStaff = message.headers?.[STAFF_NOTICE_HEADER] !== undefined;
          told = await noticeSender(ctx, { kind: 'mailFailed', email: message.to?.email ?? '', error: mail.lastError, outboxId: mail.outboxId, mail: !toStaff });
        }
        if (!told) {
          const details = { email: message.to?.email ?? '' };
          await insertStaffNotification(trx, { id: randomUUID(), organisationId: mail.organisationId, userId: null, envelopeId: envelope?.id ?? null, kind: 'mail_failed', outboxId: mail.outboxId, details, createdAt: now.toISOString() });
        }
      });
      noticed += 1;
    } catch (error) {
      // Another instance noticed it first: nothing lost.
      if (!isUniqueViolation(error)) deps.logger.error({ err: error, outboxId: mail.outboxId }, 'could not notice a dead mail');
    }
  }
  return { noticed };
}
