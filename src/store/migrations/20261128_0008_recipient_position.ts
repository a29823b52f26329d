import type { Knex } from 'knex';

/**
 * Recipients keep the caller's order within one routing order, so the signature page lists
 * the general director and the chair as staff or the API gave them, not by name.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.integer('position').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.dropColumn('position');
  });
}
