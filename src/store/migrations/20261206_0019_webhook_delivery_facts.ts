import type { Knex } from 'knex';

/**
 * Webhook deliveries keep the HTTP status and the time an attempt took, never the receiver's
 * answer (issue 10: 300 bytes of an internal server's reply came back through
 * `/api/v1/webhooks/{id}/deliveries`). Mail rows get nulls. The response excerpts that older
 * versions wrote into `last_error` (`HTTP 500: <body>`) are cut back to `HTTP 500`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (table) => {
    table.integer('response_status');
    table.integer('duration_ms');
  });
  const rows = (await knex('outbox').where({ kind: 'webhook' }).andWhere('last_error', 'like', 'HTTP %').select('id', 'last_error')) as Array<{ id: string; last_error: string }>;
  for (const row of rows) {
    const match = /^HTTP (\d{3})/.exec(row.last_error);
    if (!match) continue;
    await knex('outbox').where({ id: row.id }).update({ last_error: match[0], response_status: Number(match[1]) });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (table) => {
    table.dropColumn('response_status');
    table.dropColumn('duration_ms');
  });
}
