import type { Knex } from 'knex';

/**
 * Issue 10: a password someone else chose (the one-time password `user create` prints) must be
 * replaced at first login. `must_change_password` is set by the CLI and cleared by any password
 * the user sets themselves (reset link, invite, the change-password page).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.boolean('must_change_password').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.dropColumn('must_change_password');
  });
}
