/**
 * The scheduled reminders (issue 12): each organisation that turned them on (settings page) reminds the
 * recipients whose turn it is on its schedule — first after N days, then every M days, at most K — with the
 * same mail and fresh link as a staff reminder (notifications.ts), recorded as `recipient.reminded` with
 * `automatic: true`. One transaction per envelope, which locks it and checks each recipient is still due, so
 * a second run (or another instance, though runExclusively already keeps to one) never sends one twice.
 */
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { isReminderDue, reminderScheduleOf, type ReminderSchedule } from '../domain/reminder-schedule.ts';
import { computeRouting } from '../domain/routing.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { organisationById } from '../store/organisations.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { markReminded, reminderCandidates } from '../store/reminder-candidates.ts';
import type { WorkflowDeps } from './deps.ts';
import { effectContext, notifyRecipients } from './notifications.ts';
import { inTransaction } from './transaction.ts';

export interface SendDueRemindersResult {
  reminded: Array<{ envelopeId: string; recipientIds: string[] }>;
  failed: number;
}

export async function sendDueReminders(deps: WorkflowDeps, options: { limit?: number } = {}): Promise<SendDueRemindersResult> {
  const now = deps.clock();
  const candidates = await reminderCandidates(deps.db, now, { limit: options.limit ?? 1000 });
  const schedules = new Map<string, ReminderSchedule | null>();
  const due = new Map<string, string>();
  for (const candidate of candidates) {
    if (!schedules.has(candidate.organisationId)) {
      const organisation = await organisationById(deps.db, candidate.organisationId);
      schedules.set(candidate.organisationId, organisation ? reminderScheduleOf(organisation.settings) : null);
    }
    const schedule = schedules.get(candidate.organisationId);
    if (schedule && isReminderDue(schedule, candidate, now)) due.set(candidate.envelopeId, candidate.organisationId);
  }
  const result: SendDueRemindersResult = { reminded: [], failed: 0 };
  for (const [envelopeId, organisationId] of due) {
    try {
      const recipientIds = await inTransaction(deps, 'sendDueReminders', async (trx) => {
        const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
        const schedule = schedules.get(organisationId);
        if (!envelope || !isOpen(envelope.status) || !schedule) return [];
        // Checked again under the lock: a signature, a staff reminder or another run may have come first.
        const state = new Map((await reminderCandidates(trx, now, { envelopeId, organisationId })).map((c) => [c.recipientId, c]));
        const recipients = await recipientsOf(trx, organisationId, envelopeId);
        const remind = computeRouting(recipients).active.filter((r) => {
          const s = state.get(r.id);
          return s !== undefined && isReminderDue(schedule, s, now);
        });
        if (remind.length === 0) return [];
        const actor = { kind: 'system' as const, label: 'reminder schedule' };
        const reminder = Math.max(...remind.map((r) => state.get(r.id)!.autoReminders)) + 1;
        await appendAuditEvent(trx, {
          organisationId,
          envelopeId,
          event: { action: 'recipient.reminded', details: { recipientIds: remind.map((r) => r.id), automatic: true, reminder } },
          actor,
          occurredAt: now,
        });
        const ctx = await effectContext(trx, deps, envelope, { actor, now });
        await notifyRecipients(ctx, remind, 'reminder');
        await markReminded(trx, remind.map((r) => r.id), now, true);
        return remind.map((r) => r.id);
      });
      if (recipientIds.length > 0) result.reminded.push({ envelopeId, recipientIds });
    } catch (error) {
      result.failed += 1;
      deps.logger.error({ err: error, envelopeId }, 'could not send the scheduled reminders of an envelope');
    }
  }
  return result;
}
