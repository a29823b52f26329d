/**
 * Sending one mail (DESIGN §2, §7). Two implementations behind one interface: SMTP for real
 * deployments, and a file outbox for development and the quick start, which writes real
 * MIME `.eml` files and logs their links so a developer can follow a signing link without
 * a mail server. Retries are not done here: the outbox worker owns them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

export interface MailAddress {
  name: string;
  email: string;
}

export interface MailMessage {
  to: MailAddress;
  subject: string;
  /** Always present: the plain-text part, readable on its own. */
  text: string;
  html: string;
  /** Extra headers, for example `X-Paraaf-Envelope`. */
  headers?: Record<string, string>;
  /**
   * The outbox's delivery id (issue 10), committed before sending: the Message-ID becomes
   * `<deliveryId@sender domain>`, so a mail in a recipient's inbox can be matched to its outbox row.
   */
  deliveryId?: string;
  /** The organisation's logo the HTML shows as `cid:` (issue 12): stored as a reference, attached when the mail is sent. */
  inlineLogo?: { sha256: string; contentType: string };
  /** Filled by the outbox worker from `inlineLogo` just before sending; never stored. */
  inline?: Array<{ cid: string; contentType: string; content: Buffer }>;
  /** Files to attach (issue 12: the signed PDFs under RESULT_ATTACH_MAX_KB), stored as blob references. */
  attachmentRefs?: Array<{ filename: string; sha256: string; contentType: string; documentId?: string }>;
  /** Filled by the outbox worker from `attachmentRefs` just before sending; never stored. */
  attachments?: Array<{ filename: string; contentType: string; content: Buffer }>;
}

export interface SentMail {
  messageId: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<SentMail>;
}

/** Timeouts for the SMTP conversation; nodemailer's defaults (2 min, 30 s, 10 min) hold a worker too long. */
export const SMTP_TIMEOUTS = Object.freeze({
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
});

function toNodemailerMessage(message: MailMessage, from: string): SendMailOptions {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'paraaf.local';
  return {
    from,
    ...(message.deliveryId ? { messageId: `<${message.deliveryId}@${domain}>` } : {}),
    to: { name: message.to.name, address: message.to.email },
    subject: message.subject,
    text: message.text,
    html: message.html,
    // RFC 3834 §5: tells auto-responders (out-of-office) not to answer a machine.
    headers: { 'Auto-Submitted': 'auto-generated', ...message.headers },
    ...(message.inline?.length || message.attachments?.length
      ? {
          attachments: [
            ...(message.inline ?? []).map((image) => ({ cid: image.cid, content: image.content, contentType: image.contentType, filename: 'logo.png', contentDisposition: 'inline' as const })),
            ...(message.attachments ?? []).map((file) => ({ filename: file.filename, content: file.content, contentType: file.contentType })),
          ],
        }
      : {}),
  };
}

/** Delivers over SMTP; `smtpUrl` is `smtp://user:pass@host:port` or `smtps://…`. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  return {
    async send(message) {
      const info = await transport.sendMail(toNodemailerMessage(message, from));
      return { messageId: info.messageId };
    },
  };
}

/** Absolute http(s) URLs in a text part; trailing punctuation belongs to the sentence, not the link. */
export function findLinks(text: string): string[] {
  const matches = text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
  return [...new Set(matches.map((link) => link.replace(/[.,;:!?)]+$/, '')))];
}

/** Writes `data` to `file` so that a reader sees either nothing or the whole file. */
async function writeFileAtomic(file: string, data: Buffer): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
}

/**
 * Writes each mail as an RFC 5322 `.eml` file into `outboxDir` and logs, one line per mail,
 * the recipient, the subject and the links in the text part. For development only: the log
 * then holds signing links, which are bearer secrets.
 */
export function createFileMailer(outboxDir: string, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async send(message) {
      const info = await transport.sendMail(toNodemailerMessage(message, from));
      await mkdir(outboxDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const file = path.join(outboxDir, `${stamp}-${randomUUID()}.eml`);
      await writeFileAtomic(file, info.message as Buffer);
      logger.info(
        { to: message.to.email, subject: message.subject, links: findLinks(message.text), file },
        'mail written to the outbox directory (SMTP_URL is not set)',
      );
      return { messageId: info.messageId };
    },
  };
}

/** SMTP when `SMTP_URL` is set, otherwise the file outbox in `DATA_DIR/outbox` (DESIGN §7). */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>, logger: Logger): Mailer {
  if (config.smtpUrl) return createSmtpMailer(config.smtpUrl, config.mailFrom);
  return createFileMailer(path.join(config.dataDir, 'outbox'), config.mailFrom, logger);
}
