import type { Knex } from 'knex';

/**
 * What a recipient's mails say, kept with the recipient rather than known only at the moment of one mail (issue 12):
 * - `in_place_of`: for a substitute, the absent holder's name ("in de plaats van An Dewaele"). It was passed along
 *   only by a hand-over that mailed the substitute at once; a substitute resolved when the envelope was created, or
 *   mailed later in the routing order, was told "als waarnemer" without the name.
 * - `corrected_since_acted`: a document was corrected after this recipient had signed or approved it, so they act
 *   again. Only the first in the routing order was mailed by the correction itself; who came later got a plain
 *   request when their turn came, without "uw eerdere handtekening geldt niet voor de nieuwe versie".
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.string('in_place_of', 200).nullable();
    table.boolean('corrected_since_acted').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.dropColumn('in_place_of');
    table.dropColumn('corrected_since_acted');
  });
}
