/**
 * Staff mark a person absent for days, or withdraw that (issue 12): while absent, a function they hold goes to its
 * first present substitute. One transaction each, with `absence.recorded` / `absence.withdrawn` on the organisation's
 * chain. Withdrawing a withdrawn absence answers it as it is. Recording one hands the dossiers waiting for the person
 * on those days to whoever signs instead; withdrawing it does not hand them back.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { absenceById, insertAbsence, listAbsences, withdrawAbsence as storeWithdrawAbsence, type AbsenceRow } from '../store/mandates.ts';
import { personById } from '../store/people.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { reassignFunctionRecipients, type ReassignmentReport } from './reassign-function-recipients.ts';
import { daySchema, parseInput, personNotFound, recordOrganisationEvent, requireActivePerson, requireOrderedDays } from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

export const absenceInputSchema = z.object({
  personId: z.string().min(1),
  startsOn: daySchema,
  /** Inclusive. */
  endsOn: daySchema,
  reason: z.string().trim().max(500).nullish(),
});

export type RecordAbsenceOptions = StaffRequest & z.input<typeof absenceInputSchema>;
export type WithdrawAbsenceOptions = StaffRequest & { absenceId: string };

export function absenceNotFound(): AppError {
  return new AppError('absence_not_found', 404, 'There is no such absence in this organisation.');
}

/** The absence as recorded, and the dossiers it handed over to whoever signs instead (reassign-function-recipients.ts). */
export type RecordedAbsence = AbsenceRow & { reassigned: ReassignmentReport };

/**
 * The absence is recorded in its own transaction first, then the dossiers waiting for the person on those days are
 * handed over, one transaction per envelope (or meeting): the absence stands whatever the hand-over meets, no lock
 * on the organisation's chain is held while envelopes are locked one by one, and a dossier that cannot move (nobody
 * else signs that day) is reported, not a reason to refuse the absence.
 */
export async function recordAbsence(deps: WorkflowDeps, options: RecordAbsenceOptions): Promise<RecordedAbsence> {
  const absence = await insertAbsenceRecorded(deps, options);
  const reassigned = await reassignFunctionRecipients(deps, { organisationId: options.organisationId, actor: options.actor, origin: options.origin, absence });
  return { ...absence, reassigned };
}

async function insertAbsenceRecorded(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: RecordAbsenceOptions): Promise<AbsenceRow> {
  const input = parseInput(absenceInputSchema, { personId: options.personId, startsOn: options.startsOn, endsOn: options.endsOn, reason: options.reason }, 'absence');
  requireOrderedDays(input.startsOn, input.endsOn, 'absence: startsOn, endsOn');
  const now = deps.clock();
  return inTransaction(deps, 'recordAbsence', async (trx) => {
    const person = await requireActivePerson(trx, options.organisationId, input.personId);
    const absence = await insertAbsence(trx, {
      id: randomUUID(),
      organisationId: options.organisationId,
      personId: person.id,
      startsOn: input.startsOn,
      endsOn: input.endsOn,
      reason: input.reason || null,
      createdByKind: options.actor.kind,
      createdById: options.actor.id,
      now: now.toISOString(),
    });
    const { id: absenceId, personId, startsOn, endsOn, reason } = absence;
    await recordOrganisationEvent(trx, options, { action: 'absence.recorded', details: { absenceId, personId, startsOn, endsOn, reason } }, now);
    return absence;
  });
}

export async function withdrawAbsence(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: WithdrawAbsenceOptions): Promise<AbsenceRow> {
  const now = deps.clock();
  return inTransaction(deps, 'withdrawAbsence', async (trx) => {
    const absence = await absenceById(trx, options.organisationId, options.absenceId);
    if (!absence) throw absenceNotFound();
    if (absence.withdrawn || !(await storeWithdrawAbsence(trx, options.organisationId, absence.id, now.toISOString()))) {
      return (await absenceById(trx, options.organisationId, absence.id)) ?? absence;
    }
    await recordOrganisationEvent(trx, options, { action: 'absence.withdrawn', details: { absenceId: absence.id, personId: absence.personId } }, now);
    return { ...absence, withdrawn: true, withdrawnAt: now.toISOString() };
  });
}

/** The absences not over on `from` (withdrawn ones too, marked), by start; of one person (404 when not of this organisation). */
export async function absencesOf(deps: Pick<WorkflowDeps, 'db'>, options: { organisationId: string; personId?: string; from: string }): Promise<AbsenceRow[]> {
  if (options.personId !== undefined && !(await personById(deps.db, options.organisationId, options.personId))) throw personNotFound();
  return listAbsences(deps.db, options.organisationId, { personId: options.personId, from: options.from });
}
