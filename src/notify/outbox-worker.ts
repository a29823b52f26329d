/**
 * Delivers what use cases put in the outbox (DESIGN §8): mails through the Mailer, webhooks
 * as signed POSTs. A failure is recorded and retried with backoff and jitter, then the item is
 * dead and stays visible to staff. Nothing is dropped: an item leaves the queue only through
 * markSent or a dead markFailed.
 *
 * Webhooks are delivered at least once: a crash between delivering and markSent delivers again
 * after the lease runs out, which is why they carry `Paraaf-Delivery` for receivers to deduplicate.
 *
 * Mails (issue 10) go to people, who cannot deduplicate, so they are sent at most once per intent:
 * before the SMTP conversation starts the row is committed as 'sending' with its delivery id (the
 * Message-ID). A row still 'sending' when its lease runs out (the worker was killed mid-send) is
 * made 'uncertain' by claimDue — dead, visible to staff with the failed mails and their retry
 * button — and never resent by itself; so is a mail whose server went quiet mid-conversation
 * (socket timeout), which it may have accepted. Mail retries are capped at MAIL_RETRY_CAP_MS: all mails
 * go to one SMTP server, so a short cap costs little (a refused connection) and bounds how long
 * after SMTP returns the first retry comes; and once a mail gets through, every mail waiting for
 * a retry is made due at once when a retried mail gets through, so a backlog drains within a minute of SMTP returning instead of
 * each mail waiting out its own back-off (hours under the former 30 s … 6 h schedule). A mail is
 * dead after `maxAttempts` AND `mailRetryWindowMs` since it was queued, so the cap does not
 * shorten how long a mail is retried. Mails of one envelope to one recipient go in creation order
 * (claimDue), so a reminder never overtakes the request whose link it revokes.
 */
import type { Logger } from '../logger.ts';
import { LOGO_CID } from './mail-layout.ts';
import type { MailMessage, Mailer } from './mailer.ts';
import type { OutboxItem, OutboxStore, WebhookTarget } from './outbox.ts';
import { checkWebhookHost, systemResolver, type HostResolver, type WebhookAddressPolicy } from './webhook-address.ts';
import { postWebhook, WebhookTimeoutError } from './webhook-http.ts';
import { signWebhook } from './webhook-signature.ts';
import { deliveredMailPayload } from './delivered-mail.ts';
import { randomUUID } from 'node:crypto';

export type { OutboxItem, OutboxStore, WebhookTarget } from './outbox.ts';

/** Waits after the 1st, 2nd, … failed attempt; the last one repeats (the ±10 % jitter comes on top). */
export const RETRY_DELAYS_MS: readonly number[] = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];

/** Mails wait at most this long between attempts (the ±10 % jitter comes on top). */
export const MAIL_RETRY_CAP_MS = 30_000;

/** How long a mail is retried from when it was queued before it is dead (about the former 12 attempts). */
export const MAIL_RETRY_WINDOW_MS = 36 * 3_600_000;

/** The wait before the next attempt after `failedAttempts` failures; `random` in [0, 1); `capMs` bounds the wait before jitter. */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random, capMs = Infinity): number {
  const index = Math.min(Math.max(failedAttempts, 1), RETRY_DELAYS_MS.length) - 1;
  // Jitter spreads out the retries of items that failed together (one SMTP outage).
  return Math.round(Math.min(RETRY_DELAYS_MS[index], capMs) * (0.9 + 0.2 * random()));
}

export interface OutboxWorkerDeps {
  store: OutboxStore;
  mailer: Mailer;
  /** The webhook an item is for; null when it was deleted meanwhile (the item is then dead). */
  webhookTarget: (item: OutboxItem) => Promise<WebhookTarget | null>;
  /** Resolves a webhook's host name (default node:dns, every address); tests make names resolve where they need. */
  resolveHost?: HostResolver;
  /** Internal addresses that may be reached all the same (`WEBHOOK_ALLOW_PRIVATE`); default none. */
  addressPolicy?: WebhookAddressPolicy;
  clock: () => Date;
  logger: Logger;
  /** Reads a stored blob: the organisation's logo a mail shows inline (issue 12). Without it such a mail goes without the image. */
  blob?: (sha256: string) => Promise<Buffer>;
  /** The current revision's blob of a document (an attachment that names one, issue 12); the stored sha256 when absent. */
  currentRevision?: (documentId: string) => Promise<string | null>;
  random?: () => number;
  /** Attempts before an item is dead. Default 12: about a day and a half of webhook retries. */
  maxAttempts?: number;
  /** A mail is dead only once it is also this old (ms since queued). Default MAIL_RETRY_WINDOW_MS. */
  mailRetryWindowMs?: number;
  /** Pause between polls. Default 2 s. */
  intervalMs?: number;
  /** Items claimed and delivered (concurrently) per run. Default 10. */
  batchSize?: number;
  /** Default 10 s. */
  webhookTimeoutMs?: number;
}

