/** Config for several instances (issue 11): the rate-limit store, REDIS_URL, and SIGNER_SECRET on PostgreSQL. */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';

const POSTGRES = 'postgres://paraaf@db:5432/paraaf';
const SECRET = 's'.repeat(32);

function issuesOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('config: instances that cooperate (issue 11)', () => {
  it('keeps rate limits in memory on SQLite and in PostgreSQL on PostgreSQL, unless RATE_LIMIT_STORE says otherwise', () => {
    expect(loadConfig({}).rateLimit).to.deep.equal({ store: 'memory' });
    expect(loadConfig({ DATABASE_URL: POSTGRES, SIGNER_SECRET: SECRET }).rateLimit).to.deep.equal({ store: 'postgres' });
    expect(loadConfig({ DATABASE_URL: POSTGRES, SIGNER_SECRET: SECRET, RATE_LIMIT_STORE: 'memory' }).rateLimit).to.deep.equal({ store: 'memory' });
    expect(loadConfig({ RATE_LIMIT_STORE: 'redis' }).rateLimit).to.deep.equal({ store: 'redis', redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: 'paraaf:' });
    expect(loadConfig({ RATE_LIMIT_STORE: 'redis', REDIS_URL: 'rediss://cache.internal:6380/2', REDIS_KEY_PREFIX: 'kortrijk:' }).rateLimit).to.deep.equal({
      store: 'redis',
      redisUrl: 'rediss://cache.internal:6380/2',
      redisKeyPrefix: 'kortrijk:',
    });
  });

  it('refuses a postgres store on SQLite, a REDIS_URL or REDIS_KEY_PREFIX nothing uses, and an unknown store or URL', () => {
    expect(issuesOf({ RATE_LIMIT_STORE: 'postgres' })).to.deep.equal(['RATE_LIMIT_STORE: postgres needs a postgres:// DATABASE_URL; with SQLite use memory (the default)']);
    expect(issuesOf({ REDIS_URL: 'redis://127.0.0.1:6379' })[0]).to.match(/^REDIS_URL: only used with RATE_LIMIT_STORE=redis/);
    expect(issuesOf({ RATE_LIMIT_STORE: 'memcached' })[0]).to.match(/^RATE_LIMIT_STORE:/);
    expect(issuesOf({ RATE_LIMIT_STORE: 'redis', REDIS_URL: 'http://127.0.0.1:6379' })[0]).to.match(/^REDIS_URL:/);
    expect(issuesOf({ REDIS_KEY_PREFIX: 'a:' })[0]).to.match(/^REDIS_KEY_PREFIX: only used with RATE_LIMIT_STORE=redis/);
    expect(issuesOf({ RATE_LIMIT_STORE: 'redis', REDIS_KEY_PREFIX: 'has space' })[0]).to.match(/^REDIS_KEY_PREFIX:/);
  });

  it('ticks the scheduled jobs every JOBS_INTERVAL_SECONDS, 60 by default, within 1 to 3600', () => {
    expect(loadConfig({}).jobsIntervalMs).to.equal(60_000);
    expect(loadConfig({ JOBS_INTERVAL_SECONDS: '5' }).jobsIntervalMs).to.equal(5_000);
    expect(issuesOf({ JOBS_INTERVAL_SECONDS: '0' })[0]).to.match(/^JOBS_INTERVAL_SECONDS:/);
    expect(issuesOf({ JOBS_INTERVAL_SECONDS: 'soms' })[0]).to.match(/^JOBS_INTERVAL_SECONDS:/);
  });

  it('requires SIGNER_SECRET on PostgreSQL, saying that every instance must share it', () => {
    const issues = issuesOf({ DATABASE_URL: POSTGRES });
    expect(issues).to.have.length(1);
    expect(issues[0]).to.match(/^SIGNER_SECRET: required with a PostgreSQL DATABASE_URL/).and.include('the same on every instance');
    // Said once in production too, not twice.
    expect(issuesOf({ DATABASE_URL: POSTGRES, NODE_ENV: 'production', METRICS_TOKEN: SECRET, SMTP_URL: 'smtp://127.0.0.1:25' }).filter((issue) => issue.startsWith('SIGNER_SECRET'))).to.have.length(1);
    expect(loadConfig({}).signerSecret).to.equal(undefined);
  });
});
