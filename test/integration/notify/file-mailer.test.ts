import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { createLogger } from '../../../src/logger.ts';
import { createFileMailer, createMailer, findLinks } from '../../../src/notify/mailer.ts';
import { renderMail } from '../../../src/notify/templates.ts';

const SIGNING_URL = 'http://localhost:3000/s/tok_quickstart';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

describe('notify/file mailer (no SMTP_URL)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'paraaf-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const rendered = () =>
    renderMail('signRequest', 'fr', {
      organisationName: 'CPAS de Fourons',
      recipientName: 'Hélène Noël',
      envelopeTitle: 'Procès-verbal du conseil',
      senderName: 'Chloë Secrétariat',
      signingUrl: SIGNING_URL,
      batch: { url: `${SIGNING_URL}/batch`, otherCount: 1 },
    });

  it('writes a parsable .eml with text and HTML parts and logs its links', async () => {
    const { logger, lines } = capture();
    const outbox = join(dir, 'outbox');
    const mailer = createFileMailer(outbox, 'Paraaf <noreply@paraaf.local>', logger);
    const { messageId } = await mailer.send({ to: { name: 'Hélène Noël', email: 'helene@fourons.example.be' }, ...rendered() });

    const files = readdirSync(outbox);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^\d{8}T\d{6}Z-[0-9a-f-]{36}\.eml$/);
    const raw = readFileSync(join(outbox, files[0]));
    expect(raw.includes('\r\n'), 'CRLF line ends (RFC 5322 §2.1)').to.equal(true);

    const parsed = await simpleParser(raw);
    expect(parsed.messageId).to.equal(messageId);
    expect(parsed.subject).to.equal('À signer : Procès-verbal du conseil');
    expect(parsed.text).to.include('Bonjour Hélène Noël,').and.include(SIGNING_URL);
    expect(parsed.html as string).to.include('<html lang="fr-BE">').and.include(`href="${SIGNING_URL}"`);
    expect(parsed.headers.get('content-type')).to.deep.include({ value: 'multipart/alternative' });

    const logged = lines.filter((line) => line.msg === 'mail written to the outbox directory (SMTP_URL is not set)');
    expect(logged).to.have.length(1);
    expect(logged[0]).to.include({ level: 30, to: 'helene@fourons.example.be', subject: 'À signer : Procès-verbal du conseil' });
    expect(logged[0].links).to.deep.equal([SIGNING_URL, `${SIGNING_URL}/batch`]);
  });

  it('is what createMailer picks without SMTP_URL, writing to DATA_DIR/outbox', async () => {
    const { logger } = capture();
    const mailer = createMailer({ dataDir: dir, mailFrom: 'Paraaf <noreply@paraaf.local>', smtpUrl: undefined }, logger);
    await mailer.send({ to: { name: 'A', email: 'a@example.be' }, ...rendered() });
    await mailer.send({ to: { name: 'B', email: 'b@example.be' }, ...rendered() });
    const files = readdirSync(join(dir, 'outbox'));
    expect(files.filter((file) => file.endsWith('.eml'))).to.have.length(2);
    expect(files.filter((file) => file.endsWith('.tmp')), 'no temporary files left').to.have.length(0);
  });

  it('finds links without the punctuation that ends a sentence', () => {
    expect(findLinks('Ga naar https://a.example/s/x. Of (https://a.example/s/y), of https://a.example/s/x')).to.deep.equal([
      'https://a.example/s/x',
      'https://a.example/s/y',
    ]);
  });
});
