/**
 * Shared by the multi-instance tests (issue 11): a cluster of real service processes on a fresh
 * PostgreSQL database (scripts/cluster/instances.ts), a real SMTP server in this process that counts
 * every mail, one organisation with an API key; and the checks every test ends with. These tests
 * exist only in the PostgreSQL pass (TEST_DATABASE_URL): several instances need a shared database.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { createDb, type Knex } from '../../../src/store/index.ts';
import { createTestDatabase, dropTestDatabase, startCluster, type Cluster, type ClusterOptions } from '../../../scripts/cluster/instances.ts';
import { createOrganisationWithKey, type ClusterOrganisation } from '../../../scripts/cluster/organisation.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { builtEntry } from '../../helpers/production-build.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { fixture } from '../api/helpers.ts';
import { startSmtpTestServer, type SmtpTestServer } from '../notify/smtp-test-server.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

export const PDF = 'reportlab-decision.pdf';
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunOptions {
  count: number;
  blobStore: ClusterOptions['blobStore'];
  /** More environment for every instance (e.g. the S3 server's). */
  env?: Record<string, string>;
  /** Default `dist`: the instances and the CLI run as in production (`node dist/main.js`, built once by builtEntry()). */
  entry?: 'tsx' | 'dist';
}

export interface MultiInstanceRun {
  cluster: Cluster;
  /** How the instances and the CLI run: `node dist/…`, or from source under tsx. */
  entry: 'tsx' | 'dist';
  smtp: SmtpTestServer;
  /** A connection of the test's own to the cluster's database, for counting rows. */
  db: Knex;
  organisation: ClusterOrganisation;
  /** `fetch` against instance `i` with the API key. */
  api(i: number, pathname: string, init?: RequestInit): Promise<Response>;
  /** Writes each instance's recent log (warnings and errors) to stderr: call it when a test failed. */
  dumpLogs(): void;
  close(): Promise<void>;
}

export async function startRun(options: RunOptions): Promise<MultiInstanceRun> {
  const entry = options.entry ?? 'dist';
  // Built from the current sources (a no-op while dist/ is fresh): the instances were started from whatever dist/ held,
  // so a local run after an edit tested the code before it.
  if (entry === 'dist') await builtEntry();
  const database = await createTestDatabase();
  const smtp = await startSmtpTestServer();
  let cluster: Cluster | undefined;
  let db: Knex | undefined;
  try {
    cluster = await startCluster({
      count: options.count,
      blobStore: options.blobStore,
      databaseUrl: database.url,
      entry,
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'Paraaf <noreply@paraaf.test>',
        // Every client of these tests is 127.0.0.1: the per-IP limits would throttle the test, not a person.
        SIGNER_RATE_LIMIT: '100000',
        ...options.env,
      },
    });
    db = createDb({ client: 'pg', url: database.url });
    const organisation = await createOrganisationWithKey(database.url, { name: 'Gemeente Zonnebeke' });
    const running = cluster;
    const connection = db;
    let closing: Promise<void> | undefined;
    return {
      cluster: running,
      entry,
      smtp,
      db: connection,
      organisation,
      api: (i, pathname, init = {}) =>
        fetch(`${running.instances[i]!.url}${pathname}`, { ...init, headers: { Authorization: `Bearer ${organisation.apiKey}`, ...(init.headers as Record<string, string>) } }),
      dumpLogs: () => {
        for (const instance of running.instances) process.stderr.write(`--- instance ${instance.index} (pid ${instance.pid}) ---\n${instance.log().slice(-8000)}\n`);
      },
      close: () =>
        (closing ??= (async () => {
          await running.stop();
          await connection.destroy();
          await smtp.close();
          await dropTestDatabase(database.name);
        })()),
    };
  } catch (error) {
    await cluster?.stop();
    await db?.destroy();
    await smtp.close();
    await dropTestDatabase(database.name);
    throw error;
  }
}

export interface CreatedEnvelope {
  id: string;
  documentId: string;
  signers: string[];
}

