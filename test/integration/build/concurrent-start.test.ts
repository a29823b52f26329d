/**
 * Issue 11: instances deployed together start together. Each start applies the pending migrations;
 * on one PostgreSQL database they now take turns (an advisory lock around knex's migrator). Before,
 * three migrators at once on a fresh database failed two of three with "duplicate key value violates
 * unique constraint" while creating knex_migrations, and one arriving mid-run with "Migration table
 * is already locked". The migrators are raced in this process, where they start within a
 * millisecond of each other; three `node dist/main.js` started at once then show the whole start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createTestDatabase, dropTestDatabase } from '../../../scripts/cluster/instances.ts';
import { loadConfig } from '../../../src/config.ts';
import { createDb, migrateToLatest } from '../../../src/store/index.ts';
import { migrations } from '../../../src/store/migrations/index.ts';
import { builtEntry, startService, type StartedService } from '../../helpers/production-build.ts';

describe('production build: three instances started at once on one fresh PostgreSQL database (issue 11)', function () {
  this.timeout(300_000);
  let work: string;
  const databases: { name: string; url: string }[] = [];
  const services: StartedService[] = [];

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-concurrent-start-'));
  });
  after(async () => {
    for (const service of services) if (service.process.exitCode === null && service.process.signalCode === null) service.process.kill('SIGKILL');
    await Promise.all(services.map((service) => service.exited));
    for (const { name } of databases) await dropTestDatabase(name);
    rmSync(work, { recursive: true, force: true });
  });

  const freshDatabase = async (): Promise<{ name: string; url: string }> => {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  };

  it('three migrators at once: all succeed, every migration applied exactly once', async () => {
    const { url } = await freshDatabase();
    const dbs = [0, 1, 2].map(() => createDb(loadConfig({ DATABASE_URL: url, SIGNER_SECRET: 'x'.repeat(48), DATA_DIR: work }).database));
    try {
      const results = await Promise.allSettled(dbs.map((db) => migrateToLatest(db)));
      expect(results.map((result) => (result.status === 'fulfilled' ? 'ok' : String(result.reason)))).to.deep.equal(['ok', 'ok', 'ok']);
      const applied = results.map((result) => (result as PromiseFulfilledResult<string[]>).value);
      expect(applied.flat().sort()).to.deep.equal(migrations.map((m) => m.name).sort());
      const rows = await dbs[0]!('knex_migrations').select('name');
      expect(rows.map((row: { name: string }) => row.name).sort()).to.deep.equal(migrations.map((m) => m.name).sort());
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
    }
  });

  it('three node dist/main.js started at once: all ready, the migrations applied by one, exit 0 on SIGTERM', async function () {
    // A build when src/ changed, then three starts sharing the machine's cores.
    this.timeout(600_000);
    const { main } = await builtEntry();
    const database = await freshDatabase();
    const env = (dataDir: string, databaseUrl?: string) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: '0',
      BASE_URL: 'http://127.0.0.1',
      SIGNER_SECRET: 'concurrent-start-'.padEnd(48, 'x'),
      CERTS_DIR: path.join(work, 'certs'),
      DATA_DIR: path.join(work, dataDir),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    // The shared development PKI exists beforehand (made by a start on SQLite), as a deployment's keys do:
    // generating one per instance would space the starts out by seconds and hide the race.
    const first = await startService(main, env('sqlite'));
    first.process.kill('SIGTERM');
    expect(await first.exited).to.deep.equal({ code: 0, signal: null });

    const starts = [0, 1, 2].map((i) => startService(main, env(`data-${i}`, database.url), { timeoutMs: 180_000 }));
    const settled = await Promise.allSettled(starts);
    for (const result of settled) if (result.status === 'fulfilled') services.push(result.value);
    expect(settled.map((result) => (result.status === 'fulfilled' ? 'listening' : String(result.reason).slice(0, 600)))).to.deep.equal(['listening', 'listening', 'listening']);

    for (const service of services) {
      const ready = await request(service.url).get('/readyz');
      expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    }
    // One instance applied them all; the others found nothing left to do.
    const applied = services.map((service) => Number(/"msg":"applied (\d+) migration/.exec(service.log())?.[1] ?? 0));
    expect(applied.filter((count) => count > 0), applied.join(',')).to.have.length(1);

    for (const service of services) service.process.kill('SIGTERM');
    expect(await Promise.all(services.map((service) => service.exited))).to.deep.equal([0, 1, 2].map(() => ({ code: 0, signal: null })));
  });
});
