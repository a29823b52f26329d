/**
 * Staff record who holds a function or substitutes for it, from a day and possibly until one (issue 12), and end a
 * mandate. A new holder from a day simply starts then: on days both cover, the mandate that started last holds
 * (resolveFunction). One transaction each, with `mandate.added` / `mandate.ended` on the organisation's chain.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MANDATE_KINDS } from '../domain/mandates.ts';
import { AppError } from '../errors.ts';
import { endMandate as storeEndMandate, insertMandate, mandateById, type MandateRow } from '../store/mandates.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { daySchema, parseInput, recordOrganisationEvent, requireActivePerson, requireFunction, requireOrderedDays } from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

export const mandateInputSchema = z.object({
  personId: z.string().min(1),
  kind: z.enum(MANDATE_KINDS),
  /** Orders substitutes: 1 is asked first. */
  rank: z.number().int().min(1).max(99).optional(),
  startsOn: daySchema,
  /** Inclusive; absent or null: open-ended. */
  endsOn: daySchema.nullish(),
});

export const endMandateInputSchema = z.object({ endsOn: daySchema });

export type AddMandateOptions = StaffRequest & { functionId: string } & z.input<typeof mandateInputSchema>;
export type EndMandateOptions = StaffRequest & { mandateId: string } & z.input<typeof endMandateInputSchema>;

export function mandateNotFound(): AppError {
  return new AppError('mandate_not_found', 404, 'There is no such mandate in this organisation.');
}

export async function addMandate(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: AddMandateOptions): Promise<MandateRow> {
  const input = parseInput(mandateInputSchema, { personId: options.personId, kind: options.kind, rank: options.rank, startsOn: options.startsOn, endsOn: options.endsOn }, 'mandate');
  requireOrderedDays(input.startsOn, input.endsOn, 'mandate: startsOn, endsOn');
  const now = deps.clock();
  return inTransaction(deps, 'addMandate', async (trx) => {
    const fn = await requireFunction(trx, options.organisationId, options.functionId);
    const person = await requireActivePerson(trx, options.organisationId, input.personId);
    const mandate = await insertMandate(trx, {
      id: randomUUID(),
      organisationId: options.organisationId,
      functionId: fn.id,
      personId: person.id,
      kind: input.kind,
      rank: input.rank ?? 1,
      startsOn: input.startsOn,
      endsOn: input.endsOn ?? null,
      source: 'manual',
      externalId: null,
      now: now.toISOString(),
    });
    const { id: mandateId, functionId, personId, kind, rank, startsOn, endsOn } = mandate;
    await recordOrganisationEvent(trx, options, { action: 'mandate.added', details: { mandateId, functionId, personId, kind, rank, startsOn, endsOn } }, now);
    return mandate;
  });
}

/** Sets the mandate's last day (inclusive), which may not come before its first. */
export async function endMandate(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: EndMandateOptions): Promise<MandateRow> {
  const { endsOn } = parseInput(endMandateInputSchema, { endsOn: options.endsOn }, 'end of mandate');
  const now = deps.clock();
  return inTransaction(deps, 'endMandate', async (trx) => {
    const mandate = await mandateById(trx, options.organisationId, options.mandateId);
    if (!mandate) throw mandateNotFound();
    requireOrderedDays(mandate.startsOn, endsOn, `end of mandate: it starts on ${mandate.startsOn}, endsOn`);
    await storeEndMandate(trx, options.organisationId, mandate.id, endsOn, now.toISOString());
    await recordOrganisationEvent(
      trx,
      options,
      { action: 'mandate.ended', details: { mandateId: mandate.id, functionId: mandate.functionId, personId: mandate.personId, endsOn, previousEndsOn: mandate.endsOn } },
      now,
    );
    return { ...mandate, endsOn, updatedAt: now.toISOString() };
  });
}
