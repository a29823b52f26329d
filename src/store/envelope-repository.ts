/** The `envelopes` table (DESIGN §3, §4). Every query is scoped by organisation, except the expiry job's scan. */
import type { Knex } from 'knex';
import type { EnvelopeStatus } from '../domain/envelope-state.ts';
import { isPostgres, isUuid, toIso, type Db } from './sql.ts';

export interface Envelope {
  id: string;
  organisationId: string;
  title: string;
  message: string | null;
  status: EnvelopeStatus;
  createdByKind: 'api_key' | 'user';
  createdById: string;
  expiresAt: string | null;
  sentAt: string | null;
  completedAt: string | null;
  declinedAt: string | null;
  cancelledAt: string | null;
  expiredAt: string | null;
  cancelReason: string | null;
  /** The signer must enter a mailed 6-digit code before signing (issue 4). */
  requireCode: boolean;
  /** The signing route (decision body) it was sent with, e.g. "Gemeenteraad"; null without one. */
  routeName: string | null;
  /** The meeting (zitting, issue 12) it belongs to, its agenda item ("3"), position on the agenda and kind; null outside a meeting. */
  meetingId: string | null;
  agendaItem: string | null;
  agendaPosition: number | null;
  kind: EnvelopeKind | null;
  /** The line above the signature page's blocks ("Namens de gemeenteraad", issue 12); null: from the decision body. */
  onBehalfOf: string | null;
  createdAt: string;
  updatedAt: string;
}

export const ENVELOPE_KINDS = ['decision', 'minutes', 'other'] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

