import type { Knex } from 'knex';
import { isPostgres } from '../sql.ts';

/**
 * Issue 11: the db blob store's chunks are compressed with lz4 instead of PostgreSQL's default pglz, where the server
 * has it (PostgreSQL 14+ built with lz4, as Debian's and most packages are; elsewhere nothing changes). A signature
 * stores two revisions of its document (~100 KB each in the benchmark), and on this host the sign request on
 * BLOB_STORE=db took 13.2–13.9 ms (server p50) with pglz against 11.8–12.0 with lz4. lz4 also stores less: the
 * real-world corpus (../shared/pdf-corpus, chunks of at most 1 MB) took 86 % of its size under pglz, which gives up on
 * a value whose first kilobyte does not compress, and 76 % under lz4. Only new values are compressed so; older ones
 * stay readable as they are.
 */
export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex) && (await hasLz4(knex))) await knex.raw('alter table blob_chunks alter column bytes set compression lz4');
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex) && (await hasLz4(knex))) await knex.raw('alter table blob_chunks alter column bytes set compression default');
}

/** Whether this server can compress with lz4: it lists it among default_toast_compression's values (PostgreSQL 14+). */
async function hasLz4(knex: Knex): Promise<boolean> {
  const result = await knex.raw<{ rows: unknown[] }>(`select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)`);
  return result.rows.length > 0;
}
