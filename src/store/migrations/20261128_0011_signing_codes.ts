import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/**
 * The optional second factor (issue 4): `envelopes.require_code`, and the 6-digit codes mailed to
 * a recipient. Only SHA-256(recipient id ‖ ":" ‖ code) is stored; a code is used once, dies
 * after 5 wrong attempts or 10 minutes, and a newer code invalidates it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.boolean('require_code').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('signing_codes', (table) => {
    table.uuid('id').primary();
    table.uuid('recipient_id').notNullable().references('id').inTable('recipients');
    table.string('code_sha256', 64).notNullable();
    timestampColumn(table, 'expires_at').notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    timestampColumn(table, 'used_at');
    timestampColumn(table, 'invalidated_at');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.index(['recipient_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_codes');
  await knex.schema.alterTable('envelopes', (table) => {
    table.dropColumn('require_code');
  });
}
