/**
 * Staff add a function a route step can name ("Algemeen directeur", "Voorzitter gemeenteraad"; issue 12). Unique per
 * organisation but for case, accents and spacing (409 `function_exists`). `delegable` defaults to what the decree
 * allows (the mayor and the general director). One transaction with `function.created` on the organisation's chain.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DECISION_BODIES } from '../domain/meeting.ts';
import { isDelegableByLaw } from '../domain/mandates.ts';
import { AppError } from '../errors.ts';
import { functionByName, insertFunction, type FunctionRow } from '../store/mandates.ts';
import { isUniqueViolation } from '../store/sql.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { parseInput, recordOrganisationEvent } from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

export const functionInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  /** The decision body the function belongs to, if any (the chair of the council: 'gemeenteraad'). */
  body: z.enum(DECISION_BODIES).nullish(),
  /** Whether its signing may be delegated; by default the decree's answer (isDelegableByLaw). */
  delegable: z.boolean().optional(),
});

export type CreateFunctionOptions = StaffRequest & z.input<typeof functionInputSchema>;

function functionExists(name: string): AppError {
  return new AppError('function_exists', 409, `The function ${name} exists already.`);
}

export async function createFunction(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: CreateFunctionOptions): Promise<FunctionRow> {
  const input = parseInput(functionInputSchema, { name: options.name, body: options.body, delegable: options.delegable }, 'function');
  const now = deps.clock();
  try {
    return await inTransaction(deps, 'createFunction', async (trx) => {
      const existing = await functionByName(trx, options.organisationId, input.name);
      if (existing) throw functionExists(existing.name);
      const fn = await insertFunction(trx, {
        id: randomUUID(),
        organisationId: options.organisationId,
        name: input.name,
        body: input.body ?? null,
        delegable: input.delegable ?? isDelegableByLaw(input.name),
        now: now.toISOString(),
      });
      await recordOrganisationEvent(trx, options, { action: 'function.created', details: { functionId: fn.id, name: fn.name, body: fn.body, delegable: fn.delegable } }, now);
      return fn;
    });
  } catch (error) {
    // Two requests adding the same name at once: the unique (organisation, name_key) lets one of them fail.
    if (isUniqueViolation(error) && !/audit_events/.test(String((error as Error).message))) throw functionExists(input.name);
    throw error;
  }
}
