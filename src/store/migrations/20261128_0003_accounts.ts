import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/** Who may act for an organisation: staff users, the directory of people who sign, API keys (DESIGN §3). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('email', 320).notNullable();
    table.string('name', 200);
    table.enu('role', ['admin', 'staff']).notNullable();
    // `scrypt$N$r$p$salt$hash`; null until a password is set.
    table.text('password_hash');
    table.integer('failed_logins').notNullable().defaultTo(0);
    timestampColumn(table, 'locked_until');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'disabled_at');
    table.unique(['organisation_id', 'email']);
  });

  await knex.schema.createTable('people', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('name', 200).notNullable();
    table.string('email', 320).notNullable();
    // Free text shown in the signature: "Algemeen directeur", "wnd. burgemeester" (DESIGN §1).
    table.string('function', 200);
    table.enu('language', ['nl', 'en', 'fr']).notNullable().defaultTo('nl');
    table.boolean('active').notNullable().defaultTo(true);
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.unique(['organisation_id', 'email']);
  });

  await knex.schema.createTable('api_keys', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('name', 200).notNullable();
    // The first 12 characters of the key: enough to recognise it in a listing, useless to an attacker.
    table.string('prefix', 12).notNullable();
    table.string('key_sha256', 64).notNullable().unique();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'last_used_at');
    timestampColumn(table, 'revoked_at');
    table.index(['organisation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_keys');
  await knex.schema.dropTable('people');
  await knex.schema.dropTable('users');
}
