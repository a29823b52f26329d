/**
 * An admin takes a person out of the directory (issue 5, issue 10): the person stays for the
 * envelopes they signed but is no longer offered; `person.deactivated` in the same transaction.
 * Unknown ids and other organisations' people are 404.
 */
import { appendAuditEvent } from '../audit/index.ts';
import { AppError } from '../errors.ts';
import { deactivatePerson, personById, type Person } from '../store/people.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface DeactivateDirectoryPersonOptions extends StaffRequest {
  personId: string;
}

export async function deactivateDirectoryPerson(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: DeactivateDirectoryPersonOptions): Promise<Person> {
  const { organisationId } = options;
  return inTransaction(deps, 'deactivateDirectoryPerson', async (trx) => {
    const person = await personById(trx, organisationId, options.personId);
    if (!person) throw new AppError('not_found', 404, 'Not found in this organisation.');
    await deactivatePerson(trx, organisationId, person.id);
    await appendAuditEvent(trx, {
      organisationId,
      envelopeId: null,
      event: { action: 'person.deactivated', details: { personId: person.id, email: person.email } },
      actor: options.actor,
      origin: options.origin,
      occurredAt: deps.clock(),
    });
    return { ...person, active: false };
  });
}