export interface EnvelopeRow {
  id: string;
  organisation_id: string;
  title: string;
  message: string | null;
  status: EnvelopeStatus;
  created_by_kind: 'api_key' | 'user';
  created_by_id: string;
  expires_at: unknown;
  sent_at: unknown;
  completed_at: unknown;
  declined_at: unknown;
  cancelled_at: unknown;
  expired_at: unknown;
  cancel_reason: string | null;
  require_code: boolean | number | null;
  route_name?: string | null;
  meeting_id?: string | null;
  agenda_item?: string | null;
  agenda_position?: number | string | null;
  kind?: string | null;
  on_behalf_of?: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export function toEnvelope(row: EnvelopeRow): Envelope {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    title: row.title,
    message: row.message,
    status: row.status,
    createdByKind: row.created_by_kind,
    createdById: row.created_by_id,
    expiresAt: toIso(row.expires_at, 'nullable'),
    sentAt: toIso(row.sent_at, 'nullable'),
    completedAt: toIso(row.completed_at, 'nullable'),
    declinedAt: toIso(row.declined_at, 'nullable'),
    cancelledAt: toIso(row.cancelled_at, 'nullable'),
    expiredAt: toIso(row.expired_at, 'nullable'),
    cancelReason: row.cancel_reason,
    requireCode: Boolean(row.require_code),
    routeName: row.route_name ?? null,
    onBehalfOf: row.on_behalf_of ?? null,
    meetingId: row.meeting_id ?? null,
    agendaItem: row.agenda_item ?? null,
    agendaPosition: row.agenda_position === null || row.agenda_position === undefined ? null : Number(row.agenda_position),
    kind: (row.kind as EnvelopeKind | null | undefined) ?? null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export interface NewEnvelope {
  id: string;
  organisationId: string;
  title: string;
  message: string | null;
  createdByKind: 'api_key' | 'user';
  createdById: string;
  expiresAt: string;
  requireCode: boolean;
  routeName?: string | null;
  onBehalfOf?: string | null;
  meeting?: { meetingId: string; agendaItem: string | null; agendaPosition: number; kind: EnvelopeKind } | null;
  now: string;
}

export async function insertEnvelope(db: Db, envelope: NewEnvelope): Promise<void> {
  await db('envelopes').insert({
    id: envelope.id,
    organisation_id: envelope.organisationId,
    title: envelope.title,
    message: envelope.message,
    status: 'draft',
    created_by_kind: envelope.createdByKind,
    created_by_id: envelope.createdById,
    expires_at: envelope.expiresAt,
    require_code: envelope.requireCode,
    route_name: envelope.routeName ?? null,
    on_behalf_of: envelope.onBehalfOf ?? null,
    ...(envelope.meeting
      ? { meeting_id: envelope.meeting.meetingId, agenda_item: envelope.meeting.agendaItem, agenda_position: envelope.meeting.agendaPosition, kind: envelope.meeting.kind }
      : {}),
    created_at: envelope.now,
    updated_at: envelope.now,
  });
}

/**
 * One envelope of an organisation. `forUpdate` locks its row until the transaction ends
 * (PostgreSQL `FOR UPDATE`; on SQLite the transaction already holds the write lock), which
 * serialises every state change of one envelope.
 */
export async function envelopeById(db: Db, organisationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Envelope | null> {
  if (!isUuid(id)) return null;
  const query = db<EnvelopeRow>('envelopes').where({ id, organisation_id: organisationId });
  if (options.forUpdate && isPostgres(db)) query.forUpdate();
  const row = await query.first();
  return row ? toEnvelope(row as EnvelopeRow) : null;
}

export type EnvelopePatch = Partial<{
  status: EnvelopeStatus;
  sentAt: string;
  completedAt: string;
  declinedAt: string;
  cancelledAt: string;
  expiredAt: string;
  cancelReason: string;
}>;

const PATCH_COLUMNS: Record<keyof EnvelopePatch, string> = {
  status: 'status',
  sentAt: 'sent_at',
  completedAt: 'completed_at',
  declinedAt: 'declined_at',
  cancelledAt: 'cancelled_at',
  expiredAt: 'expired_at',
  cancelReason: 'cancel_reason',
};

export async function updateEnvelope(db: Db, organisationId: string, id: string, patch: EnvelopePatch, now: string): Promise<void> {
  await envelopeUpdate(db, organisationId, id, patch, now);
}

/** The statement updateEnvelope sends, to be sent with other writes (writeTogether). */
export function envelopeUpdate(db: Db, organisationId: string, id: string, patch: EnvelopePatch, now: string): Knex.QueryBuilder {
  const values: Record<string, unknown> = { updated_at: now };
  for (const [key, value] of Object.entries(patch)) values[PATCH_COLUMNS[key as keyof EnvelopePatch]] = value;
  return db('envelopes').where({ id, organisation_id: organisationId }).update(values);
}

export interface ListEnvelopesQuery {
  status?: EnvelopeStatus;
  limit: number;
  /** Keyset cursor: envelopes created before this (created_at, id). */
  before?: { createdAt: string; id: string };
}

/** Newest first. */
export async function listEnvelopeRows(db: Db, organisationId: string, query: ListEnvelopesQuery): Promise<Envelope[]> {
  const q = db<EnvelopeRow>('envelopes').where({ organisation_id: organisationId });
  if (query.status) q.andWhere({ status: query.status });
  if (query.before) {
    const { createdAt, id } = query.before;
    q.andWhere((w) => w.where('created_at', '<', createdAt).orWhere((same) => same.where('created_at', '=', createdAt).andWhere('id', '<', id)));
  }
  const rows = await q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(query.limit);
  return (rows as EnvelopeRow[]).map(toEnvelope);
}

/** Open envelopes past their expiry, across organisations: the expiry job's work list. */
export async function envelopesPastExpiry(db: Db, now: string, limit: number): Promise<Array<{ id: string; organisationId: string }>> {
  const rows = await db('envelopes').whereIn('status', ['sent', 'in_progress']).andWhere('expires_at', '<=', now).orderBy('expires_at').limit(limit).select('id', 'organisation_id');
  return rows.map((row: { id: string; organisation_id: string }) => ({ id: row.id, organisationId: row.organisation_id }));
}

/** Every envelope (of one organisation, or all): what `audit verify` walks, so an envelope without any audit event is seen too. */
export async function envelopeKeys(db: Db, scope: { organisationId?: string } = {}): Promise<Array<{ id: string; organisationId: string }>> {
  const q = db('envelopes').select('id', 'organisation_id').orderBy('id');
  if (scope.organisationId) q.where({ organisation_id: scope.organisationId });
  const rows = await q;
  return rows.map((row: { id: string; organisation_id: string }) => ({ id: row.id, organisationId: row.organisation_id }));
}
