/**
 * Rate-limit state in Redis (RATE_LIMIT_STORE=redis, REDIS_URL), shared by every instance. A take is one
 * Lua script run by EVALSHA (Redis runs a script atomically, so two instances never both get the last
 * token); each key expires when it would no longer limit anything, so Redis needs no purge.
 * The client is built to fail fast when Redis is away — no offline queue, a command timeout — so the
 * caller (src/http/rate-limit.ts) can decide what a missing answer means instead of waiting on it.
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { BUCKET_REFILL_MS, type RateLimitStore } from './rate-limit-store.ts';

/** KEYS[1] bucket; ARGV capacity, now (ms), refill ms. Returns { allowed 0|1, tokens as a string } (a Lua number reply loses its fraction). */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local refill = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
local at = now
if bucket[1] then
  tokens = tonumber(bucket[1])
  at = tonumber(bucket[2])
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / refill)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(at, now)))
redis.call('PEXPIRE', KEYS[1], refill)
return { allowed, tostring(tokens) }`;

/** KEYS[1] pair; ARGV now (ms), reset ms. A pair quiet for longer than the reset starts over, as its key expires then. */
const FAILURE_SCRIPT = `
local now = tonumber(ARGV[1])
local reset = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local failures = 1
if last > 0 and now - last <= reset then failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) + 1 end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], reset)
return failures`;

export interface RedisRateLimitStoreOptions {
  url: string;
  /** Prefix of every key (default `paraaf:`): deployments, or test runs, sharing one Redis keep apart. */
  prefix?: string;
  /** Per command (default 500 ms): a Redis that hangs must not hang the request behind it. */
  commandTimeoutMs?: number;
  /** Connection errors: node-redis reconnects by itself, and emits each failure here (an unhandled 'error' would end the process). */
  onError: (error: unknown) => void;
}

const sha1 = (script: string) => createHash('sha1').update(script).digest('hex');

export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const prefix = options.prefix ?? 'paraaf:';
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 500 },
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) },
  });
  client.on('error', options.onError);
  const timeoutMs = options.commandTimeoutMs ?? 500;
  // Not awaited here: the service starts without Redis (the limiter fails open meanwhile) and connects when Redis comes.
  const connecting = client.connect().catch(options.onError);
  /** The first commands wait (a little) for the first connection; afterwards a lost connection fails them at once. */
  let firstWait: Promise<unknown> | undefined;
  const ready = async (): Promise<void> => {
    if (client.isReady) return;
    let timer: NodeJS.Timeout | undefined;
    firstWait ??= Promise.race([connecting, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)).unref())]).finally(() => clearTimeout(timer));
    await firstWait;
  };

  /** EVALSHA, and EVAL once when Redis does not know the script yet (first use, or after a restart of Redis). */
  const run = async (script: string, key: string, args: Array<string | number>): Promise<unknown> => {
    const call = { keys: [key], arguments: args.map(String) };
    await ready();
    try {
      return await client.evalSha(sha1(script), call);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(script, call);
    }
  };

  return {
    kind: 'redis',
    async take(key, perMinute, nowMs) {
      const [allowed, tokens] = (await run(TAKE_SCRIPT, `${prefix}bucket:${key}`, [perMinute, Math.floor(nowMs), BUCKET_REFILL_MS])) as [number, string];
      return { allowed: allowed === 1, tokens: Number(tokens) };
    },
    async recordLoginFailure(key, nowMs, resetAfterMs) {
      const failures = (await run(FAILURE_SCRIPT, `${prefix}login:${key}`, [Math.floor(nowMs), resetAfterMs])) as number;
      return { failures, lastMs: Math.floor(nowMs) };
    },
    async loginFailures(key) {
      await ready();
      const entry = await client.hGetAll(`${prefix}login:${key}`);
      return entry.failures ? { failures: Number(entry.failures), lastMs: Number(entry.last) } : null;
    },
    async clearLoginFailures(key) {
      await ready();
      await client.del(`${prefix}login:${key}`);
    },
    async purge() {
      return 0; // keys expire by themselves
    },
    async close() {
      // A client still trying to reach Redis is stopped, not waited for.
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    },
  };
}
