/**
 * The check an API route makes before a use case that takes an envelope id (issue 10: routes
 * translate HTTP only): the envelope exists in this organisation, else 404 `envelope_not_found`
 * (unknown, another organisation's, or not a uuid). Read-only.
 */
import type { Knex } from 'knex';
import { envelopeById } from '../store/envelope-repository.ts';
import { isUuid } from '../store/sql.ts';
import { envelopeNotFound } from './envelope-dto.ts';

export async function requireEnvelopeOf(deps: { db: Knex }, organisationId: string, envelopeId: string): Promise<void> {
  if (!isUuid(envelopeId) || !(await envelopeById(deps.db, organisationId, envelopeId))) throw envelopeNotFound();
}
