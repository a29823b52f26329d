/**
 * What the automatic reminder job reads and writes (issue 12): recipients who were asked and have not acted,
 * in open envelopes that have not expired, with their reminder state (migration 0026).
 */
import { isoTimestamp, toIso, type Db } from './sql.ts';

export interface ReminderCandidate {
  organisationId: string;
  envelopeId: string;
  recipientId: string;
  sentAt: string;
  lastRemindedAt: string | null;
  autoReminders: number;
}

/** Recipients waiting (sent or opened) in open, unexpired envelopes, optionally of one envelope (under its lock). */
export async function reminderCandidates(db: Db, now: Date, options: { envelopeId?: string; organisationId?: string; limit?: number } = {}): Promise<ReminderCandidate[]> {
  const query = db('recipients as r')
    .join('envelopes as e', 'e.id', 'r.envelope_id')
    .whereIn('e.status', ['sent', 'in_progress'])
    .andWhere('e.expires_at', '>', isoTimestamp(now))
    .whereIn('r.status', ['sent', 'opened'])
    .whereNotNull('r.sent_at')
    .orderBy('r.sent_at')
    .select('r.organisation_id', 'r.envelope_id', 'r.id', 'r.sent_at', 'r.last_reminded_at', 'r.auto_reminders');
  if (options.envelopeId) query.andWhere('e.id', options.envelopeId).andWhere('e.organisation_id', options.organisationId!);
  if (options.limit) query.limit(options.limit);
  const rows = (await query) as Array<{ organisation_id: string; envelope_id: string; id: string; sent_at: unknown; last_reminded_at: unknown; auto_reminders: number | string }>;
  return rows.map((r) => ({
    organisationId: r.organisation_id,
    envelopeId: r.envelope_id,
    recipientId: r.id,
    sentAt: toIso(r.sent_at),
    lastRemindedAt: toIso(r.last_reminded_at, 'nullable'),
    autoReminders: Number(r.auto_reminders),
  }));
}

/** Records a reminder: `automatic` ones also count towards the schedule's maximum. */
export async function markReminded(db: Db, recipientIds: readonly string[], at: Date, automatic: boolean): Promise<void> {
  if (recipientIds.length === 0) return;
  await db('recipients')
    .whereIn('id', [...recipientIds])
    .update({ last_reminded_at: isoTimestamp(at), ...(automatic ? { auto_reminders: db.raw('auto_reminders + 1') } : {}) });
}
