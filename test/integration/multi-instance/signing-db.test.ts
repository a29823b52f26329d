/**
 * Issue 11: two and three real instances on one PostgreSQL database, each with its own DATA_DIR,
 * documents in the database (BLOB_STORE=db). On the former main (BLOB_STORE=fs, a DATA_DIR per
 * instance) this scenario failed half its sign requests with 500 (blob_missing): 16 of 32 on two
 * instances, every envelope left in progress, 16 of 32 downloads failing, /readyz saying ready.
 */
import { signingAcrossSuite } from './signing-across.ts';

if (process.env.TEST_DATABASE_URL) {
  for (const count of [2, 3]) signingAcrossSuite(`${count} instances on one PostgreSQL, BLOB_STORE=db (issue 11)`, { count, blobStore: 'db' });
}
