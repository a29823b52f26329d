/**
 * An admin imports the directory from CSV (issue 5, issue 10): the parsed lines are created or
 * updated in one transaction, each change with its `person.created` / `person.updated`, and the
 * whole import with `people.imported` (counts and how many lines were skipped).
 */
import { appendAuditEvent } from '../audit/index.ts';
import type { PersonInput } from '../domain/person.ts';
import { upsertPerson, type UpsertOutcome } from '../store/people.ts';
import { personSummary } from './add-person.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface ImportPeopleOptions extends StaffRequest {
  people: PersonInput[];
  /** Lines the caller could not read (reported, not imported). */
  skipped: number;
}

export async function importPeople(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ImportPeopleOptions): Promise<Record<UpsertOutcome, number>> {
  const { organisationId, actor, origin } = options;
  return inTransaction(deps, 'importPeople', async (trx) => {
    const now = deps.clock();
    const counts: Record<UpsertOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
    for (const input of options.people) {
      const { person, outcome } = await upsertPerson(trx, organisationId, input, { now });
      counts[outcome] += 1;
      if (outcome === 'unchanged') continue;
      await appendAuditEvent(trx, { organisationId, envelopeId: null, event: { action: outcome === 'created' ? 'person.created' : 'person.updated', details: personSummary(person) }, actor, origin, occurredAt: now });
    }
    await appendAuditEvent(trx, { organisationId, envelopeId: null, event: { action: 'people.imported', details: { ...counts, skipped: options.skipped } }, actor, origin, occurredAt: now });
    return counts;
  });
}
