/**
 * The delegation register (issue 12): the holder of a delegable function (the mayor, the general director; Decreet
 * Lokaal Bestuur art. 280 and 283) delegates its signing, for some kinds of document, from a day and possibly until
 * one, to someone else; staff register it and may revoke it, never delete it. The delegator is whoever holds the
 * function on `validFrom`. Minutes are never delegated (422 `delegation_minutes_refused`), a function the decree
 * does not let delegate is refused (422 `function_not_delegable`), and nobody delegates to themselves.
 * A delegation is used only when chosen for a recipient (resolveFunctionSigner). One transaction each, with
 * `delegation.registered` / `delegation.revoked` on the organisation's chain.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DELEGATION_SCOPES, resolveFunction, type DelegationScope } from '../domain/mandates.ts';
import { AppError } from '../errors.ts';
import { delegationById, insertDelegation, listDelegations, listMandates, revokeDelegation as storeRevokeDelegation, type DelegationRow } from '../store/mandates.ts';
import { personById } from '../store/people.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import {
  daySchema,
  delegationMinutesRefused,
  delegationNotFound,
  functionNotDelegable,
  parseInput,
  personNotFound,
  recordOrganisationEvent,
  requireActivePerson,
  requireFunction,
  requireOrderedDays,
} from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

export const delegationInputSchema = z.object({
  functionId: z.string().min(1),
  delegatePersonId: z.string().min(1),
  /** The kinds of document it covers; 'minutes' is accepted here only to be refused with its own code. */
  scope: z.array(z.enum([...DELEGATION_SCOPES, 'minutes'])).min(1).max(3),
  validFrom: daySchema,
  /** Inclusive; absent or null: until revoked. */
  validUntil: daySchema.nullish(),
  /** E.g. the decision that granted it. */
  reference: z.string().trim().max(500).nullish(),
});

export type RegisterDelegationOptions = StaffRequest & z.input<typeof delegationInputSchema>;
export type RevokeDelegationOptions = StaffRequest & { delegationId: string };

export async function registerDelegation(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: RegisterDelegationOptions): Promise<DelegationRow> {
  const input = parseInput(
    delegationInputSchema,
    { functionId: options.functionId, delegatePersonId: options.delegatePersonId, scope: options.scope, validFrom: options.validFrom, validUntil: options.validUntil, reference: options.reference },
    'delegation',
  );
  if (input.scope.includes('minutes')) throw delegationMinutesRefused();
  const scope = DELEGATION_SCOPES.filter((s) => (input.scope as readonly string[]).includes(s)) as DelegationScope[];
  requireOrderedDays(input.validFrom, input.validUntil, 'delegation: validFrom, validUntil');
  const now = deps.clock();
  return inTransaction(deps, 'registerDelegation', async (trx) => {
    const fn = await requireFunction(trx, options.organisationId, input.functionId);
    const delegate = await requireActivePerson(trx, options.organisationId, input.delegatePersonId);
    if (!fn.delegable) throw functionNotDelegable(fn.name);
    // Who holds the function that day delegates, absent or not; a substitute does not.
    const holders = (await listMandates(trx, options.organisationId, { functionId: fn.id })).filter((m) => m.kind === 'holder');
    const holding = resolveFunction(fn.id, input.validFrom, holders, []);
    if (holding.outcome !== 'holder') throw new AppError('function_vacant', 409, `Nobody holds ${fn.name} on ${input.validFrom}.`, { extensions: { functionId: fn.id, day: input.validFrom } });
    if (holding.personId === delegate.id) throw new AppError('delegation_to_self', 422, `${delegate.name} holds ${fn.name} on ${input.validFrom}: a holder does not delegate to themselves.`);
    const delegation = await insertDelegation(trx, {
      id: randomUUID(),
      organisationId: options.organisationId,
      functionId: fn.id,
      delegatorPersonId: holding.personId,
      delegatePersonId: delegate.id,
      scope,
      validFrom: input.validFrom,
      validUntil: input.validUntil ?? null,
      reference: input.reference || null,
      createdByKind: options.actor.kind,
      createdById: options.actor.id,
      now: now.toISOString(),
    });
    const { id: delegationId, functionId, delegatorPersonId, delegatePersonId, validFrom, validUntil, reference } = delegation;
    await recordOrganisationEvent(
      trx,
      options,
      { action: 'delegation.registered', details: { delegationId, functionId, delegatorPersonId, delegatePersonId, scope: [...delegation.scope], validFrom, validUntil, reference } },
      now,
    );
    return delegation;
  });
}

/** Revokes it from now on (envelopes created with it keep what they say); revoking a revoked delegation answers it as it is. */
export async function revokeDelegation(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: RevokeDelegationOptions): Promise<DelegationRow> {
  const now = deps.clock();
  return inTransaction(deps, 'revokeDelegation', async (trx) => {
    const delegation = await delegationById(trx, options.organisationId, options.delegationId);
    if (!delegation) throw delegationNotFound();
    if (delegation.revoked || !(await storeRevokeDelegation(trx, options.organisationId, delegation.id, options.actor.id, now.toISOString()))) {
      return (await delegationById(trx, options.organisationId, delegation.id)) ?? delegation;
    }
    await recordOrganisationEvent(trx, options, { action: 'delegation.revoked', details: { delegationId: delegation.id, functionId: delegation.functionId, delegatePersonId: delegation.delegatePersonId } }, now);
    return { ...delegation, revoked: true, revokedAt: now.toISOString(), revokedById: options.actor.id };
  });
}

export interface DelegationRegisterOptions {
  organisationId: string;
  functionId?: string;
  delegatePersonId?: string;
  includeRevoked?: boolean;
}

/** The register, by start; of one function or one delegate (404 when not of this organisation). */
export async function delegationRegister(deps: Pick<WorkflowDeps, 'db'>, options: DelegationRegisterOptions): Promise<DelegationRow[]> {
  const { organisationId, functionId, delegatePersonId } = options;
  if (functionId !== undefined) await requireFunction(deps.db, organisationId, functionId);
  if (delegatePersonId !== undefined && !(await personById(deps.db, organisationId, delegatePersonId))) throw personNotFound();
  return listDelegations(deps.db, organisationId, { functionId, delegatePersonId, includeRevoked: options.includeRevoked });
}
