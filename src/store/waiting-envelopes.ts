/**
 * What waits for one person in one organisation (issue 4, batch signing): their recipient rows
 * (matched on e-mail, case-insensitively) on open envelopes. Whether it is their turn is the
 * routing's decision (src/domain/routing.ts); this only narrows the rows.
 */
import { toIso, type Db } from './sql.ts';

export interface RecipientOnEnvelope {
  recipientId: string;
  envelopeId: string;
  role: string;
  status: string;
  envelopeStatus: string;
  envelopeExpiresAt: string | null;
}

/**
 * The read of recipientRowsForEmail. The person's rows are found through the index on (organisation_id, lower(email))
 * (migration 0032): each signing page asks, and an organisation gathers tens of thousands of recipient rows.
 */
export function recipientRowsForEmailQuery(db: Db, organisationId: string, email: string, envelopeStatuses: readonly string[]) {
  return db('recipients as r')
    .join('envelopes as e', 'e.id', 'r.envelope_id')
    .where('r.organisation_id', organisationId)
    .andWhere('e.organisation_id', organisationId)
    .andWhereRaw('lower(r.email) = ?', [email.trim().toLowerCase()])
    .whereIn('e.status', [...envelopeStatuses])
    .orderBy([{ column: 'e.expires_at', order: 'asc' }, { column: 'e.created_at', order: 'asc' }, { column: 'e.id', order: 'asc' }])
    .select('r.id as recipient_id', 'r.envelope_id', 'r.role', 'r.status', 'e.status as envelope_status', 'e.expires_at as envelope_expires_at');
}

/** Every recipient row of `email` in the organisation whose envelope is in one of `envelopeStatuses`. */
export async function recipientRowsForEmail(db: Db, organisationId: string, email: string, envelopeStatuses: readonly string[]): Promise<RecipientOnEnvelope[]> {
  const rows = await recipientRowsForEmailQuery(db, organisationId, email, envelopeStatuses);
  return rows.map((row: { recipient_id: string; envelope_id: string; role: string; status: string; envelope_status: string; envelope_expires_at: unknown }) => ({
    recipientId: row.recipient_id,
    envelopeId: row.envelope_id,
    role: row.role,
    status: row.status,
    envelopeStatus: row.envelope_status,
    envelopeExpiresAt: toIso(row.envelope_expires_at, 'nullable'),
  }));
}

/**
 * The signer rows of `email` that wait for a signature now: invited or opened, on a sent or
 * started envelope that has not passed its deadline. (A recipient becomes `sent` only when the
 * routing makes them active, so these are their turn; the batch page checks the routing again.)
 */
export async function waitingSignerRows(db: Db, organisationId: string, email: string, now: Date): Promise<RecipientOnEnvelope[]> {
  const rows = await recipientRowsForEmail(db, organisationId, email, ['sent', 'in_progress']);
  return rows.filter(
    (r) => r.role === 'signer' && (r.status === 'sent' || r.status === 'opened') && (r.envelopeExpiresAt === null || new Date(r.envelopeExpiresAt).getTime() > now.getTime()),
  );
}
