/**
 * Recipients resolved from a route step naming a function (issue 12) that may be handed to someone else: the open
 * ones of a person, and the rewrite of who signs. Scoped by organisation.
 */
import type { Capacity } from '../domain/mandates.ts';
import type { Language } from '../domain/person.ts';
import type { Db } from './sql.ts';

/** A function recipient of a person who has not acted yet, on an envelope that is out for signing. */
export interface OpenFunctionRecipient {
  recipientId: string;
  envelopeId: string;
  meetingId: string | null;
  /** The meeting's date (YYYY-MM-DD) when the envelope is in one. */
  meetingDate: string | null;
}

/** The person's function recipients in `statuses` (those not acted on), on sent or in-progress envelopes, by meeting date and agenda order. */
export async function openFunctionRecipientsOf(db: Db, organisationId: string, personId: string, statuses: readonly string[]): Promise<OpenFunctionRecipient[]> {
  const rows = (await db('recipients as r')
    .join('envelopes as e', function () {
      this.on('e.id', '=', 'r.envelope_id').andOn('e.organisation_id', '=', 'r.organisation_id');
    })
    .leftJoin('meetings as m', function () {
      this.on('m.id', '=', 'e.meeting_id').andOn('m.organisation_id', '=', 'e.organisation_id');
    })
    .where({ 'r.organisation_id': organisationId, 'r.person_id': personId })
    .whereNotNull('r.function_id')
    .whereIn('r.status', [...statuses])
    .whereIn('e.status', ['sent', 'in_progress'])
    .orderBy([{ column: 'm.meeting_date' }, { column: 'e.meeting_id' }, { column: 'e.agenda_position' }, { column: 'e.created_at' }, { column: 'r.id' }])
    .select('r.id as recipient_id', 'r.envelope_id', 'e.meeting_id', 'm.meeting_date')) as Array<{ recipient_id: string; envelope_id: string; meeting_id: string | null; meeting_date: string | null }>;
  return rows.map((row) => ({ recipientId: row.recipient_id, envelopeId: row.envelope_id, meetingId: row.meeting_id, meetingDate: row.meeting_date }));
}

/** Who signs for a function recipient: the person and what their signature says. */
export interface RecipientSigner {
  personId: string;
  name: string;
  email: string;
  language: Language;
  function: string | null;
  capacity: Capacity;
  delegationId: string | null;
  actingStatement: string | null;
  /** A substitute's absent holder, by name. */
  inPlaceOf: string | null;
}

/**
 * Puts another person on a recipient's step. `renotify`: the step was the old signer's turn; it goes back to pending
 * (not sent, not opened) so the request to the new signer marks it sent again.
 */
export async function setRecipientSigner(db: Db, organisationId: string, recipientId: string, signer: RecipientSigner, renotify: boolean): Promise<void> {
  await db('recipients')
    .where({ id: recipientId, organisation_id: organisationId })
    .update({
      person_id: signer.personId,
      name: signer.name,
      email: signer.email,
      language: signer.language,
      function: signer.function,
      capacity: signer.capacity,
      delegation_id: signer.delegationId,
      acting_statement: signer.actingStatement,
      in_place_of: signer.inPlaceOf,
      ...(renotify ? { status: 'pending', sent_at: null, opened_at: null } : {}),
    });
}
