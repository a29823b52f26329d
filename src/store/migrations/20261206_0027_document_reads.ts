import type { Knex } from 'knex';
import { timestampColumn } from '../sql.ts';

/**
 * Reading before signing (issue 12): a signer must have opened each document — shown to its last page
 * in the viewer, or downloaded — before they may sign it. One row per recipient and document, the first
 * time only (its audit event `document.opened` is written with it); the sign request reads it in the
 * statement that already loads the documents (sign-request-reads.ts), so signing costs no statement more.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_reads', (table) => {
    table.uuid('recipient_id').notNullable().references('id').inTable('recipients');
    table.uuid('document_id').notNullable().references('id').inTable('documents');
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('how', 16).notNullable();
    timestampColumn(table, 'at').notNullable();
    table.primary(['recipient_id', 'document_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('document_reads');
}
