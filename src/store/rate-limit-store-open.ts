/** Opens the rate-limit store RATE_LIMIT_STORE names (issue 11); the caller closes it with the server. */
import type { Knex } from 'knex';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createMemoryRateLimitStore, type RateLimitStore } from './rate-limit-store.ts';
import { createPgRateLimitStore } from './rate-limit-store-pg.ts';
import { createRedisRateLimitStore } from './rate-limit-store-redis.ts';

export function openRateLimitStore(config: Config, db: Knex, logger: Logger): RateLimitStore {
  const { store, redisUrl, redisKeyPrefix } = config.rateLimit;
  if (store === 'postgres') return createPgRateLimitStore(db);
  if (store === 'redis') {
    return createRedisRateLimitStore({
      url: redisUrl!,
      prefix: redisKeyPrefix,
      // The client reconnects on its own (at most every 5 s); each failed attempt is logged, never thrown.
      onError: (error) => logger.error({ err: error }, 'rate-limit store: Redis connection failed'),
    });
  }
  return createMemoryRateLimitStore();
}
