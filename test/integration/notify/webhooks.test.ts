import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createLogger } from '../../../src/logger.ts';
import type { Mailer } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { createOutboxWorker, type OutboxItem } from '../../../src/notify/outbox-worker.ts';
import { verifyWebhookSignature } from '../../../src/notify/webhook-signature.ts';

const SECRET = 'whsec_Zm9vYmFy';
const EVENT = { id: 'evt_1', type: 'envelope.completed', occurredAt: '2025-03-04T09:00:00.000Z', data: { envelopeId: 'env_1', title: 'Besluit café' } };

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

/** A webhook receiver on 127.0.0.1:0 that checks each signature and answers as `respond` says. */
async function startReceiver(clock: () => Date, respond: (count: number, res: http.ServerResponse) => void) {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['paraaf-signature'];
      const signatureValid = verifyWebhookSignature(SECRET, typeof header === 'string' ? header : undefined, body, { now: clock() });
      deliveries.push({ headers: req.headers, body, signatureValid });
      respond(deliveries.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/paraaf`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, deliveries, close };
}

const noMail: Mailer = { send: async () => Promise.reject(new Error('no mail in this test')) };
const logger = createLogger({ level: 'silent' });

describe('notify/webhooks through the outbox worker', () => {
  let now: Date;
  const clock = () => now;
  let closeReceiver: (() => Promise<void>) | undefined;
  beforeEach(() => {
    now = new Date('2025-03-04T09:00:00Z');
  });
  afterEach(async () => {
    await closeReceiver?.();
    closeReceiver = undefined;
  });

  function setup(url: string, options: { webhookTimeoutMs?: number } = {}) {
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org_1', kind: 'webhook', payload: EVENT, webhookId: 'wh_1', event: EVENT.type }, now);
    const asked: OutboxItem[] = [];
    const worker = createOutboxWorker({
      store,
      mailer: noMail,
      webhookTarget: async (outboxItem) => {
        asked.push(outboxItem);
        return outboxItem.webhookId === 'wh_1' ? { url, secret: SECRET } : null;
      },
      clock,
      logger,
      ...options,
    });
    return { store, item, worker, asked };
  }

  it('retries a receiver that answers 500 twice with growing backoff, then delivers once', async () => {
    const receiver = await startReceiver(clock, (count, res) => {
      if (count <= 2) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal   error\nretry later');
      } else {
        res.writeHead(204).end();
      }
    });
    closeReceiver = receiver.close;
    const { store, item, worker, asked } = setup(receiver.url);

    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    const first = store.get(item.id)!;
    expect(first).to.include({ status: 'pending', attempts: 1, lastError: 'HTTP 500: Internal error retry later' });
    const firstWait = first.nextAttemptAt.getTime() - now.getTime();
    expect(firstWait).to.be.within(27_000, 33_000);

    now = first.nextAttemptAt;
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    const second = store.get(item.id)!;
    expect(second).to.include({ status: 'pending', attempts: 2 });
    const secondWait = second.nextAttemptAt.getTime() - now.getTime();
    expect(secondWait).to.be.within(108_000, 132_000);
    expect(secondWait).to.be.greaterThan(firstWait);

    now = second.nextAttemptAt;
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    now = new Date(now.getTime() + 86_400_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });

    expect(store.get(item.id)).to.deep.include({ status: 'sent', attempts: 3, info: { status: 204, response: '' } });
    expect(receiver.deliveries).to.have.length(3);
    expect(asked.map((asking) => asking.id)).to.deep.equal([item.id, item.id, item.id]);
    for (const delivery of receiver.deliveries) {
      expect(delivery.signatureValid).to.equal(true);
      expect(JSON.parse(delivery.body)).to.deep.equal(EVENT);
      expect(delivery.headers['content-type']).to.equal('application/json');
      expect(delivery.headers['paraaf-event']).to.equal('envelope.completed');
      expect(delivery.headers['paraaf-delivery']).to.equal(item.id);
    }
    // The timestamp is the worker's clock at each attempt, so a retry is not stale.
    const stamps = receiver.deliveries.map((delivery) => Number(/t=(\d+)/.exec(String(delivery.headers['paraaf-signature']))![1]));
    expect(stamps[2] - stamps[0]).to.be.closeTo((firstWait + secondWait) / 1000, 1);
  });

  it('records the status and the start of the response on success', async () => {
    const receiver = await startReceiver(clock, (_count, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, padding: 'x'.repeat(5000) })));
    closeReceiver = receiver.close;
    const { store, item, worker } = setup(receiver.url);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    const info = store.get(item.id)!.info as { status: number; response: string };
    expect(info.status).to.equal(200);
    expect(info.response).to.match(/^\{"ok":true,"padding":"x+$/);
    expect(info.response.length).to.equal(300);
  });

  it('counts a receiver that never answers as a failure after the timeout', async () => {
    const receiver = await startReceiver(clock, () => {
      /* never answers */
    });
    closeReceiver = receiver.close;
    const { store, item, worker } = setup(receiver.url, { webhookTimeoutMs: 300 });
    const started = Date.now();
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(Date.now() - started).to.be.within(250, 5_000);
    expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1, lastError: 'no answer within 300 ms' });
    expect(receiver.deliveries).to.have.length(1);
  });

  it('counts a refused connection and a redirect as failures', async () => {
    const receiver = await startReceiver(clock, (_count, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    closeReceiver = receiver.close;
    const redirected = setup(receiver.url);
    await redirected.worker.runOnce();
    expect(redirected.store.get(redirected.item.id)!.lastError).to.equal('HTTP 302');

    await receiver.close();
    closeReceiver = undefined;
    const refused = setup(receiver.url);
    expect(await refused.worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    expect(refused.store.get(refused.item.id)!.lastError).to.match(/ECONNREFUSED/);
  });
});
