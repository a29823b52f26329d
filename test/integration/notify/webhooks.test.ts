import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createLogger } from '../../../src/logger.ts';
import type { Mailer } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { createOutboxWorker, type OutboxItem, type OutboxWorkerDeps } from '../../../src/notify/outbox-worker.ts';
import type { HostResolver } from '../../../src/notify/webhook-address.ts';
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

  /** The receivers listen on 127.0.0.1: the narrow test seam allows that one address (WEBHOOK_ALLOW_PRIVATE). */
  function setup(url: string, options: Partial<Pick<OutboxWorkerDeps, 'webhookTimeoutMs' | 'resolveHost' | 'addressPolicy'>> = {}) {
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
      addressPolicy: { allowPrivate: ['127.0.0.1'] },
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
    // The status, never the body: the receiver's answer is not kept (issue 10).
    expect(first).to.include({ status: 'pending', attempts: 1, lastError: 'HTTP 500' });
    expect(first.info).to.include({ status: 500 });
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

    expect(store.get(item.id)).to.deep.include({ status: 'sent', attempts: 3 });
    expect(store.get(item.id)!.info).to.have.keys(['status', 'durationMs']).and.include({ status: 204 });
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

  it('records the status and the duration, never the response body', async () => {
    const receiver = await startReceiver(clock, (_count, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, secret: 'internal-db-password', padding: 'x'.repeat(5000) })));
    closeReceiver = receiver.close;
    const { store, item, worker } = setup(receiver.url);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    const row = store.get(item.id)!;
    expect(row.info).to.have.keys(['status', 'durationMs']);
    expect(row.info).to.include({ status: 200 });
    expect(row.info!.durationMs).to.be.a('number').within(0, 5_000);
    expect(JSON.stringify(row)).to.not.include('internal-db-password');
  });

  describe('refuses internal addresses at delivery, after resolution (issue 10)', () => {
    const resolvesTo =
      (...addresses: string[]): HostResolver =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    const FORBIDDEN: Array<[string, string]> = [
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fd00::1', 'unique-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['::ffff:127.0.0.1', 'loopback'],
    ];

    for (const [address, why] of FORBIDDEN) {
      it(`a host resolving to ${address} (${why}) is refused for good, without a connection`, async () => {
        const { store, item, worker } = setup('https://hooks.example/paraaf', { resolveHost: resolvesTo(address), addressPolicy: { allowPrivate: [] } });
        // The refusal comes before any socket is opened.
        const sockets: unknown[] = [];
        const onSocket = (socket: unknown) => sockets.push(socket);
        diagnostics.subscribe('net.client.socket', onSocket);
        try {
          expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
        } finally {
          diagnostics.unsubscribe('net.client.socket', onSocket);
        }
        const row = store.get(item.id)!;
        expect(row).to.include({ status: 'dead', attempts: 1 });
        expect(row.lastError).to.equal(`refused: ${address} is a ${why} address (hooks.example resolves to it); webhooks are delivered to public addresses only`);
        expect(sockets).to.have.length(0);
      });
    }

    it('refuses when any one of several addresses is internal', async () => {
      const { store, item, worker } = setup('https://hooks.example/paraaf', { resolveHost: resolvesTo('127.0.0.1', '169.254.169.254') });
      expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
      expect(store.get(item.id)).to.include({ status: 'dead' });
      expect(store.get(item.id)!.lastError).to.match(/^refused: 169\.254\.169\.254 is a link-local address/);
    });

    it('refuses a literal internal address in the URL without resolving it, the test seam only allowing 127.0.0.1 itself', async () => {
      for (const url of ['http://127.0.0.2:5432/', 'http://[::1]:5432/', 'https://[::ffff:a9fe:a9fe]/latest/meta-data']) {
        const { store, item, worker } = setup(url, {
          resolveHost: async () => {
            throw new Error('a literal address is not resolved');
          },
        });
        expect(await worker.runOnce(), url).to.deep.equal({ delivered: 0, failed: 1 });
        expect(store.get(item.id), url).to.include({ status: 'dead', attempts: 1 });
        expect(store.get(item.id)!.lastError, url).to.match(/^refused: .* is a (loopback|link-local) address; webhooks are delivered to public addresses only$/);
      }
    });

    it('cannot be rebound: the connection goes to the checked address, DNS is asked once per attempt', async () => {
      const receiver = await startReceiver(clock, (_count, res) => res.writeHead(204).end());
      closeReceiver = receiver.close;
      const port = new URL(receiver.url).port;
      const answers: string[] = [];
      // First answer: the allowed receiver; any later one: the metadata service (a rebinding DNS server).
      const rebinding: HostResolver = async () => {
        const address = answers.length === 0 ? '127.0.0.1' : '169.254.169.254';
        answers.push(address);
        return [{ address, family: 4 }];
      };
      const { store, item, worker } = setup(`http://rebind.example:${port}/hooks/paraaf`, { resolveHost: rebinding });
      expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
      expect(answers, 'resolved once, and that answer was used to connect').to.deep.equal(['127.0.0.1']);
      expect(store.get(item.id)).to.include({ status: 'sent' });
      expect(receiver.deliveries).to.have.length(1);
      expect(receiver.deliveries[0].headers.host).to.equal(`rebind.example:${port}`);

      // The next attempt resolves again and meets the rebound answer: refused, nothing sent.
      const again = setup(`http://rebind.example:${port}/hooks/paraaf`, { resolveHost: rebinding });
      expect(await again.worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
      expect(again.store.get(again.item.id)!.lastError).to.match(/^refused: 169\.254\.169\.254 is a link-local address \(rebind\.example resolves to it\)/);
      expect(receiver.deliveries).to.have.length(1);
    });

    it('retries a host name that does not resolve', async () => {
      const { store, item, worker } = setup('https://hooks.example/paraaf', {
        resolveHost: async () => {
          throw Object.assign(new Error('queryA ETIMEOUT hooks.example'), { code: 'ETIMEOUT' });
        },
      });
      expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
      expect(store.get(item.id)).to.include({ status: 'pending', attempts: 1, lastError: 'could not resolve hooks.example (ETIMEOUT)' });
    });
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
