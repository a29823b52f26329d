/**
 * Issue 10, mail delivery on the knex store (SQLite, and PostgreSQL with TEST_DATABASE_URL) and a
 * real SMTP server:
 * - after an outage the backlog drains within a minute of SMTP returning (formerly the last mails
 *   came 11 minutes later: each waited out its own back-off);
 * - a worker killed (-9) while the SMTP server stalls mid-DATA does not send the mail again after
 *   a restart: the row is 'uncertain' (dead, for staff to retry by hand), at most once per intent.
 * The worker is driven with an injected clock: the assertions are about order and state, not wall time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../../src/logger.ts';
import { createSmtpMailer, type MailMessage } from '../../../src/notify/mailer.ts';
import { createOutboxWorker } from '../../../src/notify/outbox-worker.ts';
import { createKnexOutboxStore, enqueueOutbox, makeOutboxDue, OUTBOX_LEASE_MS } from '../../../src/store/knex-outbox-store.ts';
import { createOrganisation } from '../../../src/store/organisations.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { startSmtpTestServer, type SmtpTestServer } from './smtp-test-server.ts';

const FROM = 'Paraaf <noreply@paraaf.test>';
const logger = createLogger({ level: 'silent' });

function mail(i: number): MailMessage {
  return { to: { name: `Ontvanger ${i}`, email: `r${i}@zonnebeke.test` }, subject: `Te ondertekenen ${i}`, text: `Mail ${i}`, html: `<p>Mail ${i}</p>`, headers: { 'X-Paraaf-Envelope': `env_${i}` } };
}

/** An SMTP server that takes the message and never answers it; `started` resolves with the headers it got. */
async function startStallingSmtp(): Promise<{ server: SMTPServer; port: number; started: Promise<string> }> {
  let dataStarted!: (chunk: string) => void;
  const started = new Promise<string>((resolve) => (dataStarted = resolve));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream) {
      let seen = '';
      stream.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (/\r?\n\r?\n/.test(seen)) dataStarted(seen); // the headers are in: the mail is mid-DATA
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.server.address() as AddressInfo).port, started };
}

