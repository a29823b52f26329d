import type { Knex } from 'knex';
import { jsonColumn, nowDefault, timestampColumn } from '../sql.ts';

/**
 * The append-only audit trail (DESIGN §6). Events are hash-chained per `chain`: the envelope id
 * for envelope events, `org:<organisation id>` for organisation-level ones (keys, users, people),
 * so every event sits in exactly one chain and unique(chain, seq) stops concurrent writers from
 * forking it (a nullable envelope_id could not: NULLs never collide in a unique index).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('envelope_id').references('id').inTable('envelopes');
    table.string('chain', 64).notNullable();
    table.integer('seq').notNullable();
    timestampColumn(table, 'occurred_at').notNullable().defaultTo(nowDefault(knex));
    table.string('actor_kind', 32).notNullable();
    table.string('actor_id', 64);
    table.string('actor_label', 320);
    table.string('action', 64).notNullable();
    table.string('ip', 64);
    table.text('user_agent');
    jsonColumn(knex, table, 'details').notNullable().defaultTo('{}');
    table.string('document_sha256', 64);
    table.string('prev_hash', 64);
    table.string('hash', 64).notNullable();
    table.unique(['chain', 'seq']);
    table.index(['organisation_id', 'envelope_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
}
