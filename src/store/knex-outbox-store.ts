/**
 * The outbox on knex (DESIGN §8): use cases insert rows in their own transaction; the worker
 * claims due rows through `OutboxStore`. A claim is a lease: next_attempt_at moves to now +
 * lease, so a crashed worker's items come back when it runs out. PostgreSQL takes the rows with
 * `FOR UPDATE SKIP LOCKED` so instances never claim the same row; SQLite has one writer at a
 * time (BEGIN IMMEDIATE) and needs no skip. Statuses: pending → sent, or pending (retried,
 * attempts + 1, last_error) → dead.
 */
import { randomUUID } from 'node:crypto';
import { mailRecipientKey, type OutboxItem, type OutboxStore, type WebhookTarget } from '../notify/outbox.ts';
import { withTransaction } from './transaction.ts';
import { fromJson, isoTimestamp, isPostgres, toIso, toJson, type Db } from './sql.ts';
import type { Knex } from 'knex';

export const OUTBOX_LEASE_MS = 5 * 60_000;

interface OutboxRow {
  id: string;
  organisation_id: string;
  kind: 'mail' | 'webhook';
  payload: unknown;
  attempts: number | string;
  webhook_id: string | null;
  event: string | null;
  created_at?: unknown;
}

/** Shown to staff on a mail whose worker died while handing it to SMTP. */
export const UNCERTAIN_MAIL_ERROR = 'uncertain: the worker stopped while handing this mail to the mail server; it may or may not have arrived, so it is not sent again by itself';

/** A webhook attempt's HTTP status and duration (never a response body); nulls when it had none. */
function deliveryFacts(info: Record<string, unknown> | undefined): { response_status: number | null; duration_ms: number | null } {
  const whole = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : null);
  return { response_status: whole(info?.status), duration_ms: whole(info?.durationMs) };
}

