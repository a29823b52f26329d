/**
 * Rate-limit state in PostgreSQL (RATE_LIMIT_STORE=postgres), shared by every instance on the database.
 * A take is ONE statement — an upsert that refills, takes and answers — because it runs on every signer
 * request, which must stay within 12 statements (issue 11), and because one statement is atomic under
 * concurrent instances without a transaction: ON CONFLICT DO UPDATE locks the row it updates.
 */
import type { Knex } from 'knex';
import { BUCKET_REFILL_MS, type RateLimitStore } from './rate-limit-store.ts';
import { prepared } from './sql.ts';

/** The bucket refilled from its last take up to now (the same formula as refilled() in rate-limit-store.ts). */
const REFILLED = `least(:capacity::double precision, b.tokens + greatest(0, :now::bigint - b.at_ms) * :capacity::double precision / ${BUCKET_REFILL_MS})`;

const TAKE_SQL = `
insert into rate_limit_buckets as b (key, tokens, allowed, at_ms) values (:key, :capacity::double precision - 1, true, :now::bigint)
on conflict (key) do update set
  tokens = ${REFILLED} - case when ${REFILLED} >= 1 then 1 else 0 end,
  allowed = ${REFILLED} >= 1,
  at_ms = greatest(b.at_ms, :now::bigint)
returning tokens, allowed`;

const FAILURE_SQL = `
insert into login_failures as f (key, failures, last_ms) values (:key, 1, :now::bigint)
on conflict (key) do update set
  failures = case when :now::bigint - f.last_ms > :reset::bigint then 1 else f.failures + 1 end,
  last_ms = :now::bigint
returning failures, last_ms`;

export function createPgRateLimitStore(db: Knex): RateLimitStore {
  return {
    kind: 'postgres',
    async take(key, perMinute, nowMs) {
      const result = await prepared(db, db.raw(TAKE_SQL, { key, capacity: perMinute, now: Math.floor(nowMs) }));
      const row = result.rows[0] as { tokens: number; allowed: boolean };
      return { allowed: row.allowed, tokens: Number(row.tokens) };
    },
    async recordLoginFailure(key, nowMs, resetAfterMs) {
      const result = await db.raw(FAILURE_SQL, { key, now: Math.floor(nowMs), reset: resetAfterMs });
      const row = result.rows[0] as { failures: number; last_ms: string };
      return { failures: Number(row.failures), lastMs: Number(row.last_ms) };
    },
    async loginFailures(key) {
      const row = await db('login_failures').where({ key }).first('failures', 'last_ms');
      return row ? { failures: Number(row.failures), lastMs: Number(row.last_ms) } : null;
    },
    async clearLoginFailures(key) {
      await db('login_failures').where({ key }).delete();
    },
    async purge(nowMs, loginResetMs) {
      const buckets = await db('rate_limit_buckets').where('at_ms', '<', Math.floor(nowMs) - BUCKET_REFILL_MS).delete();
      const logins = await db('login_failures').where('last_ms', '<', Math.floor(nowMs) - loginResetMs).delete();
      return Number(buckets) + Number(logins);
    },
    async close() {},
  };
}
