import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/**
 * `Idempotency-Key` on POST (DESIGN §7): the first request's hash and stored answer. A row
 * without response_status is a request still in flight.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (table) => {
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('key', 255).notNullable();
    table.string('request_sha256', 64).notNullable();
    table.integer('response_status');
    table.text('response_body');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.primary(['organisation_id', 'key']);
    table.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
