import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { createLogger } from '../../../src/logger.ts';
import { createSmtpMailer, type MailMessage } from '../../../src/notify/mailer.ts';
import { createMemoryOutboxStore } from '../../../src/notify/memory-outbox-store.ts';
import { createOutboxWorker } from '../../../src/notify/outbox-worker.ts';
import { renderMail } from '../../../src/notify/templates.ts';
import { startSmtpTestServer, type SmtpTestServer } from './smtp-test-server.ts';

const SIGNING_URL = 'https://paraaf.example.be/s/tok_ZmFrZS10b2tlbg';
const FROM = 'Paraaf <noreply@paraaf.local>';

function signRequestMail(): MailMessage {
  const rendered = renderMail('signRequest', 'nl', {
    organisationName: 'Gemeente Kortenberg',
    recipientName: 'Anaïs Geëerts',
    envelopeTitle: 'Besluiten gemeenteraad — café-terrassen',
    senderName: 'Zoë Secretariaat',
    message: 'Graag vóór vrijdag. Dank u!',
    deadline: new Date('2025-03-07T16:00:00Z'),
    signingUrl: SIGNING_URL,
    batch: { url: `${SIGNING_URL}/batch`, otherCount: 2 },
  });
  return { to: { name: 'Anaïs Geëerts', email: 'anais.geeerts@kortenberg.example.be' }, ...rendered, headers: { 'X-Paraaf-Envelope': 'env_1' } };
}

describe('notify over a real SMTP server', () => {
  let smtp: SmtpTestServer;
  const logger = createLogger({ level: 'silent' });

  beforeEach(async () => {
    smtp = await startSmtpTestServer({ paraaf: 's3cr€t' });
  });
  afterEach(async () => {
    await smtp.close();
  });

  it('delivers a sign request with text and HTML parts in UTF-8, authenticated', async () => {
    const mailer = createSmtpMailer(`smtp://paraaf:${encodeURIComponent('s3cr€t')}@127.0.0.1:${smtp.port}`, FROM);
    const message = signRequestMail();
    const { messageId } = await mailer.send(message);

    expect(smtp.received).to.have.length(1);
    const [received] = smtp.received;
    expect(received.user).to.equal('paraaf');
    expect(received.from).to.equal('noreply@paraaf.local');
    expect(received.to).to.deep.equal(['anais.geeerts@kortenberg.example.be']);

    const parsed = await simpleParser(received.raw);
    expect(parsed.messageId).to.equal(messageId);
    expect(parsed.subject).to.equal('Te ondertekenen: Besluiten gemeenteraad — café-terrassen');
    expect(parsed.from?.value[0]).to.deep.include({ name: 'Paraaf', address: 'noreply@paraaf.local' });
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]).to.deep.include({ name: 'Anaïs Geëerts', address: 'anais.geeerts@kortenberg.example.be' });
    expect(parsed.headers.get('x-paraaf-envelope')).to.equal('env_1');
    expect(parsed.headers.get('auto-submitted')).to.equal('auto-generated');
    expect(parsed.text).to.include('Beste Anaïs Geëerts,');
    expect(parsed.text).to.include('Zoë Secretariaat van Gemeente Kortenberg vraagt u');
    expect(parsed.text).to.include(SIGNING_URL);
    expect(parsed.text).to.include('Doe dit ten laatste op vrijdag 7 maart 2025 om 17:00.');
    expect(parsed.text).to.include(`${SIGNING_URL}/batch`);
    expect(parsed.html).to.be.a('string');
    expect(parsed.html as string).to.include('<html lang="nl-BE">');
    expect(parsed.html as string).to.include(`<a href="${SIGNING_URL}"`);
    expect(parsed.html as string).to.include('Graag vóór vrijdag. Dank u!');
    expect(parsed.html as string).to.include('Besluiten gemeenteraad — café-terrassen');
  });

  it('rejects wrong credentials as an error the worker can retry', async () => {
    const mailer = createSmtpMailer(`smtp://paraaf:wrong@127.0.0.1:${smtp.port}`, FROM);
    const error = await mailer.send(signRequestMail()).then(() => null, (caught: unknown) => caught as { code?: string });
    expect(error?.code).to.equal('EAUTH');
    expect(smtp.received).to.have.length(0);
  });

  it('keeps a mail while SMTP is down and delivers it once after the server is back', async () => {
    let now = new Date('2025-03-04T09:00:00Z');
    const store = createMemoryOutboxStore();
    const item = store.enqueue({ organisationId: 'org_1', kind: 'mail', payload: signRequestMail() }, now);
    const worker = createOutboxWorker({
      store,
      mailer: createSmtpMailer(`smtp://127.0.0.1:${smtp.port}`, FROM),
      webhookTarget: async () => null,
      clock: () => now,
      logger,
    });

    await smtp.close();
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 1 });
    const failed = store.get(item.id)!;
    expect(failed).to.include({ status: 'pending', attempts: 1 });
    expect(failed.lastError).to.match(/ECONNREFUSED/);
    const wait = failed.nextAttemptAt.getTime() - now.getTime();
    expect(wait).to.be.within(27_000, 33_000);

    await smtp.listen(); // same port
    expect(await worker.runOnce(), 'not due before the backoff has passed').to.deep.equal({ delivered: 0, failed: 0 });
    expect(smtp.received).to.have.length(0);

    now = new Date(now.getTime() + wait);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 1, failed: 0 });
    now = new Date(now.getTime() + 3_600_000);
    expect(await worker.runOnce()).to.deep.equal({ delivered: 0, failed: 0 });

    expect(smtp.received, 'exactly one delivery').to.have.length(1);
    const sent = store.get(item.id)!;
    expect(sent).to.include({ status: 'sent', attempts: 2 });
    const parsed = await simpleParser(smtp.received[0].raw);
    expect(sent.info).to.deep.equal({ messageId: parsed.messageId });
    expect(parsed.subject).to.equal('Te ondertekenen: Besluiten gemeenteraad — café-terrassen');
  });
});

describe('notify over an SMTP server that never greets', () => {
  it('gives up at the greeting timeout (tunable in the URL) instead of holding the worker', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const mailer = createSmtpMailer(`smtp://127.0.0.1:${port}/?greetingTimeout=200`, FROM);
      const started = Date.now();
      const error = await mailer.send(signRequestMail()).then(() => null, (caught: unknown) => caught as { code?: string });
      expect(error?.code).to.equal('ETIMEDOUT');
      expect(Date.now() - started).to.be.below(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
