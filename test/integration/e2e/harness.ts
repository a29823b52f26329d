/**
 * End-to-end harness: the real app (bootstrap) with SMTP_URL pointing at a real SMTP server in
 * this process, a dev PKI issuer, one organisation with an API key. Tests act as the users do:
 * the zaaksysteem over the API, the recipients through the links they find in their mails
 * (parsed with mailparser), the signer pages driven like a browser without JavaScript.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { simpleParser, type ParsedMail } from 'mailparser';
import request from 'supertest';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../notify/smtp-test-server.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

export const BASE_URL = 'https://paraaf.test';
export const ORGANISATION = 'Gemeente Zonnebeke';
/** A fixed deadline, so the mails can be checked against a date written out by hand. */
export const EXPIRES_AT = '2031-06-30T15:00:00+02:00';
export const DEADLINE_NL = 'maandag 30 juni 2031 om 15:00';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]{20,})(?![A-Za-z0-9_\/-])/;

export interface Mail {
  /** SMTP envelope recipient. */
  to: string;
  subject: string;
  text: string;
  html: string;
  envelopeId: string | undefined;
  /** The signing link's token, when the mail has one. */
  token: string | undefined;
  parsed: ParsedMail;
}

export type MailKind = 'signRequest' | 'completed' | 'declined' | 'cancelled' | 'expired';
const SUBJECT_PREFIX: Record<MailKind, string> = {
  signRequest: 'Te ondertekenen: ',
  completed: 'Ondertekend: ',
  declined: 'Geweigerd: ',
  cancelled: 'Ingetrokken: ',
  expired: 'Verlopen: ',
};

export interface E2E {
  app: TestApp;
  smtp: SmtpTestServer;
  organisation: Organisation;
  key: string;
  rootPem: string;
  auth(key?: string): Record<string, string>;
  /** POST /api/v1/envelopes with the fixture decision. */
  createEnvelope(envelope: Record<string, unknown>, options?: { idempotencyKey?: string; key?: string }): Promise<request.Response>;
  getEnvelope(id: string): Promise<EnvelopeBody>;
  downloadCurrent(envelopeId: string, documentId: string): Promise<Buffer>;
  audit(envelopeId: string): Promise<AuditEvent[]>;
  /** Runs the outbox until nothing is due; answers the totals. */
  deliver(): Promise<{ delivered: number; failed: number }>;
  /** Every mail received so far (parsed once), optionally only those of one envelope and/or recipient. */
  mails(filter?: { envelopeId?: string; to?: string }): Promise<Mail[]>;
  /** The one mail of `kind` to `to` for the envelope; fails if there is not exactly one. */
  theMail(envelopeId: string, to: string, kind: MailKind): Promise<Mail>;
  /** GET /s/:token as a browser. */
  openLink(token: string, userAgent?: string): Promise<request.Response>;
  /** Opens the page, takes the form's CSRF token, ticks consent and posts. */
  sign(token: string, userAgent?: string): Promise<request.Response>;
  decline(token: string, reason: string, userAgent?: string): Promise<request.Response>;
  close(): Promise<void>;
}

export interface EnvelopeBody {
  id: string;
  status: string;
  title: string;
  recipients: Array<{ id: string; name: string; email: string; role: string; status: string; routingOrder: number }>;
  documents: Array<{ id: string; name: string; currentRevision: { seq: number; kind: string; sha256?: string } }>;
  [key: string]: unknown;
}

export interface AuditEvent {
  seq: number;
  occurredAt: string;
  action: string;
  actor: { kind: string; id: string | null; label: string | null };
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  documentSha256: string | null;
  prevHash: string;
  hash: string;
}

export const csrfOf = (page: string, action: 'sign' | 'decline'): string => {
  const form = page.slice(page.indexOf(`/${action}"`));
  const match = /name="_csrf" value="([^"]+)"/.exec(form);
  expect(match, `a ${action} form with a CSRF token on the page`).to.not.equal(null);
  return match![1]!;
};

