import type { Knex } from 'knex';

/**
 * Meetings (zittingen, issue 12): a sitting of a decision body on a date whose decisions and minutes are
 * sent and signed together. `body` is one of the known decision bodies (src/domain/meeting.ts) or 'other'
 * with `body_label` as free text. An envelope belongs to at most one meeting, at an agenda item ("3",
 * "3a") and a position that orders the meeting page and mails; `kind` says whether it is a decision, the
 * minutes or something else. Envelopes outside a meeting keep all four columns null.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('meetings', (table) => {
    table.uuid('id').primary();
    table.uuid('organisation_id').notNullable().references('id').inTable('organisations');
    table.string('body', 40).notNullable();
    table.string('body_label', 200);
    table.string('title', 500).notNullable();
    table.string('meeting_date', 10).notNullable();
    table.string('status', 20).notNullable();
    table.string('created_by_kind', 20).notNullable();
    table.string('created_by_id', 100).notNullable();
    table.timestamp('sent_at', { useTz: true });
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['organisation_id', 'meeting_date']);
  });
  await knex.schema.alterTable('envelopes', (table) => {
    table.uuid('meeting_id').references('id').inTable('meetings');
    table.string('agenda_item', 50);
    table.integer('agenda_position');
    table.string('kind', 20);
    table.index(['meeting_id', 'agenda_position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('envelopes', (table) => {
    table.dropIndex(['meeting_id', 'agenda_position']);
    table.dropForeign(['meeting_id']);
    table.dropColumn('meeting_id');
    table.dropColumn('agenda_item');
    table.dropColumn('agenda_position');
    table.dropColumn('kind');
  });
  await knex.schema.dropTable('meetings');
}
