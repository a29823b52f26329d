import type { Knex } from 'knex';

/** A free-text note per webhook (`POST /api/v1/webhooks` `description`), so staff can tell them apart. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (table) => {
    table.string('description', 500);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (table) => {
    table.dropColumn('description');
  });
}
