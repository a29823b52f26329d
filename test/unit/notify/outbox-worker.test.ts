import { expect } from 'chai';
import { createLogger } from '../../../src/logger.ts';
import type { MailMessage, Mailer } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { RETRY_DELAYS_MS, createOutboxWorker, retryDelayMs } from '../../../src/notify/outbox-worker.ts';

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

    it('adds at most ±10 % jitter', () => {
      expect(retryDelayMs(1, () => 0)).to.equal(27_000);
      expect(retryDelayMs(1, () => 0.999999)).to.be.closeTo(33_000, 1);
      for (let i = 0; i < 100; i += 1) expect(retryDelayMs(2)).to.be.within(108_000, 132_000);
    });
  });

  it('retries until maxAttempts and then marks the item dead, keeping the last error', async () => {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const mailer = failingMailer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' }));
    const worker = createOutboxWorker({ store, mailer, webhookTarget: async () => null, clock, logger, maxAttempts: 3, random: () => 0.5 });

    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1, lastError: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:25' });
    expect(store.get(item.id)!.nextAttemptAt.getTime() - now.getTime()).to.equal(30_000);

    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 }); // not due yet
    now = new Date(now.getTime() + 30_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(store.get(item.id)!.nextAttemptAt.getTime() - now.getTime()).to.equal(120_000);
    now = new Date(now.getTime() + 120_000);
    await worker.runOnce();
    expect(store.get(item.id)).to.include({ status: 'dead', attempts: 3 });
    now = new Date(now.getTime() + 86_400_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(mailer.calls).to.equal(3);
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

  it('counts an item whose outcome cannot be recorded as failed and leaves it leased', async () => {
    const store = createMemoryOutboxStore({ leaseMs: 60_000 });
    const item = store.enqueue({ organisationId: 'org', kind: 'mail', payload: MAIL }, now);
    const broken = { ...store, markSent: async () => Promise.reject(new Error('database is locked')) };
    const mailer: Mailer = { send: async () => ({ messageId: '<1@x>' }) };
    const worker = createOutboxWorker({ store: broken, mailer, webhookTarget: async () => null, clock, logger });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 0 });
    expect(await store.claimDue(now, 10)).to.have.length(0);
    now = new Date(now.getTime() + 60_000);
    expect((await store.claimDue(now, 10)).map((claimed) => claimed.id)).to.deep.equal([item.id]);
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
