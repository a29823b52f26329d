/**
 * What the outbox worker needs from storage (DESIGN §3 `outbox`, §8). The knex
 * implementation lives in src/store; memory-outbox-store.ts is the one for tests.
 */

export interface OutboxItem {
  id: string;
  organisationId: string;
  kind: 'mail' | 'webhook';
  /** Mail: a MailMessage. Webhook: the JSON event body (an object, or its exact JSON text). */
  payload: unknown;
  /** Delivery attempts made before this one. */
  attempts: number;
  webhookId?: string | null;
  event?: string | null;
}

export interface OutboxStore {
  /**
   * Items whose next attempt is due, at most `limit`, leased to this worker so no other
   * worker takes them meanwhile. PostgreSQL: `FOR UPDATE SKIP LOCKED` and a lease column
   * (the lease must outlast a batch: a few minutes; an expired lease makes the item due
   * again, so a crashed worker loses nothing). SQLite: one process, the same lease.
   */
  claimDue(now: Date, limit: number): Promise<OutboxItem[]>;
  /**
   * Delivered: counts the attempt, records `info` (message id, HTTP status), ends the lease.
   * `keptPayload`, when given, replaces the payload (a mail without its live links, issue 10).
   */
  markSent(id: string, at: Date, info?: Record<string, unknown>, keptPayload?: unknown): Promise<void>;
  /**
   * Failed: counts the attempt, keeps the error, ends the lease; `nextAttemptAt` null = dead.
   * `info`: what the attempt got (a webhook's HTTP status and duration), never a response body.
   */
  markFailed(id: string, error: string, nextAttemptAt: Date | null, info?: Record<string, unknown>): Promise<void>;
}

export interface WebhookTarget {
  url: string;
  secret: string;
}
