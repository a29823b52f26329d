/**
 * Issue 10: a crash between an idempotent POST and storing its answer left the key answering 409
 * forever. A claim is now a lease: past IDEMPOTENCY_LEASE_SECONDS a retry takes it over and runs
 * afresh; answered or not, keys go after 24 hours (the purge job).
 *
 * The crash is real: the service (`node dist/main.js`, as built by builtEntry()) on a fresh DATA_DIR (SQLite),
 * killed with SIGKILL while the row of its request is claimed and unanswered, then started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../../src/config.ts';
import { createApiKey, createDb, createOrganisation, migrateToLatest, type Knex } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { builtEntry, projectRoot } from '../../helpers/production-build.ts';
import { fixture } from './helpers.ts';

const PDF = 'reportlab-decision.pdf';
const envelope = (title: string) => ({
  title,
  send: true,
  recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' }],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Idempotency-Key after a crash and over time (issue 10)', function () {
  this.timeout(240_000);

  describe('a real process killed with SIGKILL mid-request', () => {
    const LEASE_SECONDS = 3;
    let work: string;
    let env: Record<string, string>;
    let db: Knex;
    let key: string;
    let child: ChildProcess | undefined;
    let main: string;

    /** Starts the service and resolves with its URL once it logs that it listens. */
    const start = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const { DATABASE_URL: _ignored, ...inherited } = process.env;
        const proc = spawn(process.execPath, [main], { cwd: projectRoot, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        child = proc;
        let out = '';
        let err = '';
        proc.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
        proc.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const port = /"port":(\d+)[^\n]*Paraaf listening/.exec(out)?.[1];
          if (port) resolve(`http://127.0.0.1:${port}`);
        });
        proc.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}${out}`.slice(0, 2000))));
      });
    const kill = async (): Promise<void> => {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    };

    before(async () => {
      main = (await builtEntry()).main;
      work = mkdtempSync(path.join(tmpdir(), 'paraaf-idem-crash-'));
      env = {
        DATA_DIR: path.join(work, 'data'),
        CERTS_DIR: path.join(work, 'certs'),
        PORT: '0',
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        BASE_URL: 'http://127.0.0.1',
        IDEMPOTENCY_LEASE_SECONDS: String(LEASE_SECONDS),
      };
      mkdirSync(env.DATA_DIR!, { recursive: true });
      db = createDb(loadConfig(env).database);
      await migrateToLatest(db);
      const org = await createOrganisation(db, { slug: `crash-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
      key = (await createApiKey(db, org.id, { name: 'zaaksysteem' })).plaintext;
    });
    after(async () => {
      await kill();
      await db?.destroy();
      rmSync(work, { recursive: true, force: true });
    });

    const post = (url: string, idempotencyKey: string, title: string) => {
      const req = request(url).post('/api/v1/envelopes').set('Authorization', `Bearer ${key}`).set('Idempotency-Key', idempotencyKey).field('envelope', JSON.stringify(envelope(title)));
      for (let i = 0; i < 12; i++) req.attach('documents', fixture(PDF), { filename: `besluit-${i}.pdf`, contentType: 'application/pdf' });
      return req;
    };

    it('answers a retry after the lease with the first answer or a fresh run, never a lasting 409', async () => {
      let killedInFlight = 0;
      for (let trial = 0; trial < 3; trial++) {
        const idempotencyKey = `crash-${trial}-${randomUUID()}`;
        const title = `Besluit ${idempotencyKey}`;
        const url = await start();
        const first = post(url, idempotencyKey, title).then(
          () => undefined,
          () => undefined,
        );
        // Kill the moment the key is claimed and still unanswered (or give up after 20 s).
        const deadline = Date.now() + 20_000;
        let claimed: { response_status: unknown } | undefined;
        while (Date.now() < deadline) {
          claimed = await db('idempotency_keys').where({ key: idempotencyKey }).first('response_status');
          if (claimed) break;
          await sleep(2);
        }
        await kill();
        await first;
        const row = await db('idempotency_keys').where({ key: idempotencyKey }).first('response_status');
        if (row && row.response_status === null) killedInFlight++;

        const again = await start();
        // Within the lease an unanswered key is honestly "in progress"; past it the request runs
        // afresh. A key answered before the kill replays that answer.
        const leaseEnds = Date.now() + LEASE_SECONDS * 1000;
        let retry = await post(again, idempotencyKey, title);
        while (retry.status === 409) {
          expect(retry.body.code).to.equal('idempotency_request_in_progress');
          expect(row?.response_status, 'an answered key never answers 409').to.equal(null);
          expect(Date.now(), '409 only within the lease').to.be.below(leaseEnds + 1000);
          await sleep(250);
          retry = await post(again, idempotencyKey, title);
        }
        expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
        expect(retry.body).to.include({ title, status: 'sent' });
        // And from then on the key answers with that answer.
        const replay = await post(again, idempotencyKey, title);
        expect(replay.status).to.equal(201);
        expect(replay.headers['idempotent-replayed']).to.equal('true');
        expect(replay.body.id).to.equal(retry.body.id);
        await kill();
      }
      // The point of the test: at least one kill landed between claiming and answering.
      expect(killedInFlight, 'kills that left the key claimed and unanswered').to.be.greaterThan(0);
    });
  });

  describe('in process, with a clock', () => {
    let app: TestApp;
    let now: Date;
    let key: string;
    let organisationId: string;

    before(async () => {
      now = new Date('2026-12-06T10:00:00.000Z');
      app = await bootstrap({ clock: () => now, env: { BASE_URL: 'https://paraaf.test' } });
      const org = await createOrganisation(app.deps.db, { slug: `idem-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
      organisationId = org.id;
      key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    });
    after(async () => {
      await app?.close();
    });

    const createDraft = (idempotencyKey: string, title: string) =>
      request(app.url)
        .post('/api/v1/envelopes')
        .set('Authorization', `Bearer ${key}`)
        .set('Idempotency-Key', idempotencyKey)
        .field('envelope', JSON.stringify({ ...envelope(title), send: false }))
        .attach('documents', fixture(PDF), { filename: 'besluit.pdf', contentType: 'application/pdf' });

    it('keeps an unanswered claim in progress for the lease (60 s by default), then runs the request afresh', async () => {
      // What a process killed mid-request leaves behind: the claim without an answer.
      const first = await createDraft('lease-probe', 'Probe');
      expect(first.status).to.equal(201);
      const { request_sha256 } = await app.deps.db('idempotency_keys').where({ organisation_id: organisationId, key: 'lease-probe' }).first('request_sha256');
      await app.deps.db('idempotency_keys').insert({ organisation_id: organisationId, key: 'crashed', request_sha256, created_at: now.toISOString() });
      // The fingerprint covers method, path and body, not the key: the same request under the crashed key.
      now = new Date(now.getTime() + 59_000);
      const during = await createDraft('crashed', 'Probe');
      expect(during.status).to.equal(409);
      expect(during.body.code).to.equal('idempotency_request_in_progress');
      now = new Date(now.getTime() + 1_000);
      const after = await createDraft('crashed', 'Probe');
      expect(after.status, JSON.stringify(after.body)).to.equal(201);
      expect(after.headers['idempotent-replayed']).to.equal(undefined);
      const replay = await createDraft('crashed', 'Probe');
      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect(replay.body.id).to.equal(after.body.id);
    });

    it('purges keys after 24 hours: the purge job deletes them and the key is free again', async () => {
      const start = now;
      const first = await createDraft('purge-me', 'Eerste');
      expect(first.status).to.equal(201);
      now = new Date(start.getTime() + 23 * 3600_000);
      expect(await app.handle.jobs.purgeIdempotencyKeys()).to.equal(0);
      expect((await createDraft('purge-me', 'Ander verzoek')).status).to.equal(422);
      now = new Date(start.getTime() + 24 * 3600_000 + 1);
      expect(await app.handle.jobs.purgeIdempotencyKeys()).to.be.greaterThan(0);
      expect(await app.deps.db('idempotency_keys').where({ organisation_id: organisationId, key: 'purge-me' }).first()).to.equal(undefined);
      const fresh = await createDraft('purge-me', 'Ander verzoek');
      expect(fresh.status, JSON.stringify(fresh.body)).to.equal(201);
      expect(fresh.body.id).to.not.equal(first.body.id);
    });
  });
});
