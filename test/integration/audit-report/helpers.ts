/**
 * Shared by the audit-report tests: an app with the dev PKI, two organisations, and envelopes
 * taken to their end through the API and the signer pages, as a browser would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

export const run = promisify(execFile);
export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const BASE_URL = 'https://paraaf.test';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/;

/** Two signers; the second name has a letter outside WinAnsi (ő), the title a dash and a euro sign. */
export const twoSigners = {
  title: 'Besluit gemeenteraad <12 mei> – subsidie € 5 000',
  recipients: [
    { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
    { name: 'Zsófia Szőke', email: 'zsofia@zonnebeke.be', role: 'signer', order: 2, function: 'Voorzitter gemeenteraad' },
  ],
  send: true,
};

export interface AuditWorld {
  app: TestApp;
  rootPem: string;
  organisation: Organisation;
  api: () => Record<string, string>;
  otherApi: () => Record<string, string>;
  close(): Promise<void>;
}

/** Collects a binary body (PDF, ZIP) as a Buffer. */
export const binary = (res: request.Response, cb: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** `env`: more configuration (e.g. TRUST_PROXY). */
export async function auditWorld(env: Record<string, string> = {}): Promise<AuditWorld> {
  const pki = await devPki();
  const app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'x'.repeat(40), ...env } });
  const organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
  const other = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Ieper' });
  const key = (await createApiKey(app.deps.db, organisation.id, { name: 'zaaksysteem' })).plaintext;
  const otherKey = (await createApiKey(app.deps.db, other.id, { name: 'zaaksysteem' })).plaintext;
  return {
    app,
    rootPem: pki.rootCertificate.toString(),
    organisation,
    api: () => ({ Authorization: `Bearer ${key}` }),
    otherApi: () => ({ Authorization: `Bearer ${otherKey}` }),
    close: () => app.close(),
  };
}

export async function sendEnvelope(world: AuditWorld, envelope: Record<string, unknown> = twoSigners): Promise<string> {
  const res = await request(world.app.url)
    .post('/api/v1/envelopes')
    .set(world.api())
    .field('envelope', JSON.stringify(envelope))
    .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id as string;
}

export async function linkFor(world: AuditWorld, email: string, envelopeId: string): Promise<string> {
  const mails = (await listOutbox(world.app.deps.db, world.organisation.id, { kind: 'mail' }))
    .map((row) => row.payload as MailMessage)
    .filter((m) => m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId);
  const tokens = mails.map((m) => LINK.exec(m.text)?.[1]).filter((t): t is string => !!t);
  expect(tokens, `a link mailed to ${email}`).to.not.be.empty;
  return tokens.at(-1)!;
}

const csrfOf = (page: string, action: 'sign' | 'decline') => /name="_csrf" value="([^"]+)"/.exec(page.slice(page.indexOf(`/${action}"`)))![1]!;

/** Opens the link page (a `link.opened` event with this user agent) and posts the form. */
async function act(world: AuditWorld, email: string, envelopeId: string, action: 'sign' | 'decline', form: Record<string, string>): Promise<void> {
  const token = await linkFor(world, email, envelopeId);
  const page = await request(world.app.url).get(`/s/${token}`).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 audit-test');
  // A document must have been opened before it is signed (issue 12): the signer downloads it, as without JavaScript.
  if (action === 'sign') await downloadDocuments(world.app.url, `/s/${token}`, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 audit-test' });
  let res = await request(world.app.url).post(`/s/${token}/${action}`).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 audit-test').type('form').send({ ...form, _csrf: csrfOf(page.text, action) });
  if (action === 'decline') {
    // Declining is confirmed in a second step (issue 4).
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text.slice(res.text.indexOf('/decline/confirm"')))![1]!;
    res = await request(world.app.url).post(`/s/${token}/decline/confirm`).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 audit-test').type('form').send({ ...form, _csrf: csrf });
  }
  expect(res.status, res.text.slice(0, 300)).to.equal(303);
}

/** Sent, reminded, signed by both: completed. */
export async function completedEnvelope(world: AuditWorld): Promise<string> {
  const envelopeId = await sendEnvelope(world);
  await request(world.app.url).post(`/api/v1/envelopes/${envelopeId}/remind`).set(world.api()).expect(200);
  await act(world, 'an@zonnebeke.be', envelopeId, 'sign', { consent: 'ja' });
  await act(world, 'zsofia@zonnebeke.be', envelopeId, 'sign', { consent: 'ja' });
  const envelope = (await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}`).set(world.api()).expect(200)).body;
  expect(envelope.status).to.equal('completed');
  return envelopeId;
}

export async function declinedEnvelope(world: AuditWorld, reason: string): Promise<string> {
  const envelopeId = await sendEnvelope(world);
  await act(world, 'an@zonnebeke.be', envelopeId, 'decline', { reason });
  return envelopeId;
}

/**
 * Sent with three PDFs under the given file names (the same name twice tests the bundle's paths), then
 * cancelled, so its audit report and bundle exist. Answers the envelope's and its documents' ids.
 */
export async function cancelledEnvelopeOfThree(world: AuditWorld, names: readonly [string, string, string]): Promise<{ envelopeId: string; documentIds: string[] }> {
  const res = await request(world.app.url)
    .post('/api/v1/envelopes')
    .set(world.api())
    .field('envelope', JSON.stringify({ title: 'Drie bijlagen', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }], send: true }))
    .attach('documents', fixture('libreoffice-pdfa.pdf'), { filename: names[0], contentType: 'application/pdf' })
    .attach('documents', fixture('qpdf-linearized.pdf'), { filename: names[1], contentType: 'application/pdf' })
    .attach('documents', fixture('reportlab-decision.pdf'), { filename: names[2], contentType: 'application/pdf' });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  const envelopeId = res.body.id as string;
  await request(world.app.url).post(`/api/v1/envelopes/${envelopeId}/cancel`).set(world.api()).send({ reason: 'Verkeerde bijlagen' }).expect(200);
  return { envelopeId, documentIds: (res.body.documents as Array<{ id: string }>).map((d) => d.id) };
}

export async function download(world: AuditWorld, url: string, auth = world.api()): Promise<request.Response> {
  return request(world.app.url).get(url).set(auth).buffer(true).parse(binary);
}
