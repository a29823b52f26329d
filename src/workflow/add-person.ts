/**
 * An admin adds a person to the organisation's directory of people who sign (issue 5, issue 10):
 * the person and `person.created` in one transaction. An e-mail already in the directory is 409
 * `person_exists`; an invalid person 400.
 */
import { appendAuditEvent } from '../audit/index.ts';
import type { PersonInput } from '../domain/person.ts';
import { ConflictError } from '../errors.ts';
import { personByEmail, upsertPerson, type Person } from '../store/people.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface AddPersonOptions extends StaffRequest {
  person: PersonInput;
}

/** What the audit events of the directory record of a person. */
export function personSummary(p: Person) {
  return { personId: p.id, name: p.name, email: p.email, function: p.function, language: p.language, active: p.active };
}

export function personExists(): ConflictError {
  return new ConflictError('person_exists', 'The directory already has a person with this e-mail address.');
}

export async function addPerson(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: AddPersonOptions): Promise<Person> {
  const { organisationId } = options;
  return inTransaction(deps, 'addPerson', async (trx) => {
    const now = deps.clock();
    if (await personByEmail(trx, organisationId, options.person.email)) throw personExists();
    const { person } = await upsertPerson(trx, organisationId, options.person, { now });
    await appendAuditEvent(trx, { organisationId, envelopeId: null, event: { action: 'person.created', details: personSummary(person) }, actor: options.actor, origin: options.origin, occurredAt: now });
    return person;
  });
}
