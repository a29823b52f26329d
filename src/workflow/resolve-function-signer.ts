/**
 * Who signs for a function on a day (issue 12), and what their signature then says: the holder; the first present
 * substitute when staff marked the holder absent ("wnd. …"); or, only when the caller chose a delegation, its
 * delegate ("Bij opdracht van …"). Read-only: create-envelope stores the answer on the recipient, the send page
 * previews it. The day is the meeting's date for an envelope in a meeting, else today in Europe/Brussels.
 *
 * A deactivated person neither holds, substitutes nor receives a delegation here: they can no longer be sent anything.
 */
import { z } from 'zod';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent } from '../audit/events.ts';
import { delegationCovers, delegationStatement, isDay, mayBeDelegated, resolveFunction, signingFunction, substituteFunction, type Capacity, type DocumentKind } from '../domain/mandates.ts';
import { AppError, ValidationError } from '../errors.ts';
import { delegationById, functionById, listAbsences, listMandates, type DelegationRow, type FunctionRow } from '../store/mandates.ts';
import { personById, type Person } from '../store/people.ts';
import type { Db } from '../store/sql.ts';
import type { StaffRequest } from './deps.ts';

export interface ResolveFunctionSignerInput {
  functionId: string;
  /** YYYY-MM-DD. */
  day: string;
  /** The envelope's kind in its meeting; null outside a meeting. */
  kind: DocumentKind | null;
  /** The delegation the caller chose; never chosen automatically. */
  delegationId?: string | null;
}

export interface FunctionSigner {
  person: Person;
  functionId: string;
  functionName: string;
  capacity: Capacity;
  delegationId: string | null;
  /** What the recipient's `function` holds: the function, "wnd. <function>", or a delegate's own directory function. */
  function: string | null;
  /** A delegate's "Bij opdracht van de <function>"; else null. */
  actingStatement: string | null;
  /** The one-shot certificate's title: the function text, for a delegate with the delegation after their own function. */
  certificateTitle: string | null;
  /** The holder a substitute replaces (null when the function had no holder that day). */
  absentPersonId: string | null;
}

// Shared by the mandate use cases (manage-functions, manage-mandates, manage-absences, delegations).

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

/** Appends a mandate event to the organisation's chain, by the staff member or API key of the request. */
export async function recordOrganisationEvent(trx: Db, request: StaffRequest, event: AuditEvent, occurredAt: Date): Promise<void> {
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

function delegationNotValid(reason: string): AppError {
  return new AppError('delegation_not_valid', 422, `This delegation cannot be used: ${reason}`);
}

export async function resolveFunctionSigner(db: Db, organisationId: string, input: ResolveFunctionSignerInput): Promise<FunctionSigner> {
  if (!isDay(input.day)) throw new ValidationError(`Not a day (YYYY-MM-DD): ${JSON.stringify(input.day).slice(0, 40)}.`);
  const fn = await requireFunction(db, organisationId, input.functionId);
  if (input.delegationId) return delegateOf(db, organisationId, fn, input.day, input.kind, input.delegationId);

  const [mandates, absences] = await Promise.all([listMandates(db, organisationId, { functionId: fn.id }), listAbsences(db, organisationId, { from: input.day })]);
  const people = new Map<string, Person | null>();
  for (const m of mandates) if (!people.has(m.personId)) people.set(m.personId, await personById(db, organisationId, m.personId));
  const active = mandates.filter((m) => people.get(m.personId)?.active);
  const resolution = resolveFunction(fn.id, input.day, active, absences);
  if (resolution.outcome === 'vacant') throw new AppError('function_vacant', 409, `Nobody holds ${fn.name} on ${input.day}.`, { extensions: { functionId: fn.id, day: input.day } });
  if (resolution.outcome === 'everyone_absent') {
    throw new AppError('function_everyone_absent', 409, `Everyone who signs for ${fn.name} on ${input.day} is absent: the holder and every substitute.`, {
      extensions: { functionId: fn.id, day: input.day },
    });
  }
  const person = people.get(resolution.personId) as Person;
  const text = resolution.outcome === 'holder' ? fn.name : substituteFunction(fn.name);
  return {
    person,
    functionId: fn.id,
    functionName: fn.name,
    capacity: resolution.outcome,
    delegationId: null,
    function: text,
    actingStatement: null,
    certificateTitle: text,
    absentPersonId: resolution.outcome === 'substitute' ? resolution.absentPersonId : null,
  };
}

async function delegateOf(db: Db, organisationId: string, fn: FunctionRow, day: string, kind: DocumentKind | null, delegationId: string): Promise<FunctionSigner> {
  if (!mayBeDelegated(kind)) throw delegationMinutesRefused();
  const delegation: DelegationRow | null = await delegationById(db, organisationId, delegationId);
  if (!delegation) throw delegationNotFound();
  if (!fn.delegable) throw functionNotDelegable(fn.name);
  if (delegation.functionId !== fn.id) throw delegationNotValid(`it delegates another function than ${fn.name}.`);
  if (delegation.revoked) throw delegationNotValid('it was revoked.');
  if (!delegationCovers(delegation, day, kind)) throw delegationNotValid(`it does not cover ${kind ?? 'other'} documents of ${fn.name} on ${day}.`);
  const person = await personById(db, organisationId, delegation.delegatePersonId);
  if (!person?.active) throw delegationNotValid('its delegate is no longer in the directory.');
  return {
    person,
    functionId: fn.id,
    functionName: fn.name,
    capacity: 'delegate',
    delegationId: delegation.id,
    function: person.function,
    actingStatement: delegationStatement(fn.name),
    certificateTitle: signingFunction('delegate', fn.name, person.function),
    absentPersonId: null,
  };
}
