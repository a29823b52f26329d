/**
 * Issue 11: two and three real instances on one PostgreSQL database, each with its own DATA_DIR,
 * documents in the database (BLOB_STORE=db). On the former main (BLOB_STORE=fs, a DATA_DIR per
 * instance) this scenario failed half its sign requests with 500 (blob_missing): 16 of 32 on two
 * instances, every envelope left in progress, 16 of 32 downloads failing, /readyz saying ready.
 */
import { expect } from 'chai';
import { signingAcrossSuite } from './signing-across.ts';

if (process.env.TEST_DATABASE_URL) {
  for (const count of [2, 3]) {
    signingAcrossSuite(`${count} instances on one PostgreSQL, BLOB_STORE=db (issue 11)`, { count, blobStore: 'db' }, ({ run }) => {
      it('keeps each revision as the revision it continues and its update, not as a whole copy', async () => {
        const { db } = run();
        // Per document: the bytes its revisions' blobs hold themselves, and what whole copies of them would take.
        const rows = (await db('revisions as v')
          .join('blobs as b', 'b.sha256', 'v.blob_sha256')
          .groupBy('v.document_id')
          .select('v.document_id')
          .count({ revisions: '*' })
          .sum({ whole: 'v.size' })
          .select(db.raw('sum((select coalesce(sum(octet_length(c.bytes)), 0) from blob_chunks c where c.sha256 = b.sha256)) as held'))
          .select(db.raw('count(b.base_sha256) as based'))) as Array<{ document_id: string; revisions: string; whole: string; held: string; based: string }>;
        expect(rows).to.have.length(16);
        for (const row of rows) {
          // The original is whole; the prepared revision, two signatures, their B-LT revisions and the archive timestamp each continue the one before.
          expect(Number(row.based), `revisions on a base, of ${row.revisions}`).to.equal(Number(row.revisions) - 1);
          expect(Number(row.held), 'bytes held against whole copies').to.be.lessThan(Number(row.whole) / 3);
        }
      });
    });
  }
}
