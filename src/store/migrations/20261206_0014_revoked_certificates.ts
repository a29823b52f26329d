import type { Knex } from 'knex';
import { nowDefault, timestampColumn } from '../sql.ts';

/**
 * Certificates our CAs have revoked (issue 9): what their CRL lists (RFC 5280 §5.1.2.6) and their OCSP responder
 * answers "revoked" for (RFC 6960 §2.2). A certificate is named by its issuer (SHA-256 of the issuing CA
 * certificate's DER, so two CAs' serials never collide) and its serial number (lower-case hex of the INTEGER's
 * magnitude, without leading zeros). Rows are never deleted: a revocation is final.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('revoked_certificates', (table) => {
    table.uuid('id').primary();
    table.string('issuer_sha256', 64).notNullable();
    table.string('serial_hex', 42).notNullable();
    table.uuid('organisation_id').references('id').inTable('organisations');
    timestampColumn(table, 'revoked_at').notNullable();
    table.string('reason', 32);
    /** Who revoked it and why, free text for the record (e.g. "CLI: fraud report 2026-114"). */
    table.string('note', 512);
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.unique(['issuer_sha256', 'serial_hex']);
    table.index(['organisation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('revoked_certificates');
}