/** POST /api/v1/envelopes on instance `i`: the fixture decision, two parallel signers, sent at once. */
export async function createEnvelope(run: MultiInstanceRun, i: number, n: number, extra: Record<string, unknown> = {}): Promise<CreatedEnvelope> {
  const signers = [`voorzitter-${n}@zonnebeke.be`, `directeur-${n}@zonnebeke.be`];
  const form = new FormData();
  form.append(
    'envelope',
    JSON.stringify({
      title: `Besluit ${n}`,
      send: true,
      recipients: [
        { name: `Voorzitter ${n}`, email: signers[0], role: 'signer', order: 1, function: 'Voorzitter' },
        { name: `Directeur ${n}`, email: signers[1], role: 'signer', order: 1, function: 'Algemeen directeur' },
      ],
      ...extra,
    }),
  );
  form.append('documents', new Blob([new Uint8Array(fixture(PDF))], { type: 'application/pdf' }), 'besluit.pdf');
  const res = await run.api(i, '/api/v1/envelopes', { method: 'POST', body: form });
  const body = (await res.json()) as { id: string; documents: Array<{ id: string }> };
  expect(res.status, JSON.stringify(body)).to.equal(201);
  return { id: body.id, documentId: body.documents[0]!.id, signers };
}

export interface ReceivedMail {
  messageId: string;
  to: string;
  subject: string;
  envelopeId: string | undefined;
  token: string | undefined;
}

const LINK = /\/s\/([A-Za-z0-9_-]{20,})(?![A-Za-z0-9_/-])/;
const parsed: ReceivedMail[] = [];
let parsedFrom: SmtpTestServer | undefined;

/** Every mail the SMTP server has received so far, parsed once. */
export async function receivedMails(smtp: SmtpTestServer): Promise<ReceivedMail[]> {
  if (parsedFrom !== smtp) {
    parsed.length = 0;
    parsedFrom = smtp;
  }
  while (parsed.length < smtp.received.length) {
    const mail = await simpleParser(smtp.received[parsed.length]!.raw);
    const envelopeHeader = mail.headers.get('x-paraaf-envelope');
    parsed.push({
      messageId: mail.messageId ?? '',
      to: smtp.received[parsed.length]!.to.join(','),
      subject: mail.subject ?? '',
      envelopeId: typeof envelopeHeader === 'string' ? envelopeHeader : undefined,
      token: LINK.exec(mail.text ?? '')?.[1],
    });
  }
  return parsed;
}

/** Waits until `predicate` holds for the mails received (the instances' outbox workers poll every 2 s). */
export async function waitForMails(smtp: SmtpTestServer, predicate: (mails: ReceivedMail[]) => boolean, what: string, timeoutMs = 60_000): Promise<ReceivedMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await receivedMails(smtp);
    if (predicate(mails)) return mails;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${mails.length} mails received`);
    await sleep(200);
  }
}

/** The signing links of the envelopes' sign requests, one per signer, in envelope order. */
export async function signingLinks(run: MultiInstanceRun, envelopes: CreatedEnvelope[]): Promise<Array<{ envelope: CreatedEnvelope; email: string; token: string }>> {
  const ids = new Set(envelopes.map((e) => e.id));
  const requests = (mails: ReceivedMail[]) => mails.filter((m) => m.envelopeId && ids.has(m.envelopeId) && m.subject.startsWith('Te ondertekenen: '));
  const mails = requests(await waitForMails(run.smtp, (all) => requests(all).length >= envelopes.length * 2, 'the sign requests'));
  return envelopes.flatMap((envelope) =>
    envelope.signers.map((email) => {
      const mail = mails.filter((m) => m.envelopeId === envelope.id && m.to === email);
      expect(mail, `one sign request to ${email}`).to.have.length(1);
      expect(mail[0]!.token, `a link in the mail to ${email}`).to.be.a('string');
      return { envelope, email, token: mail[0]!.token! };
    }),
  );
}

/** The sign form's CSRF token, read from the signer page served by `pageUrl`, after downloading its documents (read before signing, issue 12). */
export async function openSignPage(pageUrl: string, token: string): Promise<string> {
  const page = await fetch(`${pageUrl}/s/${token}`);
  const html = await page.text();
  expect(page.status, html.slice(0, 300)).to.equal(200);
  const form = html.slice(html.indexOf('/sign"'));
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
  expect(csrf, 'a sign form with a CSRF token').to.be.a('string');
  // Reading before signing (issue 12): the signer downloads each document from the instance that served the page.
  await downloadDocuments(pageUrl, `/s/${token}`);
  return csrf!;
}

/** POST /s/:token/sign as the browser's form does, to `postUrl` (not necessarily the instance that served the page). */
export function postSign(postUrl: string, token: string, csrf: string): Promise<Response> {
  return fetch(`${postUrl}/s/${token}/sign`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent: 'ja', _csrf: csrf }).toString(),
  });
}

/** Runs `tasks` with at most `concurrency` at a time; answers their results in order. */
export async function pool<T>(concurrency: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `npm run cli -- audit verify` against the cluster's database and blob store, as an operator runs it. */
export async function auditVerify(run: Pick<MultiInstanceRun, 'cluster' | 'entry'>): Promise<{ code: number; output: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paraaf-cluster-cli-'));
  try {
    const { code, stdout, stderr } = await runCli(['audit', 'verify'], { ...run.cluster.env, DATA_DIR: dataDir }, { fromSource: run.entry === 'tsx' });
    return { code, output: `${stdout}${stderr}` };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits until the outbox holds no mail still to deliver (pending and due, or being sent). */
export async function outboxDrained(db: Knex, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db('outbox').where({ kind: 'mail', status: 'pending' }).count({ n: '*' }).first();
    if (Number(row!.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${row!.n} mails still pending in the outbox\n${await outboxDiagnosis(db)}`);
    await sleep(250);
  }
}