describe('mail delivery: bounded back-off and at most once (issue 10)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let organisationId: string;
  let smtp: SmtpTestServer;

  beforeEach(async () => {
    app = await bootstrap();
    organisationId = (await createOrganisation(app.deps.db, { slug: `org-${Date.now().toString(36)}`, name: 'Gemeente Zonnebeke' })).id;
    smtp = await startSmtpTestServer();
  });
  afterEach(async () => {
    await smtp?.close();
    await app?.close();
  });

  it('drains the backlog of an SMTP outage within a minute of SMTP returning, each mail once', async () => {
    const db = app.deps.db;
    let now = new Date('2026-12-06T08:00:00Z');
    // Worst-case jitter: every retry waits the longest it can.
    const worker = createOutboxWorker({ store: createKnexOutboxStore(db), mailer: createSmtpMailer(`smtp://127.0.0.1:${smtp.port}`, FROM), webhookTarget: async () => null, clock: () => now, logger, random: () => 0.999 });
    /** What the polling loop does: runs again at once while there is work, else after the 2 s interval. */
    async function poll(): Promise<void> {
      for (;;) {
        const { delivered, failed } = await worker.runOnce();
        if (delivered + failed === 0) break;
      }
      now = new Date(now.getTime() + 2_000);
    }

    await smtp.close();
    const ids: string[] = [];
    // 30 mails queued over a 20-minute outage, the worker polling throughout.
    for (let i = 0; i < 30; i += 1) {
      ids.push(await enqueueOutbox(db, { organisationId, kind: 'mail', payload: mail(i), now }));
      for (let t = 0; t < 40_000; t += 2_000) await poll();
    }
    const failing = await db('outbox').whereIn('id', ids).select('status', 'attempts', 'next_attempt_at');
    expect(failing.every((row: { status: string }) => row.status === 'pending')).to.equal(true);
    expect(Math.max(...failing.map((row: { attempts: number }) => Number(row.attempts))), 'the oldest was retried many times').to.be.greaterThan(20);
    // The cap: no mail waits more than 33 s (30 s + jitter) for its next attempt.
    for (const row of failing) expect(new Date(row.next_attempt_at).getTime() - now.getTime()).to.be.at.most(33_000);

    await smtp.listen(); // the same port
    const back = now.getTime();
    let lastDelivered = back;
    while (now.getTime() < back + 5 * 60_000 && smtp.received.length < ids.length) {
      await poll();
      if (smtp.received.length > 0) lastDelivered = now.getTime();
    }
    expect(smtp.received, 'every mail arrived').to.have.length(ids.length);
    expect(lastDelivered - back, 'the last mail within a minute of SMTP returning').to.be.at.most(60_000);
    const rows = await db('outbox').whereIn('id', ids).select('status', 'delivery_id');
    expect(rows.map((row: { status: string }) => row.status)).to.deep.equal(ids.map(() => 'sent'));
    const messageIds = await Promise.all(smtp.received.map(async (received) => (await simpleParser(received.raw)).messageId));
    expect(new Set(messageIds).size, 'each mail once').to.equal(ids.length);
    // The Message-ID carries the delivery id committed before sending.
    expect(messageIds.sort()).to.deep.equal(rows.map((row: { delivery_id: string }) => `<${row.delivery_id}@paraaf.test>`).sort());
  });

  it('after a kill -9 while SMTP stalls mid-DATA, a restarted worker does not resend the mail but marks it uncertain', async () => {
    const db = app.deps.db;
    const { server: stalling, port: stallingPort, started } = await startStallingSmtp();
    const id = await enqueueOutbox(db, { organisationId, kind: 'mail', payload: mail(1), now: new Date() });

    const config = (db.client as { config: { searchPath?: string[] } }).config;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./outbox-child.ts', import.meta.url))], {
      env: {
        ...process.env,
        CHILD_DB_CLIENT: app.config.database.client,
        CHILD_DB_URL: app.config.database.url,
        CHILD_DB_SCHEMA: config.searchPath?.[0] ?? '',
        CHILD_SMTP_URL: `smtp://127.0.0.1:${stallingPort}`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const headers = await started;
      const row = await db('outbox').where({ id }).first('status', 'delivery_state', 'delivery_id', 'attempts');
      expect(row).to.deep.include({ status: 'pending', delivery_state: 'sending', attempts: 0 });
      expect(headers).to.include(`Message-ID: <${row.delivery_id}@paraaf.test>`);
      child.kill('SIGKILL');
      const [, signal] = await once(child, 'exit');
      expect(signal).to.equal('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }

    // The restarted worker, once the dead worker's lease ran out; the mail server works again.
    let now = new Date(Date.now() + OUTBOX_LEASE_MS + 1_000);
    const worker = createOutboxWorker({ store: createKnexOutboxStore(db), mailer: createSmtpMailer(`smtp://127.0.0.1:${smtp.port}`, FROM), webhookTarget: async () => null, clock: () => now, logger });
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    now = new Date(now.getTime() + 3_600_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });
    expect(smtp.received, 'not sent a second time').to.have.length(0);
    const uncertain = await db('outbox').where({ id }).first('status', 'delivery_state', 'last_error');
    expect(uncertain).to.include({ status: 'dead', delivery_state: 'uncertain' });
    expect(uncertain.last_error).to.match(/^uncertain: /);

    // Staff decide: the retry they already have (the mail list's button) sends it, once.
    expect(await makeOutboxDue(db, organisationId, id, now)).to.equal(true);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    expect(smtp.received).to.have.length(1);
    expect(await db('outbox').where({ id }).first('status', 'delivery_state')).to.deep.equal({ status: 'sent', delivery_state: null });
  });

  it('does not resend a mail whose SMTP server went quiet after taking the message (socket timeout): it is uncertain', async () => {
    const db = app.deps.db;
    const { server: stalling, port, started } = await startStallingSmtp();
    const id = await enqueueOutbox(db, { organisationId, kind: 'mail', payload: mail(2), now: new Date() });
    let now = new Date();
    try {
      const worker = createOutboxWorker({ store: createKnexOutboxStore(db), mailer: createSmtpMailer(`smtp://127.0.0.1:${port}/?socketTimeout=300`, FROM), webhookTarget: async () => null, clock: () => now, logger });
      expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
      await started;
      const row = await db('outbox').where({ id }).first('status', 'delivery_state', 'attempts', 'last_error');
      expect(row).to.deep.include({ status: 'dead', delivery_state: 'uncertain', attempts: 1 });
      expect(row.last_error).to.match(/^uncertain: ETIMEDOUT: Timeout/);
      now = new Date(now.getTime() + 3_600_000);
      expect(await worker.runOnce(), 'not retried by itself').to.deep.equal({ delivered: 0, failed: 0 });
    } finally {
      await new Promise<void>((resolve) => stalling.close(() => resolve()));
    }
  });
});
