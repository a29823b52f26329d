/** A real SMTP server in the test process (smtp-server), collecting what it receives. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: Buffer;
  from: string | undefined;
  to: string[];
  user: string | undefined;
}

export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  /**
   * When set, each message is recorded as received and then its answer (250) waits for this promise:
   * a server that has the message but has not confirmed it (multi-instance kill test).
   */
  hold?: () => Promise<void>;
  /** Addresses answered with 550 at RCPT TO, as a mailbox that does not exist (issue 12: a bounced mail). */
  rejectRecipients: Set<string>;
  /** Starts listening (again) on `port`; 0 picks a free port the first time. */
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpTestServer(users: Record<string, string> = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const handle: SmtpTestServer = {
    port: 0,
    received,
    rejectRecipients: new Set(),
    async listen() {
      server = new SMTPServer({
        authOptional: true,
        allowInsecureAuth: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.username && users[auth.username] === auth.password) callback(null, { user: auth.username });
          else callback(new Error('Invalid username or password'));
        },
        onRcptTo(address, _session, callback) {
          if (handle.rejectRecipients.has(address.address.toLowerCase())) {
            return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push({
              raw: Buffer.concat(chunks),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              user: session.user as string | undefined,
            });
            if (handle.hold) void handle.hold().then(() => callback());
            else callback();
          });
        },
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(handle.port, '127.0.0.1', () => resolve());
      });
      handle.port = (listening.server.address() as AddressInfo).port;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
  await handle.listen();
  return handle;
}
