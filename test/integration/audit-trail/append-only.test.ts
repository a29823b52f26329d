/**
 * The database refuses to change the trail (migration 0010): UPDATE and DELETE on `audit_events`
 * fail on SQLite and PostgreSQL, and TRUNCATE on PostgreSQL; inserting (appending) still works.
 */
import { expect } from 'chai';
import { isPostgres } from '../../../src/store/index.ts';
import { openBench, type Bench } from '../workflow/helpers.ts';
import { completedEnvelope } from './helpers.ts';

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the statement to be rejected');
}

describe('audit trail: append-only in the database', function () {
  this.timeout(120_000);
  let bench: Bench;
  let envelopeId: string;
  before(async () => {
    bench = await openBench();
    envelopeId = await completedEnvelope(bench);
  });
  after(() => bench.close());

  it('rejects UPDATE of an audit row', async () => {
    const db = bench.deps.db;
    expect(await rejection(db('audit_events').where({ chain: envelopeId, seq: 1 }).update({ action: 'envelope.cancelled' }))).to.include('audit_events is append-only: UPDATE rejected');
    expect(await rejection(db.raw('UPDATE audit_events SET hash = ? WHERE chain = ?', ['0'.repeat(64), envelopeId]))).to.include('append-only');
  });

  it('rejects DELETE of an audit row, one or all', async () => {
    const db = bench.deps.db;
    expect(await rejection(db('audit_events').where({ chain: envelopeId, seq: 2 }).del())).to.include('audit_events is append-only: DELETE rejected');
    expect(await rejection(db('audit_events').del())).to.include('append-only');
  });

  // SQLite has no TRUNCATE; the case is defined only where it exists, so nothing is skipped.
  if (process.env.TEST_DATABASE_URL) it('rejects TRUNCATE on PostgreSQL', async function () {
    expect(isPostgres(bench.deps.db)).to.equal(true);
    expect(await rejection(bench.deps.db.raw('TRUNCATE audit_events'))).to.include('audit_events is append-only: TRUNCATE rejected');
  });

  it('left the trail as it was, and appending still works', async () => {
    const before = await bench.deps.db('audit_events').where({ chain: envelopeId }).count({ n: '*' }).first();
    const another = await completedEnvelope(bench);
    expect(Number((await bench.deps.db('audit_events').where({ chain: another }).count({ n: '*' }).first())!.n)).to.be.greaterThan(4);
    expect(Number(before!.n)).to.be.greaterThan(4);
    const rows = await bench.deps.db('audit_events').where({ chain: envelopeId }).orderBy('seq').select('seq', 'action');
    expect(rows[0]).to.deep.include({ action: 'envelope.created' });
    expect(rows.map((r: { seq: number }) => Number(r.seq))).to.deep.equal(rows.map((_: unknown, i: number) => i + 1));
  });
});
