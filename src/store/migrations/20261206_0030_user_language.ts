import type { Knex } from 'knex';

/**
 * Issue 12: a staff user speaks a language of their own (Dutch first, English and French complete). The staff
 * app uses it once they are logged in, and every mail to them (password reset, invitation, the notices of a
 * decline, completion, expiry or undelivered mail) is written in it. Chosen with the language links in the
 * app, on the invite form, or `user create --language`; existing accounts keep Dutch.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.enu('language', ['nl', 'en', 'fr']).notNullable().defaultTo('nl');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.dropColumn('language');
  });
}
