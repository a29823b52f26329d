/**
 * The functions of an organisation as the staff pages and `GET /api/v1/functions` show them on a day (issue 12): per
 * function its holder that day, its substitutes that day (by rank), who would sign without a delegation, every
 * mandate (past and coming too), the absences of its holders and substitutes that are not over, and the delegations
 * not revoked and not expired. Read-only.
 */
import { coversDay, isDay, resolveFunction, type Capacity } from '../domain/mandates.ts';
import { ValidationError } from '../errors.ts';
import { listAbsences, listDelegations, listFunctions, listMandates, type AbsenceRow, type DelegationRow, type FunctionRow, type MandateRow } from '../store/mandates.ts';
import { listPeople, type Person } from '../store/people.ts';
import type { WorkflowDeps } from './deps.ts';

/** A person as the directory shows them next to a mandate, absence or delegation. */
export interface DirectoryPerson {
  id: string;
  name: string;
  email: string;
  function: string | null;
  active: boolean;
}

export interface DirectoryMandate extends Omit<MandateRow, 'organisationId' | 'personId' | 'functionId'> {
  person: DirectoryPerson;
  /** Whether it covers the day asked for. */
  current: boolean;
}

export interface DirectoryAbsence extends Omit<AbsenceRow, 'organisationId' | 'personId'> {
  person: DirectoryPerson;
}

export interface DirectoryDelegation extends Omit<DelegationRow, 'organisationId' | 'delegatorPersonId' | 'delegatePersonId' | 'functionId'> {
  delegator: DirectoryPerson;
  delegate: DirectoryPerson;
  /** Whether it covers the day asked for (it may start later). */
  current: boolean;
}

export interface FunctionOverview extends Omit<FunctionRow, 'organisationId'> {
  holder: DirectoryMandate | null;
  substitutes: DirectoryMandate[];
  /** Who signs that day when no delegation is chosen; null when nobody holds it or everyone is absent. */
  signer: { person: DirectoryPerson; capacity: Exclude<Capacity, 'delegate'> } | null;
  /** Every mandate: holders first, then substitutes by rank. */
  mandates: DirectoryMandate[];
  absences: DirectoryAbsence[];
  delegations: DirectoryDelegation[];
}

export interface DirectoryMandates {
  day: string;
  functions: FunctionOverview[];
}

function directoryPerson(person: Person): DirectoryPerson {
  return { id: person.id, name: person.name, email: person.email, function: person.function, active: person.active };
}

export async function directoryMandates(deps: Pick<WorkflowDeps, 'db'>, organisationId: string, day: string): Promise<DirectoryMandates> {
  if (!isDay(day)) throw new ValidationError(`Not a day (YYYY-MM-DD): ${JSON.stringify(day).slice(0, 40)}.`);
  const [functions, mandates, absences, delegations, people] = await Promise.all([
    listFunctions(deps.db, organisationId),
    listMandates(deps.db, organisationId),
    listAbsences(deps.db, organisationId, { from: day, includeWithdrawn: false }),
    listDelegations(deps.db, organisationId),
    listPeople(deps.db, organisationId, { includeInactive: true }),
  ]);
  const byId = new Map(people.map((p) => [p.id, directoryPerson(p)]));
  const personOf = (id: string): DirectoryPerson => byId.get(id) ?? { id, name: '', email: '', function: null, active: false };
  const mandateOf = ({ organisationId: _o, personId, functionId: _f, ...m }: MandateRow): DirectoryMandate => ({ ...m, person: personOf(personId), current: coversDay(m, day) });

  return {
    day,
    functions: functions.map(({ organisationId: _o, ...fn }) => {
      const own = mandates.filter((m) => m.functionId === fn.id).sort((a, b) => a.kind.localeCompare(b.kind) || a.rank - b.rank || a.startsOn.localeCompare(b.startsOn));
      const signing = own.filter((m) => personOf(m.personId).active);
      const holder = resolveFunction(fn.id, day, signing.filter((m) => m.kind === 'holder'), []);
      const resolution = resolveFunction(fn.id, day, signing, absences);
      const concerned = new Set(own.filter((m) => m.endsOn === null || m.endsOn >= day).map((m) => m.personId));
      return {
        ...fn,
        holder: holder.outcome === 'holder' ? mandateOf(own.find((m) => m.id === holder.mandateId) as MandateRow) : null,
        substitutes: own.filter((m) => m.kind === 'substitute' && coversDay(m, day)).map(mandateOf),
        signer: resolution.outcome === 'holder' || resolution.outcome === 'substitute' ? { person: personOf(resolution.personId), capacity: resolution.outcome } : null,
        mandates: own.map(mandateOf),
        absences: absences.filter((a) => concerned.has(a.personId)).map(({ organisationId: _a, personId, ...a }) => ({ ...a, person: personOf(personId) })),
        delegations: delegations
          .filter((d) => d.functionId === fn.id && (d.validUntil === null || d.validUntil >= day))
          .map(({ organisationId: _d, functionId: _f, delegatorPersonId, delegatePersonId, ...d }) => ({
            ...d,
            delegator: personOf(delegatorPersonId),
            delegate: personOf(delegatePersonId),
            current: coversDay({ startsOn: d.validFrom, endsOn: d.validUntil }, day),
          })),
      };
    }),
  };
}