/**
 * What a stuck outbox looked like, for the failure message: the mails still pending, the database's clock, and what
 * every other connection to the database was doing (a worker waiting on a lock, or idle in a transaction, shows here).
 */
async function outboxDiagnosis(db: Knex): Promise<string> {
  try {
    const now = (await db.raw('select now() as now')).rows[0].now as Date;
    const pending = await db('outbox').where({ kind: 'mail', status: 'pending' }).select('id', 'delivery_state', 'attempts', 'next_attempt_at', 'sending_since', 'last_error');
    const activity = await db.raw(
      `select pid, application_name, state, wait_event_type, wait_event, backend_xid is not null as has_xid, now() - xact_start as in_transaction, left(query, 120) as query
       from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() order by pid`,
    );
    return [`database now: ${new Date(now).toISOString()}`, 'pending:', ...pending.map((r) => JSON.stringify(r)), 'connections:', ...activity.rows.map((r: unknown) => JSON.stringify(r))].join('\n');
  } catch (error) {
    return `(no diagnosis: ${String(error)})`;
  }
}

/**
 * What every test ends with: each envelope completed with exactly two signatures (audit events and
 * revisions), its PDF served by every live instance with the same bytes and valid in pdfsig with the
 * cluster's root trusted, `audit verify` clean, and each mail the outbox sent received exactly once.
 */
