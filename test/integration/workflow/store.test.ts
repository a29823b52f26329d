/**
 * The stores under the use cases: concurrent audit appends never fork a chain (the unique
 * (chain, seq) index fails one writer and the use case retries), and the knex outbox store
 * leases, delivers, retries and buries items as the worker expects.
 */
import { expect } from 'chai';
import { appendAuditEvent, verifyChain } from '../../../src/audit/index.ts';
import { createKnexOutboxStore, enqueueOutbox, listOutbox } from '../../../src/store/knex-outbox-store.ts';
import { createEnvelope } from '../../../src/workflow/index.ts';
import { inTransaction } from '../../../src/workflow/transaction.ts';
import { auditTrail, fixture, openBench, type Bench } from './helpers.ts';

describe('workflow stores', () => {
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  it('two concurrent appends to one chain end up as seq n+1 and n+2, never a fork', async () => {
    const envelope = await createEnvelope(bench.deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'Kettingtest',
      documents: [{ name: 'a.pdf', pdf: fixture('reportlab-decision.pdf') }],
      recipients: [{ name: 'A', email: 'a@zonnebeke.test', role: 'signer' }],
    });
    const append = (reason: string) =>
      inTransaction(bench.deps, 'test', (trx) =>
        appendAuditEvent(trx, {
          organisationId: bench.organisation.id,
          envelopeId: envelope.id,
          event: { action: 'envelope.cancelled', details: { reason } },
          actor: bench.actor,
          occurredAt: new Date(),
        }),
      );
    const records = await Promise.all([append('een'), append('twee')]);
    expect(records.map((r) => r.seq).sort()).to.deep.equal([2, 3]);
    const trail = await auditTrail(bench, envelope.id);
    expect(verifyChain(trail)).to.deep.equal({ valid: true, length: 3 });
  });

  it('the knex outbox store leases due items, marks them sent, retries and buries them', async () => {
    const store = createKnexOutboxStore(bench.deps.db);
    const now = new Date();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push(await enqueueOutbox(bench.deps.db, { organisationId: bench.organisation.id, kind: 'webhook', payload: { n }, event: 'envelope.sent', now: new Date(now.getTime() - 1000 * (4 - n)) }));
    }
    const first = await store.claimDue(now, 2);
    expect(first.map((i) => i.id)).to.deep.equal(ids.slice(0, 2));
    expect(first[0]).to.deep.include({ kind: 'webhook', attempts: 0, event: 'envelope.sent', organisationId: bench.organisation.id });
    expect(first[0].payload).to.deep.equal({ n: 1 });
    // Leased: a second claim only gets the third.
    expect((await store.claimDue(now, 10)).map((i) => i.id)).to.deep.equal([ids[2]]);
    expect(await store.claimDue(now, 10)).to.deep.equal([]);

    await store.markSent(ids[0], now);
    await store.markFailed(ids[1], 'HTTP 503', new Date(now.getTime() + 30_000));
    await store.markFailed(ids[2], 'the webhook no longer exists', null);
    const rows = Object.fromEntries((await listOutbox(bench.deps.db, bench.organisation.id, { kind: 'webhook' })).map((r) => [r.id, r]));
    expect([rows[ids[0]].status, rows[ids[0]].attempts]).to.deep.equal(['sent', 1]);
    expect([rows[ids[1]].status, rows[ids[1]].attempts, rows[ids[1]].lastError]).to.deep.equal(['pending', 1, 'HTTP 503']);
    expect([rows[ids[2]].status, rows[ids[2]].attempts]).to.deep.equal(['dead', 1]);

    // The lease runs out (5 min) but the retry is due after 30 s.
    expect((await store.claimDue(new Date(now.getTime() + 31_000), 10)).map((i) => [i.id, i.attempts])).to.deep.equal([[ids[1], 1]]);
    expect(await store.claimDue(new Date(now.getTime() + 60_000), 10)).to.deep.equal([]);
    expect((await store.claimDue(new Date(now.getTime() + 31_000 + 5 * 60_000), 10)).map((i) => i.id)).to.deep.equal([ids[1]]);
  });

  it('concurrent claims never hand out the same item (SKIP LOCKED on PostgreSQL, the write lock on SQLite)', async function () {
    const store = createKnexOutboxStore(bench.deps.db);
    const now = new Date(Date.now() + 3_600_000);
    for (let n = 0; n < 20; n += 1) await enqueueOutbox(bench.deps.db, { organisationId: bench.organisation.id, kind: 'mail', payload: { n }, now: new Date(now.getTime() - 1000) });
    const claims = await Promise.all([store.claimDue(now, 8), store.claimDue(now, 8), store.claimDue(now, 8)]);
    const all = claims.flat().map((i) => i.id);
    expect(new Set(all).size).to.equal(all.length);
  });
});
