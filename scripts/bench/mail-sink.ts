/**
 * The benchmarks' mail server: a real SMTP server on loopback (smtp-server) that the bench servers
 * deliver to (`SMTP_URL`), keeping only the signing link of each mail by recipient and envelope.
 * Production refuses the file mailer, and a delivered mail's outbox row keeps no live link
 * (issue 10), so the links are read here, as a signer reads them from the mail.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface MailSink {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  /** Mails received so far. */
  received(): number;
  /** envelope id → the newest signing-link token mailed to `email` for it. */
  links(email: string): Map<string, string>;
  /** Resolves with the newest token for (email, envelope) as soon as one has arrived. */
  waitForLink(email: string, envelopeId: string, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/** Undoes quoted-printable soft line breaks and escapes (nodemailer's text and html parts). */
function unQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A signing link of any instance (each mails its own BASE_URL). */
const LINK = /https?:\/\/[^\s"'<>]+?\/s\/([A-Za-z0-9_-]{20,})/;

export async function startMailSink(): Promise<MailSink> {
  const byEmail = new Map<string, Map<string, string>>();
  const waiters = new Set<() => void>();
  let count = 0;
  const record = (raw: string) => {
    count += 1;
    const headerEnd = raw.indexOf('\r\n\r\n');
    const headers = raw.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
    const envelopeId = /^X-Paraaf-Envelope: *(\S+)/im.exec(headers)?.[1];
    const to = /^To: *(?:.*<)?([^<>\s]+@[^<>\s]+?)>?\s*$/im.exec(headers)?.[1]?.toLowerCase();
    const token = LINK.exec(unQuotedPrintable(raw.slice(headerEnd)))?.[1];
    if (!envelopeId || !to || !token) return;
    let forEmail = byEmail.get(to);
    if (!forEmail) byEmail.set(to, (forEmail = new Map()));
    forEmail.set(envelopeId, token);
    for (const wake of [...waiters]) wake();
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        record(Buffer.concat(chunks).toString('latin1'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const links = (email: string) => new Map(byEmail.get(email.toLowerCase()) ?? []);
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => count,
    links,
    waitForLink(email, envelopeId, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const token = byEmail.get(email.toLowerCase())?.get(envelopeId);
          if (!token) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(token);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no signing link for ${email} on ${envelopeId} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