export interface OutboxWorker {
  runOnce(): Promise<{ delivered: number; failed: number }>;
  start(): void;
  stop(): Promise<void>;
}

type Outcome =
  | { ok: true; info: Record<string, unknown> }
  /** `permanent`: retrying cannot help (a rejected address, a deleted webhook). */
  | { ok: false; error: string; permanent?: boolean; info?: Record<string, unknown> }
  /** Not ours to send any more (another claim is sending it, or it is done): nothing to record. */
  | { ok: false; skipped: true }
  /** The server may have taken the mail without saying so: not to be sent again by itself. */
  | { ok: false; uncertain: true; error: string };

const MAX_ERROR_LENGTH = 500;
function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`;
}

function isMailMessage(payload: unknown): payload is MailMessage {
  const mail = payload as Partial<MailMessage> | null;
  return typeof mail?.to?.email === 'string' && typeof mail.subject === 'string' && typeof mail.text === 'string';
}

export function createOutboxWorker(deps: OutboxWorkerDeps): OutboxWorker {
  const { store, mailer, clock, logger } = deps;
  /** The logo the mail's HTML shows as `cid:`; a blob that cannot be read fails this attempt (retried), like an SMTP error. */
  const inlineImages = async (mail: MailMessage): Promise<Pick<MailMessage, 'inline'>> => {
    if (!mail.inlineLogo || !deps.blob) return {};
    return { inline: [{ cid: LOGO_CID, contentType: mail.inlineLogo.contentType, content: await deps.blob(mail.inlineLogo.sha256) }] };
  };
  /** Attached files (issue 12); a blob that cannot be read fails this attempt (retried), never a mail without them. */
  const attachedFiles = async (mail: MailMessage): Promise<Pick<MailMessage, 'attachments'>> => {
    if (!mail.attachmentRefs?.length) return {};
    if (!deps.blob) throw new Error('this mail has attachments but the worker cannot read blobs');
    const read = deps.blob;
    const current = async (ref: NonNullable<MailMessage['attachmentRefs']>[number]) => (ref.documentId && deps.currentRevision ? await deps.currentRevision(ref.documentId) : null) ?? ref.sha256;
    return { attachments: await Promise.all(mail.attachmentRefs.map(async (ref) => ({ filename: ref.filename, contentType: ref.contentType, content: await read(await current(ref)) }))) };
  };
  const resolveHost = deps.resolveHost ?? systemResolver;
  const addressPolicy = deps.addressPolicy ?? { allowPrivate: [] };
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxAttempts ?? 12;
  const mailRetryWindowMs = deps.mailRetryWindowMs ?? MAIL_RETRY_WINDOW_MS;
  const intervalMs = deps.intervalMs ?? 2_000;
  const batchSize = deps.batchSize ?? 10;
  const webhookTimeoutMs = deps.webhookTimeoutMs ?? 10_000;

  async function deliverMail(item: OutboxItem): Promise<Outcome> {
    if (!isMailMessage(item.payload)) return { ok: false, error: 'invalid mail payload', permanent: true };
    // Committed before the first byte goes to SMTP: after a crash from here on the row is 'uncertain', never resent.
    const deliveryId = randomUUID();
    if (!(await store.markSending(item.id, deliveryId, clock()))) return { ok: false, skipped: true };
    try {
      const { messageId } = await mailer.send({ ...item.payload, ...(await inlineImages(item.payload)), ...(await attachedFiles(item.payload)), deliveryId });
      return { ok: true, info: { messageId } };
    } catch (error) {
      const { code, responseCode, timeoutType } = error as { code?: string; responseCode?: number; timeoutType?: string };
      // The server went quiet after the greeting (nodemailer's socket timeout): typically a slow
      // answer to the message itself, which the server may well have accepted. At most once: staff
      // decide. A refused connection, a greeting timeout or any answer with a code is certain.
      if (code === 'ETIMEDOUT' && timeoutType === 'SOCKET_TIMEOUT') return { ok: false, uncertain: true, error: describeError(error) };
      // The server refused the recipient for good (5xx on RCPT TO): retrying will not change that.
      const permanent = code === 'EENVELOPE' && typeof responseCode === 'number' && responseCode >= 500;
      return { ok: false, error: describeError(error), permanent };
    }
  }

  async function deliverWebhook(item: OutboxItem): Promise<Outcome> {
    const target = await deps.webhookTarget(item);
    if (!target) return { ok: false, error: 'the webhook no longer exists', permanent: true };
    const body = typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload);
    const event = item.event ?? (item.payload as { type?: unknown } | null)?.type;
    const timestamp = Math.floor(clock().getTime() / 1000);
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      return { ok: false, error: 'the webhook URL is invalid', permanent: true };
    }
    // Checked at every attempt, after DNS resolution; the request then goes to that address only.
    const checked = await checkWebhookHost(url.hostname, addressPolicy, resolveHost);
    if (!checked.ok) return { ok: false, error: checked.reason, permanent: checked.permanent };
    const started = performance.now();
    let status: number;
    try {
      ({ status } = await postWebhook({
        url,
        address: checked.address,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Paraaf-Webhooks/1',
          'Paraaf-Signature': signWebhook(target.secret, body, timestamp),
          'Paraaf-Event': typeof event === 'string' ? event : '',
          'Paraaf-Delivery': item.id,
        },
        body,
        timeoutMs: webhookTimeoutMs,
      }));
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      return { ok: false, error: error instanceof WebhookTimeoutError ? error.message : describeError(error), info: { durationMs } };
    }
    const durationMs = Math.round(performance.now() - started);
    // The status and the time it took, never the body: the receiver's answer is not ours to keep or show.
    if (status >= 200 && status < 300) return { ok: true, info: { status, durationMs } };
    // A redirect is an answer, not a delivery: the receiver should fix its URL.
    return { ok: false, error: `HTTP ${status}`, info: { status, durationMs } };
  }

  /** Delivers one item and records the outcome; true when delivered, null when skipped. */
  async function deliver(item: OutboxItem): Promise<boolean | null> {
    const attempt = item.attempts + 1;
    const log = { outboxId: item.id, organisationId: item.organisationId, kind: item.kind, attempt };
    let outcome: Outcome;
    try {
      outcome = item.kind === 'mail' ? await deliverMail(item) : await deliverWebhook(item);
    } catch (error) {
      outcome = { ok: false, error: describeError(error) };
    }
    if ('skipped' in outcome) return null;
    if ('uncertain' in outcome) {
      const error = truncate(outcome.error, MAX_ERROR_LENGTH - 20);
      await store.markUncertain(item.id, error);
      logger.error({ ...log, error }, 'mail may or may not have been delivered; it is not resent by itself and needs attention');
      return false;
    }
    const now = clock();
    if (outcome.ok) {
      // A delivered mail keeps no live signing, reset or invite link in the outbox (issue 10).
      const kept = item.kind === 'mail' && isMailMessage(item.payload) ? deliveredMailPayload(item.payload) : undefined;
      await store.markSent(item.id, now, outcome.info, kept);
      logger.info({ ...log, status: outcome.info.status, messageId: outcome.info.messageId }, 'outbox item delivered');
      return true;
    }
    const error = truncate(outcome.error, MAX_ERROR_LENGTH);
    const isMail = item.kind === 'mail';
    const retriedLongEnough = !isMail || !item.createdAt || now.getTime() - item.createdAt.getTime() >= mailRetryWindowMs;
    const dead = outcome.permanent || (attempt >= maxAttempts && retriedLongEnough);
    const nextAttemptAt = dead ? null : new Date(now.getTime() + retryDelayMs(attempt, random, isMail ? MAIL_RETRY_CAP_MS : Infinity));
    await store.markFailed(item.id, error, nextAttemptAt, outcome.info);
    if (dead) logger.error({ ...log, error }, 'outbox item failed for good; it needs attention');
    else logger.warn({ ...log, error, nextAttemptAt }, 'outbox item failed; will retry');
    return false;
  }

  /** Mails made due at once by the last run (SMTP is back): the next run follows without a pause. */
  let drained = 0;

  async function runOnce(): Promise<{ delivered: number; failed: number }> {
    drained = 0;
    const items = await store.claimDue(clock(), batchSize);
    const results = await Promise.allSettled(items.map(deliver));
    let delivered = 0;
    let failed = 0;
    let mailDelivered = false;
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled') {
        if (result.value === null) continue;
        if (result.value) {
          delivered += 1;
          // A retried mail got through: SMTP is back (a first attempt that succeeds says nothing about the backlog).
          if (items[index].kind === 'mail' && items[index].attempts > 0) mailDelivered = true;
        } else failed += 1;
      } else {
        // Recording the outcome failed (database down): the lease runs out and the item comes back.
        failed += 1;
        logger.error({ outboxId: items[index].id, err: result.reason }, 'could not record an outbox delivery');
      }
    }
    // After the whole batch; not this batch's own failures (a greylisted mail is not retried at every run).
    if (mailDelivered) {
      drained = await store.makeFailedMailsDue(clock(), items.map((item) => item.id));
      if (drained > 0) logger.info({ count: drained }, 'a mail got through: the mails waiting for a retry are due now');
    }
    return { delivered, failed };
  }

  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    running = runOnce().then(
      // A full batch means more may be waiting: go on at once instead of after a pause.
      ({ delivered, failed }) => schedule(delivered + failed >= batchSize || drained > 0 ? 0 : intervalMs),
      (error: unknown) => {
        logger.error({ err: error }, 'outbox run failed');
        schedule(intervalMs);
      },
    );
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
