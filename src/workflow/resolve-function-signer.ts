/**
 * Who signs for a function on a day (issue 12), and what their signature then says: the holder; the first present
 * substitute when staff marked the holder absent ("wnd. …"); or, only when the caller chose a delegation, its
 * delegate ("Bij opdracht van …"). Read-only: create-envelope stores the answer on the recipient, the send page
 * previews it. The day is the meeting's date for an envelope in a meeting, else today in Europe/Brussels.
 *
 * A deactivated person neither holds, substitutes nor receives a delegation here: they can no longer be sent anything.
 */
import { delegationCovers, delegationStatement, isDay, mayBeDelegated, resolveFunction, substituteFunction, type Capacity, type DocumentKind } from '../domain/mandates.ts';
import { signerTitle } from '../domain/signature-page.ts';
import { AppError, ValidationError } from '../errors.ts';
import { delegationById, listAbsences, listMandates, type DelegationRow, type FunctionRow } from '../store/mandates.ts';
import { peopleByIds, personById, type Person } from '../store/people.ts';
import type { Db } from '../store/sql.ts';
import { delegationMinutesRefused, delegationNotFound, functionNotDelegable, requireFunction } from './mandate-checks.ts';

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
  /** The one-shot certificate's title (signerTitle): the function text, for a delegate with the delegation after their own function. */
  certificateTitle: string | null;
  /** The holder a substitute replaces (null when the function had no holder that day). */
  absentPersonId: string | null;
  /** Their name, as the substitute's mails give it ("in de plaats van …"). */
  inPlaceOf: string | null;
}

function delegationNotValid(reason: string): AppError {
  return new AppError('delegation_not_valid', 422, `This delegation cannot be used: ${reason}`);
}

export async function resolveFunctionSigner(db: Db, organisationId: string, input: ResolveFunctionSignerInput): Promise<FunctionSigner> {
  if (!isDay(input.day)) throw new ValidationError(`Not a day (YYYY-MM-DD): ${JSON.stringify(input.day).slice(0, 40)}.`);
  const fn = await requireFunction(db, organisationId, input.functionId);
  if (input.delegationId) return delegateOf(db, organisationId, fn, input.day, input.kind, input.delegationId);

  const [mandates, absences] = await Promise.all([listMandates(db, organisationId, { functionId: fn.id }), listAbsences(db, organisationId, { from: input.day })]);
  // One statement for the people of all the function's mandates, however many substitutes it has.
  const people = await peopleByIds(db, organisationId, mandates.map((m) => m.personId));
  const active = mandates.filter((m) => people.get(m.personId)?.active);
  const resolution = resolveFunction(fn.id, input.day, active, absences);
  if (resolution.outcome === 'vacant') throw new AppError('function_vacant', 409, `Nobody holds ${fn.name} on ${input.day}.`, { extensions: { functionId: fn.id, day: input.day } });
  if (resolution.outcome === 'everyone_absent') {
    throw new AppError('function_everyone_absent', 409, `Everyone who signs for ${fn.name} on ${input.day} is absent: the holder and every substitute.`, {
      extensions: { functionId: fn.id, day: input.day },
    });
  }
  const person = people.get(resolution.personId) as Person;
  const absent = resolution.outcome === 'substitute' && resolution.absentPersonId ? people.get(resolution.absentPersonId) : undefined;
  const text = resolution.outcome === 'holder' ? fn.name : substituteFunction(fn.name);
  return {
    person,
    functionId: fn.id,
    functionName: fn.name,
    capacity: resolution.outcome,
    delegationId: null,
    function: text,
    actingStatement: null,
    certificateTitle: signerTitle({ function: text, actingStatement: null }),
    absentPersonId: resolution.outcome === 'substitute' ? resolution.absentPersonId : null,
    inPlaceOf: absent?.name ?? null,
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
    certificateTitle: signerTitle({ function: person.function, actingStatement: delegationStatement(fn.name) }),
    absentPersonId: null,
    inPlaceOf: null,
  };
}
