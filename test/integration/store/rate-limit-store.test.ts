/**
 * Rate-limit stores (issue 11). Two store objects on one PostgreSQL schema, or on one Redis, play two
 * instances: they share one budget and one failed-login count, and concurrent takes never hand out more
 * tokens than the bucket holds. Memory and Redis always (CI runs Redis at 127.0.0.1:6379, REDIS_URL
 * elsewhere); PostgreSQL in the PostgreSQL pass (TEST_DATABASE_URL).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { migrateToLatest, type Knex } from '../../../src/store/index.ts';
import { createMemoryRateLimitStore, type RateLimitStore } from '../../../src/store/rate-limit-store.ts';
import { createPgRateLimitStore } from '../../../src/store/rate-limit-store-pg.ts';
import { createRedisRateLimitStore } from '../../../src/store/rate-limit-store-redis.ts';
import { openRateLimitStore } from '../../../src/store/rate-limit-store-open.ts';
import { loadConfig } from '../../../src/config.ts';
import { failOpen } from '../../../src/http/rate-limit.ts';
import { createLogger } from '../../../src/logger.ts';
import { createPgSchema, type PgSchema } from '../../helpers/pg-schema.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresUrl = process.env.TEST_DATABASE_URL;
const T0 = Date.parse('2026-12-06T09:00:00Z');
const HOUR = 60 * 60_000;

interface Pair {
  /** Two stores on one shared state (one store twice for memory). */
  stores: [RateLimitStore, RateLimitStore];
  close(): Promise<void>;
}

const kinds: Array<{ kind: string; shared: boolean; open(): Promise<Pair> }> = [
  {
    kind: 'memory',
    shared: false,
    async open() {
      const store = createMemoryRateLimitStore();
      return { stores: [store, store], close: () => store.close() };
    },
  },
  {
    kind: 'redis',
    shared: true,
    async open() {
      // A fresh prefix per test: runs never meet each other's keys.
      const prefix = `paraaf-test:${randomBytes(6).toString('hex')}:`;
      const open = () => createRedisRateLimitStore({ url: REDIS_URL, prefix, onError: (error) => console.error(error) });
      const stores: [RateLimitStore, RateLimitStore] = [open(), open()];
      return { stores, close: async () => void (await Promise.all(stores.map((store) => store.close()))) };
    },
  },
];
if (postgresUrl) {
  kinds.push({
    kind: 'postgres',
    shared: true,
    async open() {
      const pg: PgSchema = await createPgSchema(postgresUrl);
      const [first, second] = [pg.pool(), pg.pool()];
      await migrateToLatest(first);
      return { stores: [createPgRateLimitStore(first), createPgRateLimitStore(second)], close: () => pg.drop() };
    },
  });
}

for (const { kind, shared, open } of kinds) {
  describe(`rate-limit store: ${kind}`, () => {
    let pair: Pair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(() => pair.close());

    it('gives a burst of perMinute tokens, then none until they refill evenly over the minute', async () => {
      const [store] = pair.stores;
      const allowed: boolean[] = [];
      for (let i = 0; i < 6; i++) allowed.push((await store.take('signer:203.0.113.7', 5, T0)).allowed);
      expect(allowed).to.deep.equal([true, true, true, true, true, false]);
      // 5 a minute: one token per 12 s.
      expect((await store.take('signer:203.0.113.7', 5, T0 + 11_000)).allowed).to.equal(false);
      const after = await store.take('signer:203.0.113.7', 5, T0 + 12_000);
      expect(after.allowed).to.equal(true);
      expect(after.tokens).to.be.closeTo(0, 1e-9);
      // Another key, or another limiter's key, has its own bucket.
      expect((await store.take('verify:203.0.113.7', 5, T0)).allowed).to.equal(true);
      expect((await store.take('signer:203.0.113.8', 5, T0)).allowed).to.equal(true);
    });

    it('reports what is left when it refuses, so Retry-After can be computed', async () => {
      const [store] = pair.stores;
      for (let i = 0; i < 2; i++) await store.take('k', 2, T0);
      const refused = await store.take('k', 2, T0 + 15_000);
      expect(refused.allowed).to.equal(false);
      expect(refused.tokens).to.be.closeTo(0.5, 1e-9);
    });

    it('never hands out more tokens than the bucket holds when many take at once', async () => {
      const [first, second] = pair.stores;
      const takes = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? first : second).take('burst', 10, T0)));
      expect(takes.filter((take) => take.allowed)).to.have.length(10);
    });

    it('counts failed logins per key, starting over after a quiet period, and forgets them on success', async () => {
      const [first, second] = pair.stores;
      expect(await first.loginFailures('ip|org|user')).to.equal(null);
      expect(await first.recordLoginFailure('ip|org|user', T0, HOUR)).to.deep.equal({ failures: 1, lastMs: T0 });
      expect(await second.recordLoginFailure('ip|org|user', T0 + 1000, HOUR)).to.deep.equal({ failures: 2, lastMs: T0 + 1000 });
      expect(await first.loginFailures('ip|org|user')).to.deep.equal({ failures: 2, lastMs: T0 + 1000 });
      expect((await first.recordLoginFailure('ip|org|user', T0 + 1000 + HOUR + 1, HOUR)).failures).to.equal(1);
      await second.clearLoginFailures('ip|org|user');
      expect(await first.loginFailures('ip|org|user')).to.equal(null);
    });

    if (shared) {
      it('shares one budget between instances: the limit is hit across them', async () => {
        const [first, second] = pair.stores;
        const allowed: boolean[] = [];
        for (let i = 0; i < 6; i++) allowed.push((await (i % 2 === 0 ? first : second).take('signer:198.51.100.4', 5, T0 + i)).allowed);
        expect(allowed).to.deep.equal([true, true, true, true, true, false]);
        expect((await second.take('signer:198.51.100.4', 5, T0 + 10)).allowed).to.equal(false);
      });
    }

    if (kind !== 'redis') {
      it('purges full buckets and failures older than the reset, and nothing that still limits', async () => {
        const [store] = pair.stores;
        await store.take('old', 5, T0);
        await store.take('recent', 5, T0 + 30_000);
        await store.recordLoginFailure('stale', T0, HOUR);
        await store.recordLoginFailure('fresh', T0 + HOUR, HOUR);
        expect(await store.purge(T0 + 61_000, HOUR)).to.equal(1);
        expect(await store.purge(T0 + HOUR + 1, HOUR)).to.equal(2);
        expect(await store.loginFailures('fresh')).to.not.equal(null);
        expect((await store.take('recent', 1, T0 + HOUR + 1)).allowed).to.equal(true);
      });
    }
  });
}

