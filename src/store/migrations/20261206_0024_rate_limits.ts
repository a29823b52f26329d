import type { Knex } from 'knex';

/**
 * Rate-limit state shared by instances on PostgreSQL (RATE_LIMIT_STORE=postgres, issue 11); created on SQLite
 * too, where it stays empty (the memory store serves one process), so that both schemas stay alike.
 * - `rate_limit_buckets`: one token bucket per limiter and client, refilled on read (src/store/rate-limit-store-pg.ts).
 * - `login_failures`: failed staff logins per client IP and account (src/http/staff/login-throttle.ts).
 * Times are epoch milliseconds of the service's clock, the unit the limiters compute in. `at_ms` and `last_ms`
 * are indexed for the periodic purge of rows that no longer limit anything.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_buckets', (table) => {
    table.string('key', 200).primary();
    table.double('tokens').notNullable();
    // Whether the last take got a token: RETURNING sees only the row after the update (before PostgreSQL 18).
    table.boolean('allowed').notNullable();
    table.bigInteger('at_ms').notNullable().index();
  });
  await knex.schema.createTable('login_failures', (table) => {
    table.string('key', 200).primary();
    table.integer('failures').notNullable();
    table.bigInteger('last_ms').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_failures');
  await knex.schema.dropTable('rate_limit_buckets');
}
