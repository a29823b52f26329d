/** The `meetings` table (issue 12) and the envelopes of a meeting. Every query is scoped by organisation. */
import type { DecisionBody } from '../domain/meeting.ts';
import { toEnvelope, type Envelope, type EnvelopeRow } from './envelope-repository.ts';
import { fromJson, isPostgres, isUuid, toIso, type Db } from './sql.ts';

export type MeetingStatus = 'draft' | 'sent';

export interface Meeting {
  id: string;
  organisationId: string;
  body: DecisionBody;
  /** The body's name when `body` is 'other'. */
  bodyLabel: string | null;
  title: string;
  /** YYYY-MM-DD, the day of the sitting. */
  meetingDate: string;
  status: MeetingStatus;
  createdByKind: 'api_key' | 'user';
  createdById: string;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface MeetingRow {
  id: string;
  organisation_id: string;
  body: string;
  body_label: string | null;
  title: string;
  meeting_date: string;
  status: string;
  created_by_kind: string;
  created_by_id: string;
  sent_at: unknown;
  created_at: unknown;
  updated_at: unknown;
}

function toMeeting(row: MeetingRow): Meeting {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    body: row.body as DecisionBody,
    bodyLabel: row.body_label,
    title: row.title,
    meetingDate: row.meeting_date,
    status: row.status as MeetingStatus,
    createdByKind: row.created_by_kind as Meeting['createdByKind'],
    createdById: row.created_by_id,
    sentAt: toIso(row.sent_at, 'nullable'),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export async function insertMeeting(db: Db, meeting: Omit<Meeting, 'status' | 'sentAt' | 'createdAt' | 'updatedAt'> & { now: string }): Promise<void> {
  await db('meetings').insert({
    id: meeting.id,
    organisation_id: meeting.organisationId,
    body: meeting.body,
    body_label: meeting.bodyLabel,
    title: meeting.title,
    meeting_date: meeting.meetingDate,
    status: 'draft',
    created_by_kind: meeting.createdByKind,
    created_by_id: meeting.createdById,
    created_at: meeting.now,
    updated_at: meeting.now,
  });
}

/** One meeting of an organisation; `forUpdate` locks it (PostgreSQL) so that one send wins. */
export async function meetingById(db: Db, organisationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Meeting | null> {
  if (!isUuid(id)) return null;
  const query = db('meetings').where({ id, organisation_id: organisationId });
  if (options.forUpdate && isPostgres(db)) query.forUpdate();
  const row = (await query.first()) as MeetingRow | undefined;
  return row ? toMeeting(row) : null;
}

/** Meetings of an organisation by id (the dashboard labels its rows with them, issue 12). */
export async function meetingsByIds(db: Db, organisationId: string, ids: readonly string[]): Promise<Meeting[]> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return [];
  return ((await db('meetings').where({ organisation_id: organisationId }).whereIn('id', wanted)) as MeetingRow[]).map(toMeeting);
}

export async function markMeetingSent(db: Db, organisationId: string, id: string, now: string): Promise<void> {
  await db('meetings').where({ id, organisation_id: organisationId }).update({ status: 'sent', sent_at: now, updated_at: now });
}

/** Newest sitting first. */
export async function listMeetingRows(db: Db, organisationId: string, limit: number): Promise<Meeting[]> {
  const rows = (await db('meetings')
    .where({ organisation_id: organisationId })
    .orderBy([{ column: 'meeting_date', order: 'desc' }, { column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit)) as MeetingRow[];
  return rows.map(toMeeting);
}

/** The envelopes of meetings, in agenda order (position, then creation). */
export async function envelopesOfMeetings(db: Db, organisationId: string, meetingIds: readonly string[]): Promise<Envelope[]> {
  if (meetingIds.length === 0) return [];
  const rows = (await db('envelopes')
    .where({ organisation_id: organisationId })
    .whereIn('meeting_id', [...meetingIds])
    .orderBy([{ column: 'agenda_position', order: 'asc' }, { column: 'created_at', order: 'asc' }, { column: 'id', order: 'asc' }])) as EnvelopeRow[];
  return rows.map(toEnvelope);
}

/** The next free agenda position of a meeting (0 for the first envelope). */
export async function nextAgendaPosition(db: Db, organisationId: string, meetingId: string): Promise<number> {
  const row = (await db('envelopes').where({ organisation_id: organisationId, meeting_id: meetingId }).max('agenda_position as max').first()) as { max: number | string | null } | undefined;
  return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
}

export interface MeetingItemForEmail {
  envelopeId: string;
  title: string;
  agendaItem: string | null;
  kind: string | null;
  /** When this person was first sent a request on it; null while it is not their turn. */
  sentAt: string | null;
  /** The envelope's status: a cancelled item is no longer listed, yet its mail still counts as the meeting's. */
  status: string | null;
}

/**
 * One statement: the meeting, and every envelope of it on which `email` is a signer, in agenda
 * order, with when that person was invited there. What the meeting request mail lists, and how it knows
 * whether this person already had the meeting's mail (another row invited before).
 */
export async function meetingItemsForEmail(db: Db, organisationId: string, meetingId: string, email: string): Promise<{ meeting: Meeting; items: MeetingItemForEmail[] } | null> {
  const rows = (await db('meetings as m')
    .leftJoin('envelopes as e', function () {
      this.on('e.meeting_id', '=', 'm.id').andOn('e.organisation_id', '=', 'm.organisation_id');
    })
    .leftJoin('recipients as r', function () {
      this.on('r.envelope_id', '=', 'e.id').andOnIn('r.role', ['signer']);
    })
    .where({ 'm.id': meetingId, 'm.organisation_id': organisationId })
    .andWhere((w) => w.whereNull('r.id').orWhereRaw('lower(r.email) = ?', [email.trim().toLowerCase()]))
    .orderBy([{ column: 'e.agenda_position', order: 'asc' }, { column: 'e.created_at', order: 'asc' }])
    .select('m.*', 'e.id as e_id', 'e.title as e_title', 'e.agenda_item as e_agenda_item', 'e.kind as e_kind', 'e.status as e_status', 'r.id as r_id', 'r.sent_at as r_sent_at')) as Array<
    MeetingRow & { e_id: string | null; e_title: string | null; e_agenda_item: string | null; e_kind: string | null; e_status: string | null; r_id: string | null; r_sent_at: unknown }
  >;
  const first = rows[0];
  if (!first) return null;
  const items = new Map<string, MeetingItemForEmail>();
  for (const row of rows) {
    if (!row.e_id || !row.r_id) continue;
    const sentAt = toIso(row.r_sent_at, 'nullable');
    const known = items.get(row.e_id);
    if (!known) items.set(row.e_id, { envelopeId: row.e_id, title: row.e_title ?? '', agendaItem: row.e_agenda_item, kind: row.e_kind, sentAt, status: row.e_status });
    else if (sentAt && (!known.sentAt || sentAt < known.sentAt)) known.sentAt = sentAt;
  }
  return { meeting: toMeeting(first), items: [...items.values()] };
}

/**
 * The recipient whose link the last meeting mail (request or reminder) to `email` carried, among these envelopes of a
 * meeting, from the `mail.queued` audit events; null when none is recorded.
 */
export async function lastMeetingMail(db: Db, organisationId: string, envelopeIds: readonly string[], email: string): Promise<{ envelopeId: string; recipientId: string } | null> {
  if (envelopeIds.length === 0) return null;
  const rows = (await db('audit_events')
    .where({ organisation_id: organisationId, action: 'mail.queued' })
    .whereIn('envelope_id', [...envelopeIds])
    .orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .select('envelope_id', 'details')) as Array<{ envelope_id: string; details: unknown }>;
  const wanted = email.trim().toLowerCase();
  for (const row of rows) {
    const details = fromJson<{ mail?: string; email?: string; recipientId?: string }>(row.details) ?? {};
    if (details.mail === 'meetingSignRequest' && details.recipientId && details.email?.trim().toLowerCase() === wanted) return { envelopeId: row.envelope_id, recipientId: details.recipientId };
  }
  return null;
}

/** A draft envelope's place in its meeting, as staff edit the agenda before sending. */
export async function updateMeetingItem(db: Db, organisationId: string, envelopeId: string, item: { title: string; agendaItem: string | null; agendaPosition: number; kind: string }, now: string): Promise<void> {
  await db('envelopes')
    .where({ id: envelopeId, organisation_id: organisationId, status: 'draft' })
    .update({ title: item.title, agenda_item: item.agendaItem, agenda_position: item.agendaPosition, kind: item.kind, updated_at: now });
}
