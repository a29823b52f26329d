import type { Knex } from 'knex';

/**
 * The line staff set above the blocks of the appended signature page (issue 12), e.g. "Namens de gemeenteraad";
 * null: taken from the decision body when the page is made (src/domain/signature-page.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.string('on_behalf_of', 200);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.dropColumn('on_behalf_of');
  });
}
