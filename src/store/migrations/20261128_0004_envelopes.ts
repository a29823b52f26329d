import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

const ENVELOPE_STATUSES = ['draft', 'sent', 'in_progress', 'completed', 'declined', 'cancelled', 'expired'] as const;
const RECIPIENT_STATUSES = ['pending', 'sent', 'opened', 'signed', 'approved', 'declined', 'cancelled', 'expired'] as const;

/** Envelopes and what hangs under them: documents, revisions, recipients, fields, signing links (DESIGN §3, §4). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('envelopes', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('title', 500).notNullable();
    table.text('message');
    table.enu('status', [...ENVELOPE_STATUSES]).notNullable().defaultTo('draft');
    table.enu('created_by_kind', ['api_key', 'user']).notNullable();
    table.uuid('created_by_id').notNullable();
    timestampColumn(table, 'expires_at');
    timestampColumn(table, 'sent_at');
    timestampColumn(table, 'completed_at');
    timestampColumn(table, 'declined_at');
    timestampColumn(table, 'cancelled_at');
    timestampColumn(table, 'expired_at');
    table.text('cancel_reason');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'updated_at').notNullable().defaultTo(nowDefault(knex));
    table.index(['organisation_id', 'status']);
    // The expiry job looks for open envelopes past their date.
    table.index(['status', 'expires_at']);
  });

  await knex.schema.createTable('documents', (table) => {
    table.uuid('id').primary();
    table.uuid('envelope_id').notNullable().references('id').inTable('envelopes');
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('name', 255).notNullable();
    table.integer('position').notNullable();
    table.integer('page_count');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.unique(['envelope_id', 'position']);
  });

  // Append-only: the current PDF of a document is its revision with the highest seq (DESIGN §3, §8).
  await knex.schema.createTable('revisions', (table) => {
    table.uuid('id').primary();
    table.uuid('document_id').notNullable().references('id').inTable('documents');
    table.integer('seq').notNullable();
    table.string('blob_sha256', 64).notNullable();
    table.bigInteger('size').notNullable();
    table.enu('kind', ['original', 'prepared', 'signature', 'timestamp', 'ltv']).notNullable();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.unique(['document_id', 'seq']);
  });

  await knex.schema.createTable('recipients', (table) => {
    table.uuid('id').primary();
    table.uuid('envelope_id').notNullable().references('id').inTable('envelopes');
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('person_id').references('id').inTable('people');
    table.string('name', 200).notNullable();
    table.string('email', 320).notNullable();
    table.string('function', 200);
    table.enu('language', ['nl', 'en', 'fr']).notNullable().defaultTo('nl');
    table.enu('role', ['signer', 'approver', 'cc']).notNullable();
    // Same number = parallel; the lowest open number is active (DESIGN §4).
    table.integer('routing_order').notNullable().defaultTo(1);
    table.enu('status', [...RECIPIENT_STATUSES]).notNullable().defaultTo('pending');
    timestampColumn(table, 'sent_at');
    timestampColumn(table, 'opened_at');
    timestampColumn(table, 'completed_at');
    timestampColumn(table, 'declined_at');
    table.text('decline_reason');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.index(['envelope_id']);
    // The batch page: everything one person has to sign in an organisation (DESIGN §7).
    table.index(['organisation_id', 'email']);
  });

  await knex.schema.createTable('fields', (table) => {
    table.uuid('id').primary();
    table.uuid('recipient_id').notNullable().references('id').inTable('recipients');
    table.uuid('document_id').notNullable().references('id').inTable('documents');
    table.integer('page').notNullable();
    table.double('x').notNullable();
    table.double('y').notNullable();
    table.double('width').notNullable();
    table.double('height').notNullable();
    table.string('field_name', 200);
    table.index(['recipient_id']);
    table.index(['document_id']);
  });

  // The token itself exists only in the e-mail (DESIGN §3).
  await knex.schema.createTable('signing_links', (table) => {
    table.uuid('id').primary();
    table.uuid('recipient_id').notNullable().references('id').inTable('recipients');
    table.string('token_sha256', 64).notNullable().unique();
    timestampColumn(table, 'expires_at').notNullable();
    timestampColumn(table, 'revoked_at');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.index(['recipient_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const name of ['signing_links', 'fields', 'recipients', 'revisions', 'documents', 'envelopes']) {
    await knex.schema.dropTable(name);
  }
}
