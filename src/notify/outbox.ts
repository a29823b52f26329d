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
  /** When it was queued (the mail retry window counts from here). */
  createdAt?: Date;
}

/** The envelope and recipient address a mail is for (its `X-Paraaf-Envelope` header and `to`); null for other mails. */
export function mailRecipientKey(payload: unknown): string | null {
  const mail = payload as { to?: { email?: unknown }; headers?: Record<string, unknown> } | null;
  const envelope = mail?.headers?.['X-Paraaf-Envelope'];
  const email = mail?.to?.email;
  return typeof envelope === 'string' && typeof email === 'string' ? `${envelope} ${email.toLowerCase()}` : null;
}

export interface OutboxStore {
  /**
   * Items whose next attempt is due, at most `limit`, leased to this worker so no other
   * worker takes them meanwhile. PostgreSQL: `FOR UPDATE SKIP LOCKED` and a lease column
   * (the lease must outlast a batch: a few minutes; an expired lease makes the item due
   * again, so a crashed worker loses nothing). SQLite: one process, the same lease.
   * Issue 10: a mail still 'sending' once its lease ran out (the worker died mid-send) is not
   * claimed but made 'uncertain' (dead, for staff to retry by hand): at most once per intent.
   * A mail is not claimed while an earlier mail with the same recipient key (same envelope,
   * same address) is still pending: a reminder never overtakes the request it replaces.
   */
  claimDue(now: Date, limit: number): Promise<OutboxItem[]>;
  /**
   * Commits, before the mail is handed to SMTP, that it is being sent under `deliveryId` (its
   * Message-ID). False when the row is no longer this claim's to send (sent, dead, or already
   * being sent by another claim): the caller must then not send it.
   */
  markSending(id: string, deliveryId: string, at: Date): Promise<boolean>;
  /**
   * A mail got through after failures (SMTP is back): every mail waiting for a retry becomes
   * due now, so the backlog drains at once instead of at each mail's own back-off; `exceptIds` (the
   * run's own items) keep their back-off. Returns how many.
   */
  makeFailedMailsDue(now: Date, exceptIds?: readonly string[]): Promise<number>;
  /**
   * The SMTP conversation broke off where the server may already have taken the mail (no answer
   * to the message): counts the attempt, keeps the error, and makes the row 'uncertain' (dead) so
   * it is not sent a second time by itself.
   */
  markUncertain(id: string, error: string): Promise<void>;
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
