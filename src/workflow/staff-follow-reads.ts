/**
 * Reads the staff follow-up pages need (issue 10: routes translate HTTP only): whether an id can
 * name an envelope, whether the envelope is one of this organisation's, and its audit trail for the
 * timeline. Read-only.
 */
import type { Knex } from 'knex';
import { listEnvelopeAuditEvents } from '../store/audit-event-repository.ts';
import { envelopeById } from '../store/envelope-repository.ts';
import { isUuid } from '../store/sql.ts';

/** Whether the value has the form of an envelope (or recipient) id: a uuid. */
export function isEnvelopeIdForm(value: string): boolean {
  return isUuid(value);
}

/** Whether the envelope exists in this organisation (false for another organisation's or a non-uuid id). */
export async function envelopeIsOwn(deps: { db: Knex }, organisationId: string, envelopeId: string): Promise<boolean> {
  return isUuid(envelopeId) && Boolean(await envelopeById(deps.db, organisationId, envelopeId));
}

/** The envelope's audit events in chain order, for the staff timeline. */
export function envelopeAuditTrail(deps: { db: Knex }, organisationId: string, envelopeId: string) {
  return listEnvelopeAuditEvents(deps.db, organisationId, envelopeId);
}
