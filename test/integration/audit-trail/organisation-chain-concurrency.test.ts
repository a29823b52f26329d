/**
 * An organisation's own audit chain (directory, routes, mandates) has no row its use cases lock: staff editing the
 * directory at the same moment must all succeed, each event once, the chain unforked and verifiable. Before
 * lockAuditChain, PostgreSQL answered most of these with a unique(chain, seq) violation (a 500 to the user).
 */
import { expect } from 'chai';
import { verifyAuditTrails } from '../../../src/audit/verify-trail.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { addPerson } from '../../../src/workflow/add-person.ts';
import { openBench, type Bench } from '../workflow/helpers.ts';

describe('audit trail: concurrent writers of an organisation chain', () => {
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  it('records twelve directory additions made at once, each once, in one intact chain', async () => {
    const request = { organisationId: bench.organisation.id, actor: { kind: 'user' as const, id: 'secretariaat', label: 'Secretariaat' } };
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => addPerson(bench.deps, { ...request, person: { name: `Raadslid ${i + 1}`, email: `raadslid${i + 1}@zonnebeke.be`, function: 'Gemeenteraadslid' } })),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).to.deep.equal([]);

    const chain = await listAuditChain(bench.deps.db, `org:${bench.organisation.id}`);
    const added = chain.filter((event) => event.action === 'person.created');
    expect(added).to.have.length(12);
    expect(chain.map((event) => event.seq)).to.deep.equal(chain.map((_, i) => i + 1));
    const report = await verifyAuditTrails(bench.deps.db, bench.deps.blobs, { organisationId: bench.organisation.id });
    expect(report.ok, JSON.stringify(report)).to.equal(true);
  });
});
