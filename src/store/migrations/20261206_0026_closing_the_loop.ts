import type { Knex } from 'knex';
import { jsonColumn, nowDefault, timestampColumn } from '../sql.ts';

/**
 * Closing the loop (issue 12):
 * - `result_links`: the link in the completion mail to the signed PDFs, one per recipient and one for the
 *   staff member who sent the envelope; like a signing link only the SHA-256 of its token is stored.
 * - `staff_notifications`: what the secretariat is told (a declined, completed or expired envelope, a mail
 *   that could not be delivered), one row per staff user, read or not; `outbox_id` is unique so a dead mail
 *   is noticed once whichever instance's job sees it.
 * - `recipients.auto_reminders` / `last_reminded_at`: how many automatic reminders a recipient had and when
 *   the last reminder (staff or automatic) went, so the scheduled job never sends one twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('result_links', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    // One envelope's result, or (meeting_id set) every completed envelope of a meeting this person had a part in.
    table.uuid('envelope_id').notNullable().references('id').inTable('envelopes');
    table.uuid('meeting_id').references('id').inTable('meetings');
    table.uuid('recipient_id').references('id').inTable('recipients');
    table.uuid('user_id').references('id').inTable('users');
    table.string('name', 200).notNullable();
    table.string('email', 320).notNullable();
    table.string('token_sha256', 64).notNullable().unique();
    timestampColumn(table, 'expires_at').notNullable();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    table.index(['envelope_id']);
  });
  await knex.schema.createTable('staff_notifications', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    // Null: nobody to tell (an envelope sent through the API), kept so the dead mail is not looked at again.
    table.uuid('user_id').references('id').inTable('users');
    table.uuid('envelope_id').references('id').inTable('envelopes');
    table.string('kind', 40).notNullable();
    table.uuid('outbox_id').unique();
    jsonColumn(knex, table, 'details');
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
    timestampColumn(table, 'read_at');
    table.index(['organisation_id', 'user_id', 'read_at']);
  });
  await knex.schema.alterTable('recipients', (table) => {
    table.integer('auto_reminders').notNullable().defaultTo(0);
    timestampColumn(table, 'last_reminded_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recipients', (table) => {
    table.dropColumn('last_reminded_at');
    table.dropColumn('auto_reminders');
  });
  await knex.schema.dropTable('staff_notifications');
  await knex.schema.dropTable('result_links');
}
