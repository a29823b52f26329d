/**
 * With the db blob store (PostgreSQL), a signature's transaction, and the archive timestamp's after the last one,
 * await their blob puts while they hold a connection. More signatures at once than the database pool has
 * connections must all go through: the store's puts take connections from a pool of their own (issue 11).
 */
import { expect } from 'chai';
import { createBlobStore } from '../../../src/store/choose-blob-store.ts';
import { isPostgres } from '../../../src/store/index.ts';
import { createEnvelope, sendEnvelope, type WorkflowDeps } from '../../../src/workflow/index.ts';
import { signAfterReading } from '../../helpers/reading.ts';
import { fixture, lastToken, openBench, type Bench } from './helpers.ts';

// Defined only where it applies (CI runs the suite on both databases), so no test is ever skipped.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

if (onPostgres) describe('workflow: signatures with the db blob store (PostgreSQL)', () => {
  let bench: Bench;
  let deps: WorkflowDeps;
  before(async () => {
    bench = await openBench();
    // As the service makes it for BLOB_STORE=db.
    deps = { ...bench.deps, blobs: createBlobStore('db', { dataDir: bench.app.dataDir, s3: undefined }, bench.deps.db) };
  });
  after(async () => {
    await deps?.blobs.close?.();
    await bench?.close();
  });

  it('more signatures at once than the pool has connections (10): every one is stored and signed', async function () {
    this.timeout(120_000);
    expect(isPostgres(deps.db)).to.equal(true);
    const count = 16;
    const emails = Array.from({ length: count }, (_, i) => `raadslid-${i}@zonnebeke.test`);
    for (const email of emails) {
      const created = await createEnvelope(deps, {
        organisationId: bench.organisation.id,
        actor: bench.actor,
        title: `Besluit ${email}`,
        documents: [{ name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') }],
        recipients: [{ name: 'Raadslid', email, role: 'signer', routingOrder: 1 }],
      });
      await sendEnvelope(deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    }
    const tokens = await Promise.all(emails.map((email) => lastToken(bench, email)));
    // A pool run dry would end in knex's acquire timeout (60 s), with errors.
    const results = await Promise.all(tokens.map((token) => signAfterReading(deps, { token })));
    expect(results.map((r) => r.envelope.status)).to.deep.equal(Array(count).fill('completed'));
  });
});
