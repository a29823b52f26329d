/**
 * Where rate-limit state lives (issue 11): token buckets for the public routes and the count of failed
 * staff logins per client. `memory` keeps it in this process (one instance, SQLite); `postgres` and
 * `redis` share it between instances, so a client meets the same limit whichever instance answers.
 * The policies (how many, how long) stay in src/http; a store only counts, atomically.
 */

/** One token bucket after a take: whether the take got a token, and what is left (fractions refill continuously). */
export interface BucketTake {
  allowed: boolean;
  tokens: number;
}

/** Failed logins of one (IP, account) pair: how many in a row, and when the last one was (epoch ms). */
export interface LoginFailures {
  failures: number;
  lastMs: number;
}

export interface RateLimitStore {
  readonly kind: 'memory' | 'postgres' | 'redis';
  /**
   * Refills bucket `key` (capacity `perMinute`, refilled evenly over one minute) up to `nowMs` and takes one
   * token if a whole one is there, in one atomic step: instances taking at once never both get the last token.
   */
  take(key: string, perMinute: number, nowMs: number): Promise<BucketTake>;
  /** Counts one more failed login for `key`; a pair quiet for longer than `resetAfterMs` starts again at one. */
  recordLoginFailure(key: string, nowMs: number, resetAfterMs: number): Promise<LoginFailures>;
  loginFailures(key: string): Promise<LoginFailures | null>;
  clearLoginFailures(key: string): Promise<void>;
  /** Forgets what no longer matters (full buckets, failures older than `loginResetMs`); returns how many entries went. */
  purge(nowMs: number, loginResetMs: number): Promise<number>;
  close(): Promise<void>;
}

/** A bucket refills completely in one minute, whatever its size: one idle for longer is full, and can be forgotten. */
export const BUCKET_REFILL_MS = 60_000;

/** Tokens after refilling `tokens` taken at `atMs` up to `nowMs` (never backwards: instances' clocks differ a little). */
export function refilled(tokens: number, atMs: number, nowMs: number, perMinute: number): number {
  return Math.min(perMinute, tokens + (Math.max(0, nowMs - atMs) * perMinute) / BUCKET_REFILL_MS);
}

/** Entries kept at most by the memory store; beyond it the least recently used go first. */
const MAX_MEMORY_ENTRIES = 50_000;

/** In this process only: the default on SQLite, where one process serves the database. */
export function createMemoryRateLimitStore(): RateLimitStore {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const logins = new Map<string, LoginFailures>();
  // Map keeps insertion order: re-inserting on use makes the first key the least recently used.
  const touch = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    while (map.size > MAX_MEMORY_ENTRIES) map.delete(map.keys().next().value!);
  };
  return {
    kind: 'memory',
    async take(key, perMinute, nowMs) {
      const bucket = buckets.get(key);
      const tokens = bucket ? refilled(bucket.tokens, bucket.at, nowMs, perMinute) : perMinute;
      const allowed = tokens >= 1;
      const left = allowed ? tokens - 1 : tokens;
      touch(buckets, key, { tokens: left, at: Math.max(bucket?.at ?? nowMs, nowMs) });
      return { allowed, tokens: left };
    },
    async recordLoginFailure(key, nowMs, resetAfterMs) {
      const entry = logins.get(key);
      const failures = entry && nowMs - entry.lastMs <= resetAfterMs ? entry.failures + 1 : 1;
      const updated = { failures, lastMs: nowMs };
      touch(logins, key, updated);
      return updated;
    },
    async loginFailures(key) {
      return logins.get(key) ?? null;
    },
    async clearLoginFailures(key) {
      logins.delete(key);
    },
    async purge(nowMs, loginResetMs) {
      let purged = 0;
      for (const [key, bucket] of buckets) if (nowMs - bucket.at > BUCKET_REFILL_MS && buckets.delete(key)) purged += 1;
      for (const [key, entry] of logins) if (nowMs - entry.lastMs > loginResetMs && logins.delete(key)) purged += 1;
      return purged;
    },
    async close() {},
  };
}
