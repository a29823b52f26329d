import type { Knex } from 'knex';

/**
 * The signing route (decision body, e.g. "Gemeenteraad") an envelope was sent with (issue 5):
 * the route template's name at the time of sending, so the dashboard can filter by body even
 * after the template is renamed or deleted. Null for envelopes sent without a route.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.string('route_name', 200);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.dropColumn('route_name');
  });
}