export function createKnexOutboxStore(db: Knex, options: { leaseMs?: number } = {}): OutboxStore {
  const leaseMs = options.leaseMs ?? OUTBOX_LEASE_MS;
  return {
    async claimDue(now, limit) {
      return withTransaction(db, async (trx) => {
        const at = isoTimestamp(now);
        // At most once (issue 10): a mail whose lease ran out while it was being handed to SMTP
        // may have arrived; sending it again could duplicate it, so staff decide instead.
        await trx('outbox')
          .where({ status: 'pending', delivery_state: 'sending' })
          .andWhere('next_attempt_at', '<=', at)
          .update({ status: 'dead', delivery_state: 'uncertain', last_error: UNCERTAIN_MAIL_ERROR, sending_since: null });
        const query = trx<OutboxRow>('outbox as o')
          .where('o.status', 'pending')
          // Never one being handed to SMTP, whose lease ran out after the update above looked: on PostgreSQL each
          // statement sees what was committed when it began, and a claim here re-leased such a mail for another lease
          // (its send then skipped by markSending), where the next claim should make it uncertain.
          .whereNull('o.delivery_state')
          .andWhere('o.next_attempt_at', '<=', at)
          // Per envelope and recipient in creation order: a reminder waits for the request it replaces.
          .whereNotExists(function earlierPending() {
            this.select(trx.raw('1'))
              .from('outbox as e')
              .whereRaw('e.recipient_key = o.recipient_key')
              .andWhere('e.status', 'pending')
              .andWhereRaw('e.created_at < o.created_at');
          })
          .orderBy('o.next_attempt_at')
          .limit(limit)
          .select('o.id', 'o.organisation_id', 'o.kind', 'o.payload', 'o.attempts', 'o.webhook_id', 'o.event', 'o.created_at');
        if (isPostgres(trx)) query.forUpdate('o').skipLocked();
        const rows = (await query) as OutboxRow[];
        if (rows.length === 0) return [];
        await trx('outbox')
          .whereIn('id', rows.map((row) => row.id))
          .update({ next_attempt_at: isoTimestamp(new Date(now.getTime() + leaseMs)) });
        return rows.map(
          (row): OutboxItem => ({
            id: row.id,
            organisationId: row.organisation_id,
            kind: row.kind,
            payload: fromJson(row.payload),
            attempts: Number(row.attempts),
            webhookId: row.webhook_id,
            event: row.event,
            createdAt: new Date(toIso(row.created_at)),
          }),
        );
      });
    },

    async markSending(id, deliveryId, at) {
      const updated = await db('outbox')
        .where({ id, status: 'pending' })
        .whereNull('delivery_state')
        .update({ delivery_state: 'sending', delivery_id: deliveryId, sending_since: isoTimestamp(at) });
      return Number(updated) > 0;
    },

    async makeFailedMailsDue(now, exceptIds = []) {
      const at = isoTimestamp(now);
      const query = db('outbox');
      if (exceptIds.length > 0) query.whereNotIn('id', exceptIds);
      const updated = await query
        .where({ kind: 'mail', status: 'pending' })
        .whereNull('delivery_state')
        .andWhere('attempts', '>', 0)
        .whereNotNull('last_error')
        .andWhere('next_attempt_at', '>', at)
        .update({ next_attempt_at: at });
      return Number(updated);
    },

    async markSent(id, at, info, keptPayload) {
      await db('outbox')
        .where({ id })
        // Also a mail made 'uncertain' meanwhile (its lease ran out during a slow send): it did arrive.
        .andWhere((w) => w.where('status', 'pending').orWhere((u) => u.where({ status: 'dead', delivery_state: 'uncertain' })))
        .update({
          status: 'sent',
          sent_at: isoTimestamp(at),
          attempts: db.raw('attempts + 1'),
          last_error: null,
          delivery_state: null,
          sending_since: null,
          ...deliveryFacts(info),
          ...(keptPayload === undefined ? {} : { payload: toJson(keptPayload) }),
        });
    },

    async markUncertain(id, error) {
      await db('outbox')
        .where({ id, status: 'pending' })
        .update({ status: 'dead', delivery_state: 'uncertain', sending_since: null, attempts: db.raw('attempts + 1'), last_error: `uncertain: ${error}` });
    },

    async markFailed(id, error, nextAttemptAt, info) {
      await db('outbox')
        .where({ id, status: 'pending' })
        .update({
          attempts: db.raw('attempts + 1'),
          last_error: error,
          // The server answered with a refusal: nothing was delivered, so a retry cannot duplicate.
          delivery_state: null,
          sending_since: null,
          ...deliveryFacts(info),
          ...(nextAttemptAt ? { next_attempt_at: isoTimestamp(nextAttemptAt) } : { status: 'dead' }),
        });
    },
  };
}

export interface NewOutboxItem {
  organisationId: string;
  kind: 'mail' | 'webhook';
  payload: unknown;
  webhookId?: string | null;
  event?: string | null;
  now: Date;
}

/** Queues one delivery inside the caller's transaction; returns its id. */
export async function enqueueOutbox(db: Db, item: NewOutboxItem): Promise<string> {
  const row = outboxRow(item);
  await outboxInsert(db, [row]);
  return row.id;
}

/** A delivery's new row, its id made here: to insert with others (outboxInsert). */
export type NewOutboxRow = Record<string, unknown> & { id: string };

export function outboxRow(item: NewOutboxItem): NewOutboxRow {
  const now = isoTimestamp(item.now);
  return {
    id: randomUUID(),
    organisation_id: item.organisationId,
    kind: item.kind,
    recipient_key: item.kind === 'mail' ? mailRecipientKey(item.payload) : null,
    payload: toJson(item.payload),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    webhook_id: item.webhookId ?? null,
    event: item.event ?? null,
  };
}

/** The statement that queues `rows` (none for none), to be sent with other writes (writeTogether). */
export function outboxInsert(db: Db, rows: readonly NewOutboxRow[]): Knex.QueryBuilder | undefined {
  return rows.length === 0 ? undefined : db('outbox').insert(rows);
}

