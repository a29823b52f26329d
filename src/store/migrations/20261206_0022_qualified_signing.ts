import type { Knex } from 'knex';
import { jsonColumn, nowDefault, timestampColumn } from '../sql.ts';

/**
 * Qualified signatures (issue 13).
 * - `recipients.signature_level`: 'advanced' (our one-shot certificate, the default and what every
 *   existing recipient had) or 'qualified' (the signer brings a qualified certificate: eID through
 *   Web eID, or a remote QSCD through the CSC API; eIDAS art. 3(12), 25(2)).
 * - `qualified_signing_sessions`: the state between handing out the data to be signed and receiving the
 *   signature value back (deferred signing, DESIGN §5). `documents` holds, per document, the revision
 *   the signature goes after and the serialized prepared update; `state_hash` is the SHA-256 of the
 *   OAuth `state` of a remote-signing round trip (csc only), never the state itself. Rows expire after
 *   minutes; nothing in them is secret (the PKCE verifier is derived from a server key and the state).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.enu('signature_level', ['advanced', 'qualified']).notNullable().defaultTo('advanced');
  });
  await knex.schema.createTable('qualified_signing_sessions', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.uuid('envelope_id').notNullable().references('id').inTable('envelopes');
    table.uuid('recipient_id').notNullable().references('id').inTable('recipients');
    table.enu('method', ['web-eid', 'csc']).notNullable();
    table.string('provider_id', 40);
    table.enu('status', ['awaiting_certificate', 'prepared', 'completed', 'failed']).notNullable();
    table.string('state_hash', 64);
    jsonColumn(knex, table, 'certificate_chain');
    table.string('certificate_subject', 1000);
    jsonColumn(knex, table, 'documents');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'expires_at').notNullable();
    timestampColumn(table, 'completed_at');
    table.string('failure_code', 64);
    table.unique(['state_hash']);
    table.index(['organisation_id', 'recipient_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('qualified_signing_sessions');
  await knex.schema.alterTable('recipients', (table) => {
    table.dropColumn('signature_level');
  });
}
