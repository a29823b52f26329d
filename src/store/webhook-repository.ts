/**
 * Webhook subscriptions (DESIGN §7, Webhooks) and the delivery attempts the outbox keeps for
 * them. Every function takes the organisation: another organisation's webhook is as absent as
 * an unknown one.
 *
 * The secret is stored as is in `webhooks.secret`, unlike API keys and signing-link tokens,
 * which are stored only as SHA-256: those are checked by hashing what the client presents,
 * but a webhook secret keys the HMAC of every delivery (`Paraaf-Signature`), so the worker must
 * be able to read it back. It is shown to the client once, when the webhook is created.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { fromJson, isoTimestamp, isUuid, toIso, toJson, type Db } from './sql.ts';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: string;
  disabledAt: string | null;
}

export interface NewWebhook {
  organisationId: string;
  url: string;
  events: readonly string[];
  description?: string | null;
  secret: string;
  now: Date;
}

interface WebhookRow {
  id: string;
  url: string;
  events: unknown;
  description: string | null;
  created_at: unknown;
  disabled_at: unknown;
}

const WEBHOOK_COLUMNS = ['id', 'url', 'events', 'description', 'created_at', 'disabled_at'] as const;

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: fromJson<string[]>(row.events) ?? [],
    description: row.description ?? null,
    createdAt: toIso(row.created_at),
    disabledAt: toIso(row.disabled_at, 'nullable'),
  };
}

export async function insertWebhook(db: Db, webhook: NewWebhook): Promise<Webhook> {
  const id = randomUUID();
  await db('webhooks').insert({
    id,
    organisation_id: webhook.organisationId,
    url: webhook.url,
    secret: webhook.secret,
    events: toJson(webhook.events),
    description: webhook.description ?? null,
    created_at: isoTimestamp(webhook.now),
  });
  const created = await webhookById(db, webhook.organisationId, id);
  if (!created) throw new Error(`webhook ${id} vanished after insert`);
  return created;
}

/** Live webhooks of the organisation, oldest first (an organisation has a handful). */
export async function listWebhooks(db: Db, organisationId: string): Promise<Webhook[]> {
  const rows = await db('webhooks')
    .where({ organisation_id: organisationId })
    .whereNull('disabled_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select(...WEBHOOK_COLUMNS);
  return (rows as WebhookRow[]).map(toWebhook);
}

/** A live webhook of the organisation, or null (unknown, disabled, another organisation's, not a uuid). */
export async function webhookById(db: Db, organisationId: string, id: string): Promise<Webhook | null> {
  if (!isUuid(id)) return null;
  const row = await db('webhooks')
    .where({ id, organisation_id: organisationId })
    .whereNull('disabled_at')
    .first(...WEBHOOK_COLUMNS);
  return row ? toWebhook(row as WebhookRow) : null;
}

/**
 * Disables a webhook: no new deliveries are queued for it, and queued ones go dead when the
 * worker reaches them (`knexWebhookTarget` no longer finds it). The row stays for the
 * deliveries that reference it. Returns false when there was no such live webhook.
 */
export async function disableWebhook(db: Db, organisationId: string, id: string, now: Date): Promise<boolean> {
  if (!isUuid(id)) return false;
  const updated = await db('webhooks').where({ id, organisation_id: organisationId }).whereNull('disabled_at').update({ disabled_at: isoTimestamp(now) });
  return Number(updated) > 0;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'dead';

/** One webhook delivery from the outbox: the attempts so far and where it stands. */
export interface WebhookDelivery {
  id: string;
  event: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** HTTP status of the last attempt (never its body); null when nothing answered. */
  responseStatus: number | null;
  /** How long the last attempt took; null when nothing was sent. */
  durationMs: number | null;
  /** When the worker tries again; null once the delivery is sent or dead. */
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface DeliveryPage {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

interface DeliveryRow {
  id: string;
  event: string | null;
  status: DeliveryStatus;
  attempts: number | string;
  last_error: string | null;
  response_status: number | string | null;
  duration_ms: number | string | null;
  next_attempt_at: unknown;
  created_at: unknown;
  sent_at: unknown;
}

function encodeCursor(delivery: WebhookDelivery): string {
  return Buffer.from(JSON.stringify({ c: delivery.createdAt, i: delivery.id })).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown };
    if (typeof value.c === 'string' && typeof value.i === 'string' && !Number.isNaN(Date.parse(value.c))) return { createdAt: value.c, id: value.i };
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('Invalid cursor.');
}

/** Deliveries of one webhook, newest first, a page at a time (keyset cursor on created_at, id). */
export async function listWebhookDeliveries(
  db: Db,
  organisationId: string,
  webhookId: string,
  options: { limit: number; cursor?: string },
): Promise<DeliveryPage> {
  const query = db('outbox')
    .where({ organisation_id: organisationId, webhook_id: webhookId, kind: 'webhook' })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(options.limit + 1)
    .select('id', 'event', 'status', 'attempts', 'last_error', 'response_status', 'duration_ms', 'next_attempt_at', 'created_at', 'sent_at');
  if (options.cursor) {
    const before = decodeCursor(options.cursor);
    query.andWhere((q) => q.where('created_at', '<', before.createdAt).orWhere((same) => same.where('created_at', '=', before.createdAt).andWhere('id', '<', before.id)));
  }
  const rows = (await query) as DeliveryRow[];
  const items = rows.slice(0, options.limit).map(
    (row): WebhookDelivery => ({
      id: row.id,
      event: row.event,
      status: row.status,
      attempts: Number(row.attempts),
      lastError: row.last_error,
      responseStatus: row.response_status === null ? null : Number(row.response_status),
      durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
      nextAttemptAt: row.status === 'pending' || row.status === 'failed' ? toIso(row.next_attempt_at) : null,
      createdAt: toIso(row.created_at),
      sentAt: toIso(row.sent_at, 'nullable'),
    }),
  );
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
}
