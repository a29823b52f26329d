/**
 * The signing page's "what else waits for you" read finds the person's recipient rows through the index on
 * (organisation_id, lower(email)), not by reading every recipient row of the organisation: asked on the plan of the
 * database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL, told not to scan whole tables, as it
 * would for tables this small).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { isPostgres, withTransaction, type Knex } from '../../../src/store/index.ts';
import { recipientRowsForEmailQuery } from '../../../src/store/waiting-envelopes.ts';
import { freshDbPerTest } from './fresh-db.ts';

async function planOf(db: Knex, query: Knex.QueryBuilder): Promise<string> {
  const { sql, bindings } = query.toSQL();
  if (!isPostgres(db)) {
    const rows = (await db.raw(`explain query plan ${sql}`, bindings as Knex.RawBinding[])) as Array<{ detail: string }>;
    return rows.map((row) => row.detail).join('\n');
  }
  return withTransaction(db, async (trx) => {
    await trx.raw('set local enable_seqscan = off');
    const result = (await trx.raw(`explain ${sql}`, bindings as Knex.RawBinding[])) as { rows: Array<{ 'QUERY PLAN': string }> };
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

describe('store: recipient rows of one e-mail address', () => {
  const fresh = freshDbPerTest();

  it('are looked up by the index on (organisation_id, lower(email))', async () => {
    const query = recipientRowsForEmailQuery(fresh.db, randomUUID(), 'Burgemeester@Menen.be', ['sent', 'in_progress']);
    expect(await planOf(fresh.db, query)).to.include('recipients_organisation_id_lower_email_index');
  });
});
