/**
 * An admin changes the organisation's settings (issue 10): its name and/or some keys of
 * `organisations.settings` (default expiry, mailed code, logo, …). One transaction: the row is
 * read locked, only the given keys are merged into what is stored now (so concurrent changes of
 * other keys survive), and the change is recorded as `organisation.updated` in the
 * organisation's chain.
 */
import type { Knex } from 'knex';
import { appendAuditEvent } from '../audit/chain.ts';
import type { AuditEvent } from '../audit/events.ts';
import { AppError } from '../errors.ts';
import { organisationById, updateOrganisation, type Organisation, type OrganisationSettings } from '../store/organisations.ts';
import type { StaffRequest, WorkflowDeps } from './deps.ts';
import { inTransaction } from './transaction.ts';

export interface UpdateOrganisationSettingsOptions extends StaffRequest {
  name?: string;
  /** The keys to change; `null` removes a key. Keys not named here stay as they are stored. */
  settings?: Record<string, unknown>;
}

export function organisationNotFound(): AppError {
  return new AppError('not_found', 404, 'Not found in this organisation.');
}

/**
 * Reads the organisation locked in `trx`, applies `change` to what is stored now, writes the
 * result and appends `event(organisation, result)` to the organisation's chain.
 */
export async function changeOrganisation<T>(
  deps: Pick<WorkflowDeps, 'clock'>,
  trx: Knex.Transaction,
  request: StaffRequest,
  change: (organisation: Organisation) => { name?: string; settings?: Record<string, unknown>; event: AuditEvent; result: T },
): Promise<T> {
  const organisation = await organisationById(trx, request.organisationId, { forUpdate: true });
  if (!organisation) throw organisationNotFound();
  const { name, settings, event, result } = change(organisation);
  await updateOrganisation(trx, organisation.id, { name, settings: settings === undefined ? undefined : mergeSettings(organisation.settings, settings) });
  await appendAuditEvent(trx, { organisationId: organisation.id, envelopeId: null, event, actor: request.actor, origin: request.origin, occurredAt: deps.clock() });
  return result;
}

/** `stored` with the keys of `changes` replaced, and those set to null removed. */
export function mergeSettings(stored: OrganisationSettings, changes: Record<string, unknown>): OrganisationSettings {
  const merged: OrganisationSettings = { ...stored };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export async function updateOrganisationSettings(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: UpdateOrganisationSettingsOptions): Promise<Organisation> {
  const settings = options.settings ?? {};
  const fields = [...(options.name === undefined ? [] : ['name']), ...Object.keys(settings)];
  const values = { ...(options.name === undefined ? {} : { name: options.name.trim() }), ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v ?? null])) };
  return inTransaction(deps, 'updateOrganisationSettings', async (trx) => {
    await changeOrganisation(deps, trx, options, () => ({ name: options.name, settings, event: { action: 'organisation.updated', details: { fields, values } }, result: undefined }));
    return (await organisationById(trx, options.organisationId))!;
  });
}
