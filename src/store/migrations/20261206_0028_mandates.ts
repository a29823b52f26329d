import type { Knex } from 'knex';
import { jsonColumn } from '../sql.ts';

/**
 * Functions, mandates, absences and delegations (issue 12; rules in src/domain/mandates.ts).
 * - `functions`: what a route step can name ("Voorzitter gemeenteraad", "Algemeen directeur"), unique per
 *   organisation by `name_key`; `delegable` for the functions whose signing power the decree lets be delegated
 *   (mayor and general director, Decreet Lokaal Bestuur art. 280 and 283).
 * - `mandates`: who holds a function, or substitutes for it (`rank` orders substitutes), from `starts_on` to
 *   `ends_on` inclusive (YYYY-MM-DD in Europe/Brussels; null: open-ended). `source` says whether staff entered it
 *   or it came from an import of the Flemish mandate database (`external_id` then identifies the row there).
 * - `absences`: staff mark a person absent for days; a function step then goes to the first present substitute.
 * - `delegations`: the register of who delegated which function's signing to whom, for which kinds of document,
 *   from when to when; revoked, never deleted. Minutes are never delegated (refused when registered and at send).
 * Recipients remember how a function step was resolved, so the signature says "wnd." or "bij opdracht".
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('functions', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('name', 200).notNullable();
    table.string('name_key', 200).notNullable();
    table.string('body', 40);
    table.boolean('delegable').notNullable().defaultTo(false);
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.unique(['organisation_id', 'name_key']);
  });
  await knex.schema.createTable('mandates', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('function_id').notNullable().references('id').inTable('functions');
    table.uuid('person_id').notNullable().references('id').inTable('people');
    table.string('kind', 20).notNullable();
    table.integer('rank').notNullable().defaultTo(1);
    table.string('starts_on', 10).notNullable();
    table.string('ends_on', 10);
    table.string('source', 20).notNullable();
    table.string('external_id', 500);
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['organisation_id', 'function_id']);
    table.index(['organisation_id', 'person_id']);
  });
  await knex.schema.createTable('absences', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('person_id').notNullable().references('id').inTable('people');
    table.string('starts_on', 10).notNullable();
    table.string('ends_on', 10).notNullable();
    table.string('reason', 500);
    table.string('created_by_kind', 20).notNullable();
    table.string('created_by_id', 100).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('withdrawn_at', { useTz: true });
    table.index(['organisation_id', 'person_id']);
  });
  await knex.schema.createTable('delegations', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('function_id').notNullable().references('id').inTable('functions');
    table.uuid('delegator_person_id').notNullable().references('id').inTable('people');
    table.uuid('delegate_person_id').notNullable().references('id').inTable('people');
    jsonColumn(knex, table, 'scope').notNullable();
    table.string('valid_from', 10).notNullable();
    table.string('valid_until', 10);
    table.string('reference', 500);
    table.string('created_by_kind', 20).notNullable();
    table.string('created_by_id', 100).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('revoked_at', { useTz: true });
    table.string('revoked_by_id', 100);
    table.index(['organisation_id', 'function_id']);
    table.index(['organisation_id', 'delegate_person_id']);
  });
  await knex.schema.alterTable('recipients', (table) => {
    table.uuid('function_id').references('id').inTable('functions');
    table.string('capacity', 20);
    table.uuid('delegation_id').references('id').inTable('delegations');
    table.string('acting_statement', 300);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.dropForeign(['function_id']);
    table.dropForeign(['delegation_id']);
    table.dropColumn('function_id');
    table.dropColumn('capacity');
    table.dropColumn('delegation_id');
    table.dropColumn('acting_statement');
  });
  await knex.schema.dropTable('delegations');
  await knex.schema.dropTable('absences');
  await knex.schema.dropTable('mandates');
  await knex.schema.dropTable('functions');
}
