import { expect } from 'chai';
import { createLogger } from '../../../src/logger.ts';
import type { MailMessage, Mailer } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { MAIL_RETRY_CAP_MS, MAIL_RETRY_WINDOW_MS, RETRY_DELAYS_MS, createOutboxWorker, retryDelayMs } from '../../../src/notify/outbox-worker.ts';

const MAIL: MailMessage = { to: { name: 'Jan', email: 'jan@example.be' }, subject: 'S', text: 'T', html: '<p>T</p>' };
const logger = createLogger({ level: 'silent' });

function failingMailer(error: Error & { code?: string; responseCode?: number }): Mailer & { calls: number } {
  return {
    calls: 0,
    async send() {
      this.calls += 1;
      throw error;
    },
  };
}

describe('notify/outbox-worker (unit)', () => {
  let now: Date;
  const clock = () => now;
  beforeEach(() => {
    now = new Date('2025-03-04T09:00:00Z');
  });

  describe('retryDelayMs', () => {
    it('follows 30 s, 2 min, 10 min, 1 h, 6 h and then stays at 6 h', () => {
      const mid = () => 0.5;
      expect([1, 2, 3, 4, 5, 6, 20].map((n) => retryDelayMs(n, mid))).to.deep.equal([
        30_000, 120_000, 600_000, 3_600_000, 21_600_000, 21_600_000, 21_600_000,
      ]);
      expect(RETRY_DELAYS_MS[0]).to.equal(30_000);
    });

    it('caps the wait at capMs before jitter (mails: 30 s)', () => {
      expect([1, 2, 3, 6].map((n) => retryDelayMs(n, () => 0.5, MAIL_RETRY_CAP_MS))).to.deep.equal([30_000, 30_000, 30_000, 30_000]);
      expect(retryDelayMs(5, () => 0.999999, MAIL_RETRY_CAP_MS)).to.be.closeTo(33_000, 1);
    });

    it('adds at most ±10 % jitter', () => {
      expect(retryDelayMs(1, () => 0)).to.equal(27_000);
      expect(retryDelayMs(1, () => 0.999999)).to.be.closeTo(33_000, 1);
      for (let i = 0; i < 100; i += 1) expect(retryDelayMs(2)).to.be.within(108_000, 132_000);
    });
  });

  it('retries a mail every 30 s (capped) until maxAttempts and the retry window have both passed, then marks it dead, keeping the last error', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const mailer = failingMailer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' }));
    const worker = createOutboxWorker({ store, mailer, webhookTarget: async () => null, clock, logger, maxAttempts: 3, mailRetryWindowMs: 120_000, random: () => 0.5 });

    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1, lastError: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:25' });
    expect(store.get(item.id)!.nextAttemptAt.getTime() - now.getTime()).to.equal(30_000);

    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 }); // not due yet
    for (let attempt = 2; attempt <= 4; attempt += 1) {
      now = new Date(now.getTime() + 30_000);
      expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
      // Capped at 30 s (formerly 2 min, 10 min, …); attempt 3 reached maxAttempts but the mail is only 90 s old.
      expect(store.get(item.id)).to.include({ status: 'pending', attempts: attempt });
      expect(store.get(item.id)!.nextAttemptAt.getTime() - now.getTime()).to.equal(30_000);
    }
    now = new Date(now.getTime() + 30_000);
    await worker.runOnce();
    expect(store.get(item.id)).to.include({ status: 'dead', attempts: 5 });
    now = new Date(now.getTime() + 86_400_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(mailer.calls).to.equal(5);
    expect(MAIL_RETRY_WINDOW_MS).to.equal(36 * 3_600_000);
  });

  it('keeps the long schedule for webhooks and marks them dead after maxAttempts', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'webhook', payload: { type: 'envelope.sent' }, webhookId: 'w' }, now);
    const worker = createOutboxWorker({
      store,
      mailer: failingMailer(new Error('not called')),
      webhookTarget: async () => ({ url: 'https://hooks.example/in', secret: 's' }),
      resolveHost: async () => {
        throw Object.assign(new Error('getaddrinfo EAI_AGAIN hooks.example'), { code: 'EAI_AGAIN' });
      },
      clock,
      logger,
      maxAttempts: 2,
      random: () => 0.5,
    });
    await worker.runOnce();
    expect(store.get(item.id)!.nextAttemptAt.getTime() - now.getTime()).to.equal(30_000);
    now = new Date(now.getTime() + 30_000);
    await worker.runOnce();
    expect(store.get(item.id)).to.include({ status: 'dead', attempts: 2 });
  });

  it('gives up at once on a recipient the server refuses for good', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const refused = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 No such user"), { code: 'EENVELOPE', responseCode: 550 });
    const worker = createOutboxWorker({ store, mailer: failingMailer(refused), webhookTarget: async () => null, clock, logger });
    await worker.runOnce();
    expect(store.get(item.id)).to.include({ status: 'dead', attempts: 1 });
    expect(store.get(item.id)!.lastError).to.match(/^EENVELOPE: .*550 No such user/);
  });

  it('retries a temporary refusal (4xx)', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const greylisted = Object.assign(new Error('451 Try again later'), { code: 'EENVELOPE', responseCode: 451 });
    const worker = createOutboxWorker({ store, mailer: failingMailer(greylisted), webhookTarget: async () => null, clock, logger });
    await worker.runOnce();
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1 });
  });

  it('marks malformed mail payloads and webhooks that no longer exist dead', async () => {
    const store = createMemoryOutboxStore();
    const bad = store.enqueue({ organisationId: 'org', kind: 'mail', payload: { to: 'nobody' } }, now);
    const orphan = store.enqueue({ organisationId: 'org', kind: 'webhook', payload: { type: 'envelope.sent' }, webhookId: 'gone' }, now);
    let resolved = false;
    const worker = createOutboxWorker({
      store,
      mailer: failingMailer(new Error('not called')),
      webhookTarget: async () => null,
      resolveHost: async () => {
        resolved = true;
        throw new Error('not called');
      },
      clock,
      logger,
    });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 2 });
    expect(store.get(bad.id)).to.include({ status: 'dead', lastError: 'invalid mail payload' });
    expect(store.get(orphan.id)).to.include({ status: 'dead', lastError: 'the webhook no longer exists' });
    expect(resolved).to.equal(false);
  });

  it('counts a mail whose delivery cannot be recorded as failed, and after its lease makes it uncertain instead of sending it again', async () => {
    const store = createMemoryOutboxStore({ leaseMs: 60_000 });
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const broken = { ...store, markSent: async () => Promise.reject(new Error('database is locked')) };
    let sends = 0;
    const mailer: Mailer = {
      send: async () => {
        sends += 1;
        return { messageId: '<1@x>' };
      },
    };
    const worker = createOutboxWorker({ store: broken, mailer, webhookTarget: async () => null, clock, logger });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 0, deliveryState: 'sending' });
    expect(store.get(item.id)!.deliveryId).to.be.a('string');
    expect(await store.claimDue(now, 10)).to.have.length(0);
    now = new Date(now.getTime() + 60_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(store.get(item.id)).to.include({ status: 'dead', deliveryState: 'uncertain' });
    expect(sends, 'at most once').to.equal(1);
  });

  it('does not send a mail another claim is already sending', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    expect(await store.markSending(item.id, 'other-claim', now)).to.equal(true);
    const mailer = failingMailer(new Error('not called'));
    const worker = createOutboxWorker({ store: { ...store, claimDue: async () => [item] }, mailer, webhookTarget: async () => null, clock, logger });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(mailer.calls).to.equal(0);
    expect(store.get(item.id)).to.include({ status: 'pending', deliveryId: 'other-claim' });
  });

  it('sends the mails to one recipient of one envelope in creation order: a reminder waits for the request', async () => {
    const store = createMemoryOutboxStore();
    const mail = (subject: string, email = 'jan@example.be', envelope = 'env_1'): MailMessage => ({ ...MAIL, subject, to: { name: 'Jan', email }, headers: { 'X-Paraaf-Envelope': envelope } });
    const request = store.enqueue({ organisationId: 'org', kind: 'mail', payload: mail('request') }, now);
    let down = true;
    const sent: string[] = [];
    const mailer: Mailer = {
      async send(message) {
        if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' });
        sent.push(`${message.to.email} ${message.subject}`);
        return { messageId: `<${sent.length}@x>` };
      },
    };
    const worker = createOutboxWorker({ store, mailer, webhookTarget: async () => null, clock, logger, random: () => 0.5 });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    now = new Date(now.getTime() + 5_000);
    const reminder = store.enqueue({ organisationId: 'org', kind: 'mail', payload: mail('reminder', 'JAN@example.be') }, now);
    const other = store.enqueue({ organisationId: 'org', kind: 'mail', payload: mail('other envelope', 'jan@example.be', 'env_2') }, now);
    down = false;
    expect(await worker.runOnce(), 'the reminder waits; another envelope does not').to.deep.equal({ delivered: 1, failed: 0 });
    expect(sent).to.deep.equal(['jan@example.be other envelope']);
    expect(store.get(reminder.id)).to.include({ status: 'pending', attempts: 0 });
    now = new Date(now.getTime() + 30_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(sent).to.deep.equal(['jan@example.be other envelope', 'jan@example.be request', 'JAN@example.be reminder']);
    expect([request, reminder, other].map((i) => store.get(i.id)!.status)).to.deep.equal(['sent', 'sent', 'sent']);
  });

  it('once a retried mail gets through, makes every mail waiting for a retry due now', async () => {
    const store = createMemoryOutboxStore();
    let down = true;
    let sends = 0;
    const mailer: Mailer = {
      async send() {
        if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' });
        sends += 1;
        return { messageId: `<${sends}@x>` };
      },
    };
    // The jitter spreads their retries: due 27 to 33 s after failing together.
    const jitter = [0, 1 / 3, 2 / 3, 0.99];
    const worker = createOutboxWorker({ store, mailer, webhookTarget: async () => null, clock, logger, batchSize: 1, random: () => jitter.shift() ?? 0.5 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now).id);
    for (let i = 0; i < 4; i += 1) expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(ids.map((id) => store.get(id)!.nextAttemptAt.getTime() - now.getTime())).to.deep.equal([27_000, 29_000, 31_000, 32_940]);
    down = false;
    now = new Date(now.getTime() + 27_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    const waiting = store.list().filter((row) => row.status === 'pending');
    expect(waiting).to.have.length(3);
    expect(waiting.map((row) => row.nextAttemptAt.getTime()), 'due now, not at their own back-off').to.deep.equal([now.getTime(), now.getTime(), now.getTime()]);
    for (let i = 0; i < 3; i += 1) expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(store.list().map((row) => row.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent']);
  });

  it('polls with start() without overlapping runs, and stop() waits for the run in flight', async () => {
    const store = createMemoryOutboxStore();
    for (let i = 0; i < 5; i += 1) store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    let inFlight = 0;
    let maxInFlight = 0;
    let sent = 0;
    const mailer: Mailer = {
      async send() {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight -= 1;
        sent += 1;
        return { messageId: `<${sent}@x>` };
      },
    };
    // batchSize 1: each run delivers one item, so overlapping runs would show as inFlight > 1.
    const worker = createOutboxWorker({ store, mailer, webhookTarget: async () => null, clock, logger, intervalMs: 1, batchSize: 1 });
    worker.start();
    worker.start(); // idempotent
    await new Promise((resolve) => setTimeout(resolve, 80));
    await worker.stop();
    const sentAtStop = sent;
    expect(inFlight).to.equal(0);
    expect(maxInFlight).to.equal(1);
    expect(sentAtStop).to.be.at.least(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).to.equal(sentAtStop);
    expect(store.list().filter((row) => row.status === 'sent')).to.have.length(sentAtStop);
  });
});