/** Live webhooks of an organisation subscribed to `event` (an empty list or `*` means every event). */
export async function webhooksSubscribedTo(db: Db, organisationId: string, event: string): Promise<Array<{ id: string; url: string }>> {
  const rows = await db('webhooks').where({ organisation_id: organisationId }).whereNull('disabled_at').select('id', 'url', 'events');
  return rows
    .filter((row: { events: unknown }) => {
      const events = fromJson<string[]>(row.events) ?? [];
      return events.length === 0 || events.includes(event) || events.includes('*');
    })
    .map((row: { id: string; url: string }) => ({ id: row.id, url: row.url }));
}

/** For the worker: the target of a webhook delivery, or null when the webhook is gone or disabled. */
export function knexWebhookTarget(db: Knex): (item: OutboxItem) => Promise<WebhookTarget | null> {
  return async (item) => {
    if (!item.webhookId) return null;
    const row = await db('webhooks').where({ id: item.webhookId, organisation_id: item.organisationId }).whereNull('disabled_at').first('url', 'secret');
    return row ? { url: row.url, secret: row.secret } : null;
  };
}

export interface OutboxRecord {
  id: string;
  organisationId: string;
  kind: 'mail' | 'webhook';
  payload: unknown;
  status: string;
  attempts: number;
  webhookId: string | null;
  event: string | null;
  lastError: string | null;
}

/** For staff views and tests: an organisation's outbox, oldest first. */
export async function listOutbox(db: Db, organisationId: string, filter: { kind?: 'mail' | 'webhook'; status?: string } = {}): Promise<OutboxRecord[]> {
  const query = db('outbox').where({ organisation_id: organisationId });
  if (filter.kind) query.andWhere({ kind: filter.kind });
  if (filter.status) query.andWhere({ status: filter.status });
  const rows = await query.orderBy([{ column: 'created_at' }, { column: 'id' }]);
  return rows.map((row: OutboxRow & { status: string; last_error: string | null }) => ({
    id: row.id,
    organisationId: row.organisation_id,
    kind: row.kind,
    payload: fromJson(row.payload),
    status: row.status,
    attempts: Number(row.attempts),
    webhookId: row.webhook_id,
    event: row.event,
    lastError: row.last_error,
  }));
}

/** Some outbox rows of an organisation by id (those an envelope's `mail.queued` events name). */
export async function outboxByIds(db: Db, organisationId: string, ids: readonly string[]): Promise<Array<OutboxRecord & { nextAttemptAt: string | null; createdAt: string; deliveryState: string | null }>> {
  if (ids.length === 0) return [];
  const rows = await db('outbox').where({ organisation_id: organisationId }).whereIn('id', ids).orderBy([{ column: 'created_at' }, { column: 'id' }]);
  return rows.map((row: OutboxRow & { status: string; last_error: string | null; next_attempt_at: unknown; created_at: unknown; delivery_state: string | null }) => ({
    id: row.id,
    organisationId: row.organisation_id,
    kind: row.kind,
    payload: fromJson(row.payload),
    status: row.status,
    attempts: Number(row.attempts),
    webhookId: row.webhook_id,
    event: row.event,
    lastError: row.last_error,
    nextAttemptAt: toIso(row.next_attempt_at, 'nullable'),
    createdAt: toIso(row.created_at),
    deliveryState: row.delivery_state ?? null,
  }));
}

/** Makes a failed (dead, or pending after failures) delivery due now; false when it is not failed. */
export async function makeOutboxDue(db: Db, organisationId: string, id: string, now: Date): Promise<boolean> {
  const updated = await db('outbox')
    .where({ id, organisation_id: organisationId })
    .andWhere((w) => w.where('status', 'dead').orWhere((p) => p.where('status', 'pending').andWhere('attempts', '>', 0)))
    .update({ status: 'pending', next_attempt_at: isoTimestamp(now), delivery_state: null, sending_since: null });
  return Number(updated) > 0;
}