export async function expectAllSigned(run: MultiInstanceRun, envelopes: CreatedEnvelope[]): Promise<void> {
  const { db, cluster } = run;
  for (const envelope of envelopes) {
    const res = await run.api(0, `/api/v1/envelopes/${envelope.id}`);
    const body = (await res.json()) as { status: string; recipients: Array<{ status: string }> };
    expect(body.status, `envelope ${envelope.id}`).to.equal('completed');
    expect(body.recipients.map((r) => r.status)).to.deep.equal(['signed', 'signed']);
  }
  const ids = envelopes.map((e) => e.id);
  const signedEvents = (await db('audit_events').whereIn('envelope_id', ids).andWhere({ action: 'recipient.signed' }).groupBy('envelope_id').select('envelope_id').count({ n: '*' })) as Array<{ envelope_id: string; n: string }>;
  expect(signedEvents.map((row) => Number(row.n)), 'recipient.signed events per envelope').to.deep.equal(ids.map(() => 2));
  const revisions = (await db('revisions').whereIn('document_id', envelopes.map((e) => e.documentId)).andWhere({ kind: 'signature' }).groupBy('document_id').select('document_id').count({ n: '*' })) as Array<{ document_id: string; n: string }>;
  expect(revisions.map((row) => Number(row.n)), 'signature revisions per document').to.deep.equal(ids.map(() => 2));

  const work = mkdtempSync(path.join(tmpdir(), 'paraaf-cluster-pdfs-'));
  const root = readFileSync(cluster.rootPem, 'utf8');
  try {
    await pool(
      4,
      envelopes.map((envelope) => async () => {
        const hashes = new Set<string>();
        let bytes: Buffer | undefined;
        for (const instance of cluster.instances.filter((x) => x.alive)) {
          const res = await run.api(instance.index, `/api/v1/envelopes/${envelope.id}/documents/${envelope.documentId}`);
          expect(res.status, `envelope ${envelope.id} from instance ${instance.index}`).to.equal(200);
          bytes = Buffer.from(await res.arrayBuffer());
          hashes.add(sha256(bytes));
        }
        expect(hashes.size, `envelope ${envelope.id}: the same PDF from every instance`).to.equal(1);
        const file = path.join(work, `${envelope.id}.pdf`);
        writeFileSync(file, bytes!);
        const { signatures, stdout } = await pdfsig(file, [root]);
        const approvals = signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
        expect(approvals, `two signatures in ${envelope.id}: ${stdout}`).to.have.length(2);
        // The document timestamp (ETSI.RFC3161, B-LTA) is one pdfsig cannot check ("Signature Type: unknown").
        for (const signature of approvals) {
          expect(signature.signatureValid, `${envelope.id} #${signature.index}: ${stdout}`).to.equal(true);
          expect(signature.certificateTrusted, `${envelope.id} #${signature.index}: ${stdout}`).to.equal(true);
        }
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const audit = await auditVerify(run);
  expect(audit.code, audit.output).to.equal(0);

  await outboxDrained(db);
  const { uncertain } = await expectMailsOnce(run);
  // Per envelope and signer: one sign request and one "signed" mail; one may be missing only where the
  // outbox left a mail 'uncertain' (an instance killed while handing it to SMTP: staff decide).
  const mails = await receivedMails(run.smtp);
  let missing = 0;
  for (const envelope of envelopes) {
    for (const email of envelope.signers) {
      const subjects = mails.filter((m) => m.envelopeId === envelope.id && m.to === email).map((m) => m.subject.split(': ')[0]);
      for (const kind of ['Te ondertekenen', 'Ondertekend']) {
        const n = subjects.filter((subject) => subject === kind).length;
        expect(n, `'${kind}' mails to ${email} about ${envelope.id}`).to.be.at.most(1);
        missing += 1 - n;
      }
    }
  }
  expect(missing, 'mails missing beyond those left uncertain').to.be.at.most(uncertain);
}

/** Every mail the outbox marked sent arrived exactly once, and nothing arrived that the outbox did not send. */
export async function expectMailsOnce(run: MultiInstanceRun): Promise<{ sent: number; uncertain: number }> {
  const rows = (await run.db('outbox').where({ kind: 'mail' }).select('delivery_id', 'status', 'delivery_state')) as Array<{ delivery_id: string | null; status: string; delivery_state: string | null }>;
  const mails = await receivedMails(run.smtp);
  const arrived = new Map<string, number>();
  for (const mail of mails) {
    const id = /^<([^@>]+)@/.exec(mail.messageId)?.[1] ?? mail.messageId;
    arrived.set(id, (arrived.get(id) ?? 0) + 1);
  }
  const duplicated = [...arrived].filter(([, n]) => n > 1);
  expect(duplicated, 'mails that arrived more than once').to.deep.equal([]);
  const sent = rows.filter((row) => row.status === 'sent');
  const uncertain = rows.filter((row) => row.delivery_state === 'uncertain');
  for (const row of sent) expect(arrived.get(row.delivery_id!), `mail ${row.delivery_id} marked sent`).to.equal(1);
  const known = new Set(rows.map((row) => row.delivery_id));
  expect([...arrived.keys()].filter((id) => !known.has(id)), 'mails no outbox row sent').to.deep.equal([]);
  expect(rows.filter((row) => row.status !== 'sent' && row.delivery_state !== 'uncertain').map((row) => row.status), 'mails neither sent nor uncertain').to.deep.equal([]);
  return { sent: sent.length, uncertain: uncertain.length };
}
