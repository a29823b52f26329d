/** The schema of DESIGN §3 migrates up on a fresh database, down to nothing, and up again — on SQLite and PostgreSQL. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { isPostgres, migrateToLatest, migratorConfig, pendingMigrations, type Knex } from '../../../src/store/index.ts';
import { migrations } from '../../../src/store/migrations/index.ts';
import { freshDbPerTest } from './fresh-db.ts';

const TABLES = [
  'organisations',
  'users',
  'people',
  'api_keys',
  'envelopes',
  'documents',
  'revisions',
  'recipients',
  'fields',
  'signing_links',
  'audit_events',
  'outbox',
  'webhooks',
  'idempotency_keys',
];

async function existingTables(db: Knex): Promise<string[]> {
  const present: string[] = [];
  for (const table of TABLES) if (await db.schema.hasTable(table)) present.push(table);
  return present;
}

describe('store: migrations', () => {
  const fresh = freshDbPerTest();

  it('creates every table on a fresh database and leaves nothing pending', async () => {
    expect(await existingTables(fresh.db)).to.have.members(TABLES);
    expect(await pendingMigrations(fresh.db)).to.deep.equal([]);
    expect(await fresh.db.schema.hasColumn('organisations', 'settings')).to.equal(true);
    expect(await fresh.db.schema.hasColumn('audit_events', 'chain')).to.equal(true);
  });

  it('rolls back to zero and migrates up again', async () => {
    await fresh.db.migrate.rollback(migratorConfig, true);
    expect(await existingTables(fresh.db)).to.deep.equal([]);
    expect(await pendingMigrations(fresh.db)).to.have.length(migrations.length);
    expect(await migrateToLatest(fresh.db)).to.deep.equal(migrations.map((m) => m.name));
    expect(await existingTables(fresh.db)).to.have.members(TABLES);
  });

  it('rolls back one migration at a time, each down undoing its up', async () => {
    for (let left = migrations.length; left > 0; left--) {
      await fresh.db.migrate.down(migratorConfig);
      expect(await pendingMigrations(fresh.db)).to.have.length(migrations.length - left + 1);
    }
    expect(await existingTables(fresh.db)).to.deep.equal([]);
    await migrateToLatest(fresh.db);
    expect(await pendingMigrations(fresh.db)).to.deep.equal([]);
  });

  it('enforces the constraints the workflow relies on', async () => {
    const organisationId = randomUUID();
    await fresh.db('organisations').insert({ id: organisationId, slug: 'kortrijk', name: 'Stad Kortrijk' });
    const [organisation] = await fresh.db('organisations').where({ id: organisationId });
    // The settings default is an empty JSON object on both databases.
    expect(typeof organisation.settings === 'string' ? JSON.parse(organisation.settings) : organisation.settings).to.deep.equal({});

    const event = { organisation_id: organisationId, chain: `org:${organisationId}`, seq: 1, actor_kind: 'system', action: 'created', hash: 'a'.repeat(64) };
    await fresh.db('audit_events').insert({ id: randomUUID(), ...event });
    // unique(chain, seq): a second writer cannot fork a chain.
    await expectRejection(fresh.db('audit_events').insert({ id: randomUUID(), ...event }));
    // Foreign keys hold on SQLite too (PRAGMA foreign_keys).
    await expectRejection(fresh.db('people').insert({ id: randomUUID(), organisation_id: randomUUID(), name: 'X', email: 'x@example.be' }));
    // Status values are checked by the database.
    await expectRejection(
      fresh.db('envelopes').insert({ id: randomUUID(), organisation_id: organisationId, title: 'T', status: 'lost', created_by_kind: 'user', created_by_id: randomUUID() }),
    );
    await fresh.db('idempotency_keys').insert({ organisation_id: organisationId, key: 'k1', request_sha256: 'b'.repeat(64) });
    await expectRejection(fresh.db('idempotency_keys').insert({ organisation_id: organisationId, key: 'k1', request_sha256: 'c'.repeat(64) }));
  });

  it('uses jsonb on PostgreSQL and text on SQLite for JSON columns', async () => {
    const organisationId = randomUUID();
    await fresh.db('organisations').insert({ id: organisationId, slug: 'zwevegem', name: 'Gemeente Zwevegem', settings: JSON.stringify({ expiryDays: 30 }) });
    if (isPostgres(fresh.db)) {
      const { rows } = await fresh.db.raw(`select settings->>'expiryDays' as days from organisations where id = ?`, [organisationId]);
      expect(rows[0].days).to.equal('30');
    } else {
      const [row] = await fresh.db('organisations').where({ id: organisationId });
      expect(row.settings).to.equal('{"expiryDays":30}');
    }
  });
});

async function expectRejection(promise: PromiseLike<unknown>): Promise<void> {
  let failed = false;
  try {
    await promise;
  } catch {
    failed = true;
  }
  expect(failed, 'expected the statement to be rejected').to.equal(true);
}
