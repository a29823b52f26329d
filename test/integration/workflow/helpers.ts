/**
 * A workflow test bench: a fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL) from
 * bootstrap(), a development PKI, an organisation, and WorkflowDeps with a clock the test can
 * move. Mails are read back from the outbox, which is how a signer gets their link.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { loadOrCreateDevPki, type DevPki } from '../../../src/keys/index.ts';
import { createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { listOutbox, type OutboxRecord } from '../../../src/store/knex-outbox-store.ts';
import { listEnvelopeAuditEvents } from '../../../src/store/audit-event-repository.ts';
import type { AuditEventRecord } from '../../../src/audit/index.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import type { StaffActor, WorkflowDeps } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { DEV_TSA_POLICY } from '../../../src/deps.ts';
import { createValidationDataCache } from '../../../src/workflow/long-term.ts';
import { createBuiltInTsa } from '../../../src/pades/tsa.ts';
import { ownRevocationSource } from '../../../src/workflow/pki-publication.ts';

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/pdf');
export const BASE_URL = 'https://paraaf.test';
export const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

export interface Bench {
  app: TestApp;
  deps: WorkflowDeps;
  pki: DevPki;
  organisation: Organisation;
  actor: StaffActor;
  /** Moves the clock by `ms` from now on. */
  advance(ms: number): void;
  close(): Promise<void>;
}

let sharedPki: Promise<DevPki> | undefined;

/** One PKI per test process: generating the RSA-3072 root and seal takes a while. */
function devPki(): Promise<DevPki> {
  sharedPki ??= (async () => {
    const parent = mkdtempSync(join(tmpdir(), 'paraaf-workflow-pki-'));
    process.once('exit', () => rmSync(parent, { recursive: true, force: true }));
    return loadOrCreateDevPki({ directory: join(parent, 'pki'), organisationName: 'Gemeente Zonnebeke' });
  })();
  return sharedPki;
}

/** `env`: more of the server's environment (BLOB_STORE=db on PostgreSQL). */
export async function openBench(env?: Record<string, string>): Promise<Bench> {
  const [app, pki] = await Promise.all([bootstrap({ env }), devPki()]);
  let offset = 0;
  const clock = (): Date => new Date(Date.now() + offset);
  const deps: WorkflowDeps = {
    db: app.deps.db,
    blobs: app.deps.blobs,
    pki: pki.provider,
    authorities: pki.provider,
    timeStamper: createBuiltInTsa({ key: pki.tsaKey, policy: DEV_TSA_POLICY, clock }),
    revocation: ownRevocationSource({ db: app.deps.db, clock, authorities: pki.provider }),
    clock,
    baseUrl: BASE_URL,
    logger: app.deps.logger,
    // As buildDeps makes it: sign requests share parsed CA certificates and our OCSP answers about them (issue 11).
    validationDataCache: createValidationDataCache(),
  };
  const organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
  return {
    app,
    deps,
    pki,
    organisation,
    actor: { kind: 'api_key', id: randomUUID(), label: 'zaaksysteem' },
    advance: (ms) => {
      offset += ms;
    },
    close: () => app.close(),
  };
}

/** Subscribes a webhook to `events` (webhooks have no repository of their own yet). */
export async function addWebhook(bench: Bench, events: string[]): Promise<string> {
  const id = randomUUID();
  await bench.deps.db('webhooks').insert({ id, organisation_id: bench.organisation.id, url: 'https://hooks.example/paraaf', secret: 's3cret', events: JSON.stringify(events), created_at: new Date().toISOString() });
  return id;
}

export async function mails(bench: Bench): Promise<Array<OutboxRecord & { mail: MailMessage }>> {
  const rows = await listOutbox(bench.deps.db, bench.organisation.id, { kind: 'mail' });
  return rows.map((row) => ({ ...row, mail: row.payload as MailMessage }));
}

export async function webhookEvents(bench: Bench): Promise<string[]> {
  const rows = await listOutbox(bench.deps.db, bench.organisation.id, { kind: 'webhook' });
  return rows.map((row) => row.event ?? '');
}

const LINK = new RegExp(`${BASE_URL.replace(/[.]/g, '\\.')}/s/([A-Za-z0-9_-]+)`);

/** The signing tokens mailed to `email`, oldest first. */
export async function tokensFor(bench: Bench, email: string): Promise<string[]> {
  const all = await mails(bench);
  // Mails of one transaction share created_at; the audit trail gives their order.
  const order = new Map((await bench.deps.db('audit_events').where({ action: 'mail.queued', organisation_id: bench.organisation.id }).select('details', 'seq', 'chain')).map((row: { details: unknown; seq: number }) => [
    (typeof row.details === 'string' ? JSON.parse(row.details) : row.details).outboxId as string,
    Number(row.seq),
  ]));
  return all
    .filter((m) => m.mail.to.email === email)
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
    .map((m) => LINK.exec(m.mail.text)?.[1])
    .filter((t): t is string => typeof t === 'string');
}

export async function lastToken(bench: Bench, email: string): Promise<string> {
  const tokens = await tokensFor(bench, email);
  expect(tokens, `a link mailed to ${email}`).to.not.be.empty;
  return tokens.at(-1)!;
}

export async function auditTrail(bench: Bench, envelopeId: string): Promise<AuditEventRecord[]> {
  return listEnvelopeAuditEvents(bench.deps.db, bench.organisation.id, envelopeId);
}

/** Awaits a promise that must reject with an AppError of `code` and `status`. */
export async function expectAppError(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).to.be.instanceOf(Error);
  const e = caught as { code?: string; status?: number; message: string };
  expect({ code: e.code, status: e.status }, e.message).to.deep.equal({ code, status });
}
