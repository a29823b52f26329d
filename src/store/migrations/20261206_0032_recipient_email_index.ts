import type { Knex } from 'knex';

/**
 * Every signing page asks what else waits for its signer in the organisation (batch signing, issue 4): the recipient
 * rows of their e-mail address, compared case-insensitively (waiting-envelopes.ts). The index on (organisation_id,
 * email) cannot answer `lower(email) = ?`, so each page read every recipient row of the organisation, tens of
 * thousands after a few years. An index on the expression answers it, on SQLite and PostgreSQL alike.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index recipients_organisation_id_lower_email_index on recipients (organisation_id, lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index recipients_organisation_id_lower_email_index');
}
