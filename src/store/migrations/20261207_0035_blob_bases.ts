import type { Knex } from 'knex';

/**
 * The db blob store keeps a PDF revision as the revision it continues and what was appended (db-blob-store.ts). A
 * revision is the one before it and an incremental update, and every revision is a blob of its own: a decision of
 * 10 MB signed by two people was stored about seven times, 70 MB, where 10 MB and the updates say the same.
 * `base_sha256` names the blob a blob's bytes begin with (its own chunks are then only what follows), `depth` how many
 * such bases lie below it (0: stored whole), so a chain stays short enough to read in one statement.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('blobs', (table) => {
    table.string('base_sha256', 64).nullable().references('sha256').inTable('blobs');
    table.integer('depth').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('blobs', (table) => {
    table.dropForeign(['base_sha256']);
    table.dropColumn('base_sha256');
    table.dropColumn('depth');
  });
}