export async function startE2E(options: { env?: Record<string, string>; clock?: () => Date } = {}): Promise<E2E> {
  const pki = await devPki();
  const smtp = await startSmtpTestServer();
  let app: TestApp;
  try {
    app = await bootstrap({
      pki,
      trustAnchors: [pki.rootCertificate],
      clock: options.clock,
      env: {
        BASE_URL,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Paraaf <noreply@paraaf.test>',
        SIGNER_SECRET: 'e2e-'.padEnd(48, 'x'),
        SIGNER_RATE_LIMIT: '10000',
        ...options.env,
      },
    });
  } catch (error) {
    await smtp.close();
    throw error;
  }
  const organisation = await createOrganisation(app.deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: ORGANISATION });
  const key = (await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  const auth = (k = key) => ({ Authorization: `Bearer ${k}` });

  const parsedMails: Mail[] = [];
  const mails = async (filter: { envelopeId?: string; to?: string } = {}): Promise<Mail[]> => {
    while (parsedMails.length < smtp.received.length) {
      const received = smtp.received[parsedMails.length]!;
      const parsed = await simpleParser(received.raw);
      expect(received.to, 'one SMTP recipient per mail').to.have.length(1);
      const text = parsed.text ?? '';
      const envelopeHeader = parsed.headers.get('x-paraaf-envelope');
      parsedMails.push({
        to: received.to[0]!,
        subject: parsed.subject ?? '',
        text,
        html: typeof parsed.html === 'string' ? parsed.html : '',
        envelopeId: typeof envelopeHeader === 'string' ? envelopeHeader : undefined,
        token: LINK.exec(text)?.[1],
        parsed,
      });
    }
    return parsedMails.filter((m) => (!filter.envelopeId || m.envelopeId === filter.envelopeId) && (!filter.to || m.to === filter.to));
  };

  const browserPost = (token: string, action: 'sign' | 'decline', form: Record<string, string>, userAgent: string) =>
    request(app.url).post(`/s/${token}/${action}`).set('User-Agent', userAgent).type('form').send(form);

  const e2e: E2E = {
    app,
    smtp,
    organisation,
    key,
    rootPem: pki.rootCertificate.toString(),
    auth,
    createEnvelope(envelope, opts = {}) {
      const req = request(app.url).post('/api/v1/envelopes').set(auth(opts.key)).set('User-Agent', 'Zaaksysteem/4.2 (e2e)');
      if (opts.idempotencyKey) req.set('Idempotency-Key', opts.idempotencyKey);
      return req
        .field('envelope', JSON.stringify(envelope))
        .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' })
        .then((res) => res);
    },
    async getEnvelope(id) {
      const res = await request(app.url).get(`/api/v1/envelopes/${id}`).set(auth());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body as EnvelopeBody;
    },
    async downloadCurrent(envelopeId, documentId) {
      const res = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/documents/${documentId}`).set(auth()).buffer(true).parse((r, callback) => {
        const chunks: Buffer[] = [];
        r.on('data', (chunk: Buffer) => chunks.push(chunk));
        r.on('end', () => callback(null, Buffer.concat(chunks)));
      });
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/pdf/);
      return res.body as Buffer;
    },
    async audit(envelopeId) {
      const res = await request(app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(auth());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.events as AuditEvent[];
    },
    async deliver() {
      const total = { delivered: 0, failed: 0 };
      for (let i = 0; i < 20; i++) {
        const run = await app.handle.jobs.outbox.runOnce();
        total.delivered += run.delivered;
        total.failed += run.failed;
        if (run.delivered + run.failed === 0) return total;
      }
      throw new Error('the outbox never ran dry');
    },
    mails,
    async theMail(envelopeId, to, kind) {
      const found = (await mails({ envelopeId, to })).filter((m) => m.subject.startsWith(SUBJECT_PREFIX[kind]));
      expect(found.map((m) => m.subject), `exactly one ${kind} mail to ${to}`).to.have.length(1);
      return found[0]!;
    },
    openLink(token, userAgent = 'Mozilla/5.0 (e2e) Firefox/140') {
      return request(app.url).get(`/s/${token}`).set('User-Agent', userAgent).then((res) => res);
    },
    async sign(token, userAgent = 'Mozilla/5.0 (e2e) Firefox/140') {
      const page = await e2e.openLink(token, userAgent);
      expect(page.status, page.text.slice(0, 300)).to.equal(200);
      // Reading before signing (issue 12): without JavaScript, the signer downloads each document.
      await downloadDocuments(app.url, `/s/${token}`, { 'User-Agent': userAgent });
      return browserPost(token, 'sign', { consent: 'ja', _csrf: csrfOf(page.text, 'sign') }, userAgent);
    },
    async decline(token, reason, userAgent = 'Mozilla/5.0 (e2e) Firefox/140') {
      const page = await e2e.openLink(token, userAgent);
      expect(page.status, page.text.slice(0, 300)).to.equal(200);
      // Two steps (issue 4): the reason leads to a confirmation page; only "Ja, weigeren" declines.
      const confirm = await browserPost(token, 'decline', { reason, _csrf: csrfOf(page.text, 'decline') }, userAgent);
      expect(confirm.status, confirm.text.slice(0, 300)).to.equal(200);
      expect(confirm.text).to.include('>Ja, weigeren</button>');
      const form = confirm.text.slice(confirm.text.indexOf('/decline/confirm"'));
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
      expect(csrf, 'a confirmation form with a CSRF token').to.be.a('string');
      return request(app.url).post(`/s/${token}/decline/confirm`).set('User-Agent', userAgent).type('form').send({ reason, _csrf: csrf! });
    },
    async close() {
      try {
        await app.close();
      } finally {
        await smtp.close();
      }
    },
  };
  return e2e;
}

/**
 * Checks a mail as its reader gets it: Dutch (subject and html lang), a text part, the
 * organisation, the title; a sign request also the deadline and exactly its personal link
 * (the same in text and HTML).
 */
export function expectDutchMail(mail: Mail, kind: MailKind, expected: { title: string; deadline?: string }): void {
  const label = `${kind} mail to ${mail.to}`;
  expect(mail.subject, label).to.equal(`${SUBJECT_PREFIX[kind]}${expected.title}`);
  expect(mail.text, `${label}: a text part`).to.be.a('string').and.not.equal('');
  expect(mail.html, `${label}: html in Dutch`).to.include('lang="nl');
  expect(mail.text, label).to.include('Beste ');
  expect(mail.text, label).to.include(expected.title);
  expect(mail.text, label).to.include(ORGANISATION);
  expect(mail.parsed.from?.value[0]?.address, label).to.equal('noreply@paraaf.test');
  if (kind === 'signRequest') {
    expect(mail.text, label).to.include(`Doe dit ten laatste op ${expected.deadline ?? DEADLINE_NL}.`);
    expect(mail.token, `${label}: a signing link`).to.be.a('string');
    expect(mail.html, `${label}: the same link in the HTML`).to.include(`href="${BASE_URL}/s/${mail.token}"`);
  } else {
    expect(mail.token, `${label}: no signing link`).to.equal(undefined);
  }
}

export function expectGonePage(res: request.Response, label: string): void {
  expect(res.status, `${label}: ${res.text.slice(0, 300)}`).to.equal(410);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.text, label).to.include('<html lang="nl">').and.include(ORGANISATION);
}
