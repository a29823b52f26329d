/**
 * Creates a meeting (zitting, issue 12): a sitting of a decision body on a date, in draft, to which decisions and
 * minutes are added as envelopes (createEnvelope with `meetingId`) and which is then sent in one action
 * (send-meeting.ts). One transaction with `meeting.created` on the organisation's chain.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAuditEvent } from '../audit/chain.ts';
import { DECISION_BODIES } from '../domain/meeting.ts';
import { ValidationError } from '../errors.ts';
import { insertMeeting, meetingById, type Meeting } from '../store/meetings.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { meetingNotFound } from './get-meeting.ts';
import { inTransaction } from './transaction.ts';

const optionsSchema = z
  .object({
    body: z.enum(DECISION_BODIES),
    /** The body's name when `body` is 'other'. */
    bodyLabel: z.string().trim().max(200).nullish(),
    title: z.string().trim().min(1).max(500),
    /** The day of the sitting, YYYY-MM-DD. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a date'),
  })
  .refine((m) => m.body !== 'other' || !!m.bodyLabel, { message: 'a body "other" needs bodyLabel', path: ['bodyLabel'] });

export type CreateMeetingInput = z.input<typeof optionsSchema>;
export type CreateMeetingOptions = StaffRequest & CreateMeetingInput;

export async function createMeeting(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: CreateMeetingOptions): Promise<Meeting> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new ValidationError(`Invalid meeting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  const input = parsed.data;
  const id = randomUUID();
  const now = deps.clock();
  const bodyLabel = input.body === 'other' ? (input.bodyLabel ?? null) : null;
  return inTransaction(deps, 'createMeeting', async (trx) => {
    await insertMeeting(trx, {
      id,
      organisationId: options.organisationId,
      body: input.body,
      bodyLabel,
      title: input.title,
      meetingDate: input.date,
      createdByKind: options.actor.kind,
      createdById: options.actor.id,
      now: now.toISOString(),
    });
    await appendAuditEvent(trx, {
      organisationId: options.organisationId,
      envelopeId: null,
      event: { action: 'meeting.created', details: { meetingId: id, body: input.body, bodyLabel, title: input.title, meetingDate: input.date } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: now,
    });
    const meeting = await meetingById(trx, options.organisationId, id);
    if (!meeting) throw meetingNotFound();
    return meeting;
  });
}
