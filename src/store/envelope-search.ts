/**
 * The staff dashboard's envelope query (issue 5): an organisation's envelopes filtered by
 * status, creation time, title text and signer (name or e-mail), newest first, keyset-paged
 * like listEnvelopeRows. Text matching is case-insensitive on both databases.
 */
import type { EnvelopeStatus } from '../domain/envelope-state.ts';
import { toEnvelope, type Envelope, type EnvelopeRow } from './envelope-repository.ts';
import type { Db } from './sql.ts';

export interface EnvelopeSearchQuery {
  statuses?: readonly EnvelopeStatus[];
  /** Title contains this text. */
  title?: string;
  /** A recipient's name or e-mail contains this text. */
  signer?: string;
  /** Sent with this signing route (decision body), exactly. */
  routeName?: string;
  /** Of this meeting (issue 12). */
  meetingId?: string;
  /** Created at or after / before these instants (ISO). */
  createdFrom?: string;
  createdBefore?: string;
  limit: number;
  before?: { createdAt: string; id: string };
}

/** `%text%` for LIKE with `\` as escape character. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchEnvelopeRows(db: Db, organisationId: string, query: EnvelopeSearchQuery): Promise<Envelope[]> {
  const q = db<EnvelopeRow>('envelopes as e').where('e.organisation_id', organisationId);
  if (query.statuses && query.statuses.length > 0) q.whereIn('e.status', [...query.statuses]);
  if (query.title) q.whereRaw(`lower(e.title) like ? escape '\\'`, [containsPattern(query.title)]);
  if (query.signer) {
    const pattern = containsPattern(query.signer);
    q.whereExists((sub) =>
      sub
        .select(db.raw('1'))
        .from('recipients as r')
        .whereRaw('r.envelope_id = e.id')
        .andWhere('r.organisation_id', organisationId)
        .andWhere((w) => w.whereRaw(`lower(r.name) like ? escape '\\'`, [pattern]).orWhereRaw(`lower(r.email) like ? escape '\\'`, [pattern])),
    );
  }
  if (query.routeName) q.andWhere('e.route_name', query.routeName);
  if (query.meetingId) q.andWhere('e.meeting_id', query.meetingId);
  if (query.createdFrom) q.andWhere('e.created_at', '>=', query.createdFrom);
  if (query.createdBefore) q.andWhere('e.created_at', '<', query.createdBefore);
  if (query.before) {
    const { createdAt, id } = query.before;
    q.andWhere((w) => w.where('e.created_at', '<', createdAt).orWhere((same) => same.where('e.created_at', '=', createdAt).andWhere('e.id', '<', id)));
  }
  const rows = await q
    .select('e.*')
    .orderBy([{ column: 'e.created_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .limit(query.limit);
  return (rows as EnvelopeRow[]).map(toEnvelope);
}

/** The distinct signing routes (decision bodies) an organisation's envelopes were sent with, sorted: the dashboard's body filter. */
export async function envelopeRouteNames(db: Db, organisationId: string): Promise<string[]> {
  const rows = (await db('envelopes').where('organisation_id', organisationId).whereNotNull('route_name').distinct('route_name')) as Array<{ route_name: string }>;
  return rows.map((row) => row.route_name).sort((a, b) => a.localeCompare(b, 'nl'));
}
