import type { Knex } from 'knex';
import { timestampColumn } from '../sql.ts';

/**
 * B-LTA (issue 9): a 'timestamp' revision remembers when the certificate of the TSA that made its
 * document timestamp expires, so the renewal job (src/workflow/archive-timestamps.ts) finds the
 * documents whose newest archive timestamp must be renewed (ETSI EN 319 102-1 §5.6.3) without
 * opening any PDF. Null for every other kind of revision.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('revisions', (table) => {
    timestampColumn(table, 'timestamp_expires_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('revisions', (table) => {
    table.dropColumn('timestamp_expires_at');
  });
}
