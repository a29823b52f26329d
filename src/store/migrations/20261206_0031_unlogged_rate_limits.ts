import type { Knex } from 'knex';
import { isPostgres } from '../sql.ts';

/**
 * Issue 11: on PostgreSQL the rate-limit buckets are UNLOGGED. Every public request takes a token with one upsert,
 * and as a logged table each one waited for its WAL to be flushed to disk at commit: ~0.4 ms of a sign request,
 * for state that needs no durability. An unlogged table is emptied after a crash and not copied to standbys, which
 * for a bucket means at most a fresh budget after a failover. Login failures stay logged: they are rare writes and
 * their count is what locks an attacker out. SQLite has no unlogged tables (and keeps its limits in memory).
 */
export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('alter table rate_limit_buckets set unlogged');
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) await knex.raw('alter table rate_limit_buckets set logged');
}