if (postgresUrl) {
  describe('rate-limit store: postgres on the signing path', () => {
    it('takes a token in one SQL statement', async () => {
      const pg = await createPgSchema(postgresUrl);
      try {
        const db: Knex = pg.pool();
        await migrateToLatest(db);
        const store = createPgRateLimitStore(db);
        await store.take('warm', 60, T0);
        const statements: string[] = [];
        const count = (query: { sql: string }) => statements.push(query.sql);
        db.on('query', count);
        await store.take('signer:192.0.2.1', 60, T0);
        await store.take('signer:192.0.2.1', 60, T0 + 1);
        db.off('query', count);
        expect(statements).to.have.length(2);
      } finally {
        await pg.drop();
      }
    });
  });
}

describe('rate-limit store: redis', () => {
  it('runs its script by EVALSHA and loads it again when Redis has forgotten it (SCRIPT FLUSH, a restart)', async () => {
    const prefix = `paraaf-test:${randomBytes(6).toString('hex')}:`;
    const store = createRedisRateLimitStore({ url: REDIS_URL, prefix, onError: () => undefined });
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    try {
      expect((await store.take('k', 3, T0)).allowed).to.equal(true);
      await admin.scriptFlush();
      expect(await store.take('k', 3, T0)).to.deep.equal({ allowed: true, tokens: 1 });
      // The key expires when the bucket would be full again, so Redis needs no purge.
      const ttl = await admin.pTTL(`${prefix}bucket:k`);
      expect(ttl).to.be.greaterThan(0).and.at.most(60_000);
    } finally {
      await admin.close();
      await store.close();
    }
  });

  it('keeps two deployments sharing one Redis apart by REDIS_KEY_PREFIX', async () => {
    const run = randomBytes(6).toString('hex');
    const open = (prefix: string) =>
      openRateLimitStore(loadConfig({ RATE_LIMIT_STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: `${prefix}-${run}:` }), null as unknown as Knex, createLogger({ level: 'silent' }));
    const kortrijk = open('kortrijk');
    const menen = open('menen');
    try {
      expect((await kortrijk.take('signer:1', 1, T0)).allowed).to.equal(true);
      expect((await kortrijk.take('signer:1', 1, T0)).allowed).to.equal(false);
      // The same key in the other deployment has its own full bucket.
      expect((await menen.take('signer:1', 1, T0)).allowed).to.equal(true);
    } finally {
      await kortrijk.close();
      await menen.close();
    }
  });

  it('fails fast when Redis cannot be reached, and the guarded store lets the request through with an error and a count', async () => {
    // Nothing listens on port 1.
    const store = createRedisRateLimitStore({ url: 'redis://127.0.0.1:1', onError: () => undefined });
    const lines: string[] = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(line) } });
    let failures = 0;
    const guarded = failOpen(store, { logger, clock: () => new Date(T0), onFailure: () => (failures += 1) });
    try {
      let error: unknown;
      await store.take('k', 5, T0).catch((caught: unknown) => (error = caught));
      expect(error).to.be.instanceOf(Error);
      expect(await guarded.take('k', 5, T0)).to.deep.equal({ allowed: true, tokens: 5 });
      expect(await guarded.loginFailures('k')).to.equal(null);
      expect(await guarded.take('k', 5, T0)).to.deep.equal({ allowed: true, tokens: 5 });
      expect(failures).to.equal(3);
      // One line for the three failures within the interval, not one per request.
      expect(lines).to.have.length(1);
      expect(JSON.parse(lines[0]!)).to.include({ store: 'redis', operation: 'take', msg: 'rate-limit store failed: requests go on without that limit' });
    } finally {
      await store.close();
    }
  });
});
