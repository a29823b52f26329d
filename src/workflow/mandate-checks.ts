/**
 * What the mandate use cases (manage-functions, manage-mandates, manage-absences, delegations, resolve-function-signer)
 * check and answer alike (issue 12): input parsing, days, the people and functions named, and their refusals.
 */
import { z } from 'zod';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditActor, AuditEvent } from '../audit/events.ts';
import { isDay } from '../domain/mandates.ts';
import { AppError, ValidationError } from '../errors.ts';
import { functionById, type FunctionRow } from '../store/mandates.ts';
import { personById, type Person } from '../store/people.ts';
import type { Db } from '../store/sql.ts';
import type { StaffRequest } from './deps.ts';

/** A day YYYY-MM-DD that exists in the calendar. */
export const daySchema = z.string().refine(isDay, 'a day YYYY-MM-DD');

/** The input parsed by `schema`, or 400 `invalid_request` naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`Invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`);
  return parsed.data;
}

/** `last` must not come before `first` (both YYYY-MM-DD; null: open-ended). */
export function requireOrderedDays(first: string, last: string | null | undefined, names: string): void {
  if (last !== null && last !== undefined && last < first) throw new ValidationError(`Invalid ${names}: the last day comes before the first.`);
}

/** Appends a mandate event to the organisation's chain, by the staff member or API key of the request (or the system, for a CLI import). */
export async function recordOrganisationEvent(trx: Db, request: Omit<StaffRequest, 'actor'> & { actor: AuditActor }, event: AuditEvent, occurredAt: Date): Promise<void> {
  await appendAuditEvent(trx, { organisationId: request.organisationId, envelopeId: null, event, actor: request.actor, origin: request.origin, occurredAt });
}

export function personNotFound(): AppError {
  return new AppError('person_not_found', 404, 'There is no such person in this organisation.');
}

/** The person of this organisation who can still be named, or 404 `person_not_found` / 422 `person_inactive`. */
export async function requireActivePerson(db: Db, organisationId: string, personId: string): Promise<Person> {
  const person = await personById(db, organisationId, personId);
  if (!person) throw personNotFound();
  if (!person.active) throw new AppError('person_inactive', 422, `${person.name} was deactivated in the directory.`);
  return person;
}

export async function requireFunction(db: Db, organisationId: string, functionId: string): Promise<FunctionRow> {
  const fn = await functionById(db, organisationId, functionId);
  if (!fn) throw functionNotFound();
  return fn;
}

export const MINUTES_DELEGATION_MESSAGE =
  'Minutes cannot be signed by delegation (Decreet Lokaal Bestuur art. 280 and 283): the holder of the function or their substitute signs them.';

export function delegationMinutesRefused(): AppError {
  return new AppError('delegation_minutes_refused', 422, MINUTES_DELEGATION_MESSAGE);
}

export function functionNotFound(): AppError {
  return new AppError('function_not_found', 404, 'There is no such function in this organisation.');
}

export function delegationNotFound(): AppError {
  return new AppError('delegation_not_found', 404, 'There is no such delegation in this organisation.');
}

export function functionNotDelegable(name: string): AppError {
  return new AppError('function_not_delegable', 422, `The signing of ${name} cannot be delegated: only the mayor's and the general director's can (Decreet Lokaal Bestuur art. 280 and 283).`);
}
