/**
 * The scheduled reminders (issue 12): each organisation that turned them on (settings page) reminds the
 * recipients whose turn it is on its schedule — first after N days, then every M days, at most K — with the
 * same mail and fresh link as a staff reminder (notifications.ts), recorded as `recipient.reminded` with
 * `automatic: true`. One transaction per envelope, which locks it and checks each recipient is still due, so
 * a second run (or another instance, though runExclusively already keeps to one) never sends one twice.
 * A meeting's due items share one transaction and one mail per signer (queueMeetingReminders).
 */
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import { isOpen } from '../domain/envelope-state.ts';
import { isReminderDue, reminderScheduleOf, type ReminderSchedule } from '../domain/reminder-schedule.ts';
import { computeRouting } from '../domain/routing.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { meetingById } from '../store/meetings.ts';
import { organisationById } from '../store/organisations.ts';
import { recipientsOf } from '../store/recipient-repository.ts';
import { markReminded, reminderCandidates } from '../store/reminder-candidates.ts';
import type { WorkflowDeps } from './deps.ts';
import { queueMeetingReminders, type MeetingReminderItem } from './meeting-mail.ts';
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
  // A meeting's due items are reminded together: one mail per signer for the meeting, as its request was (issue 12).
  const groups = new Map<string, { organisationId: string; meetingId: string | null; envelopeIds: string[] }>();
  for (const [envelopeId, organisationId] of due) {
    const meetingId = (await envelopeById(deps.db, organisationId, envelopeId))?.meetingId ?? null;
    const key = meetingId ? `meeting:${meetingId}` : `envelope:${envelopeId}`;
    const group = groups.get(key) ?? { organisationId, meetingId, envelopeIds: [] };
    group.envelopeIds.push(envelopeId);
    groups.set(key, group);
  }
  const result: SendDueRemindersResult = { reminded: [], failed: 0 };
  for (const { organisationId, meetingId, envelopeIds } of groups.values()) {
    const schedule = schedules.get(organisationId);
    if (!schedule) continue;
    try {
      const reminded = await inTransaction(deps, 'sendDueReminders', async (trx) => {
        const meeting = meetingId ? await meetingById(trx, organisationId, meetingId, { forUpdate: true }) : null;
        const items: MeetingReminderItem[] = [];
        for (const envelopeId of envelopeIds) {
          const item = await dueItem(trx, deps, organisationId, envelopeId, schedule, now);
          if (item) items.push(item);
        }
        if (meeting) await queueMeetingReminders(meeting, items, true);
        for (const { ctx, recipients } of meeting ? [] : items) {
          await notifyRecipients(ctx, recipients, 'reminder');
          await markReminded(trx, recipients.map((r) => r.id), now, true);
        }
        return items.map(({ ctx, recipients }) => ({ envelopeId: ctx.envelope.id, recipientIds: recipients.map((r) => r.id) }));
      });
      result.reminded.push(...reminded);
    } catch (error) {
      result.failed += envelopeIds.length;
      deps.logger.error({ err: error, envelopeIds }, 'could not send the scheduled reminders of an envelope');
    }
  }
  return result;
}

/**
 * Locks an envelope and finds whom its schedule reminds now, checked again under the lock (a signature, a staff
 * reminder or another run may have come first); records `recipient.reminded`. Null when nobody is due.
 */
async function dueItem(trx: Knex.Transaction, deps: WorkflowDeps, organisationId: string, envelopeId: string, schedule: ReminderSchedule, now: Date): Promise<MeetingReminderItem | null> {
  const envelope = await envelopeById(trx, organisationId, envelopeId, { forUpdate: true });
  if (!envelope || !isOpen(envelope.status)) return null;
  const state = new Map((await reminderCandidates(trx, now, { envelopeId, organisationId })).map((c) => [c.recipientId, c]));
  const recipients = await recipientsOf(trx, organisationId, envelopeId);
  const remind = computeRouting(recipients).active.filter((r) => {
    const s = state.get(r.id);
    return s !== undefined && isReminderDue(schedule, s, now);
  });
  if (remind.length === 0) return null;
  const actor = { kind: 'system' as const, label: 'reminder schedule' };
  const reminder = Math.max(...remind.map((r) => state.get(r.id)!.autoReminders)) + 1;
  await appendAuditEvent(trx, {
    organisationId,
    envelopeId,
    event: { action: 'recipient.reminded', details: { recipientIds: remind.map((r) => r.id), automatic: true, reminder } },
    actor,
    occurredAt: now,
  });
  return { ctx: await effectContext(trx, deps, envelope, { actor, now }), recipients: remind };
}
