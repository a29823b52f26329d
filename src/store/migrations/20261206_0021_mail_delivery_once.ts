import type { Knex } from 'knex';
import { timestampColumn } from '../sql.ts';

/**
 * Issue 10: a mail is handed to SMTP at most once per intent, and a reminder never overtakes the
 * request it replaces.
 * - `delivery_id`: the Message-ID a mail gets, committed before the SMTP conversation starts.
 * - `delivery_state`: 'sending' while that conversation runs; a row still 'sending' after its lease
 *   ran out (the worker was killed mid-send) becomes 'uncertain' (status dead: staff see it with the
 *   failed mails and retry it by hand) instead of being sent a second time. Null otherwise. A
 *   column rather than new `status` values: `status` is a CHECK-constrained enum that SQLite can
 *   only change by rebuilding the table.
 * - `recipient_key`: envelope id and recipient address of a mail; the worker delivers the mails of
 *   one key in creation order (a reminder waits for the request before it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (table) => {
    table.string('delivery_id', 200);
    table.string('delivery_state', 16);
    table.string('recipient_key', 400);
    timestampColumn(table, 'sending_since');
    table.index(['recipient_key', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (table) => {
    table.dropIndex(['recipient_key', 'created_at']);
    table.dropColumn('delivery_id');
    table.dropColumn('delivery_state');
    table.dropColumn('recipient_key');
    table.dropColumn('sending_since');
  });
}
