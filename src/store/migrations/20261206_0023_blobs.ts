import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/**
 * Issue 11: documents in a store every instance shares (`BLOB_STORE=db`, src/store/db-blob-store.ts).
 * A blob is its chunks of about 1 MB, so no statement writes or reads one 50 MB value; the `blobs`
 * row is written last, in the same transaction as the chunks, so a reader that finds it finds every
 * chunk. Created on SQLite too (the schema stays the same on both), though only PostgreSQL uses it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blob_chunks', (table) => {
    table.string('sha256', 64).notNullable();
    table.integer('seq').notNullable();
    table.binary('bytes').notNullable();
    table.primary(['sha256', 'seq']);
  });
  await knex.schema.createTable('blobs', (table) => {
    table.string('sha256', 64).primary();
    table.bigInteger('size').notNullable();
    table.integer('chunks').notNullable();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blobs');
  await knex.schema.dropTable('blob_chunks');
}
