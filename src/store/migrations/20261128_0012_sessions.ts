import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/**
 * Staff sessions (issue 5): the id is SHA-256 of a random 256-bit cookie value, never the value
 * itself; 8 hours absolute, 30 minutes idle (checked by the app against `expires_at` and
 * `last_seen_at`). And the single-use tokens mailed for a password reset or an invitation, of
 * which only SHA-256 is stored.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (table) => {
    table.string('id', 64).primary();
    table.uuid('user_id').notNullable().references('id').inTable('users');
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'last_seen_at').notNullable();
    timestampColumn(table, 'expires_at').notNullable();
    table.string('ip', 64);
    table.string('user_agent', 512);
    table.index(['user_id']);
  });
  await knex.schema.createTable('password_tokens', (table) => {
    table.string('token_sha256', 64).primary();
    table.uuid('user_id').notNullable().references('id').inTable('users');
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.enu('purpose', ['reset', 'invite']).notNullable();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'expires_at').notNullable();
    timestampColumn(table, 'used_at');
    table.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('password_tokens');
  await knex.schema.dropTable('sessions');
}
