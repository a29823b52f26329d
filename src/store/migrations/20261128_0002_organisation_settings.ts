import type { Knex } from 'knex';
import { jsonColumn } from '../sql.ts';

/** Per-organisation settings (branding, default expiry …) as one JSON object. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organisations', (table) => {
    jsonColumn(knex, table, 'settings').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organisations', (table) => {
    table.dropColumn('settings');
  });
}
