/**
 * An admin changes a person of the directory (issue 5, issue 10): name, e-mail, function and
 * language, with `person.updated`, in one transaction. Unknown ids are 404; an invalid person or
 * an e-mail another person has is 400.
 */
import { appendAuditEvent } from '../audit/index.ts';
import type { PersonInput } from '../domain/person.ts';
import { AppError } from '../errors.ts';
import { updatePerson, type Person } from '../store/people.ts';
import { personSummary } from './add-person.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface EditPersonOptions extends StaffRequest {
  personId: string;
  person: PersonInput;
}

export async function editPerson(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: EditPersonOptions): Promise<Person> {
  const { organisationId } = options;
  return inTransaction(deps, 'editPerson', async (trx) => {
    const changed = await updatePerson(trx, organisationId, options.personId, options.person);
    if (!changed) throw new AppError('not_found', 404, 'Not found in this organisation.');
    await appendAuditEvent(trx, { organisationId, envelopeId: null, event: { action: 'person.updated', details: personSummary(changed) }, actor: options.actor, origin: options.origin, occurredAt: deps.clock() });
    return changed;
  });
}
