import type { Knex } from 'knex';
import { jsonColumn, nowDefault, timestampColumn } from '../sql.ts';

/** Webhook subscriptions and the outbox the delivery worker drains (DESIGN §7, §8). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhooks', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.text('url').notNullable();
    // Kept readable: it keys the HMAC of every delivery (Paraaf-Signature).
    table.string('secret', 200).notNullable();
    jsonColumn(knex, table, 'events').notNullable().defaultTo('[]');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'disabled_at');
    table.index(['organisation_id']);
  });

  await knex.schema.createTable('outbox', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.enu('kind', ['mail', 'webhook']).notNullable();
    jsonColumn(knex, table, 'payload').notNullable();
    table.enu('status', ['pending', 'sent', 'failed', 'dead']).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    timestampColumn(table, 'next_attempt_at').notNullable().defaultTo(nowDefault(knex));
    table.text('last_error');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'sent_at');
    table.uuid('webhook_id').references('id').inTable('webhooks');
    table.string('event', 64);
    table.index(['status', 'next_attempt_at']);
    table.index(['organisation_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox');
  await knex.schema.dropTable('webhooks');
}
