import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { maskUrl } from '../../../src/logger.ts';

describe('config', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).to.equal(3000);
    expect(config.baseUrl).to.equal('http://localhost:3000');
    expect(config.dataDir).to.equal(path.resolve('data'));
    expect(config.database).to.deep.equal({ client: 'sqlite3', url: path.resolve('data', 'paraaf.sqlite3') });
    expect(config.blobStore).to.equal('fs');
    expect(config.certsDir).to.equal(path.resolve('certs'));
    expect(config.logLevel).to.equal('info');
    expect(config.maxUploadBytes).to.equal(50 * 1024 * 1024);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('derives BASE_URL from PORT and the SQLite file from DATA_DIR', () => {
    const config = loadConfig({ PORT: '8080', DATA_DIR: '/srv/paraaf' });
    expect(config.baseUrl).to.equal('http://localhost:8080');
    expect(config.database.url).to.equal('/srv/paraaf/paraaf.sqlite3');
  });

  it('selects PostgreSQL for postgres:// URLs', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://paraaf@db:5432/paraaf' });
    expect(config.database).to.deep.equal({ client: 'pg', url: 'postgres://paraaf@db:5432/paraaf' });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' }).port).to.equal(3000);
  });

  it('names every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', BLOB_STORE: 's3', LOG_LEVEL: 'loud', MAX_UPLOAD_MB: '-1', DATABASE_URL: 'mysql://x', BASE_URL: 'ftp://x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    const issues = (caught as ConfigError).issues.join('\n');
    for (const name of ['PORT', 'BLOB_STORE', 'LOG_LEVEL', 'MAX_UPLOAD_MB', 'DATABASE_URL', 'BASE_URL']) {
      expect(issues).to.contain(`${name}:`);
    }
  });
});

describe('config: values the build cannot honour (issue 10)', () => {
  const secret = 'x'.repeat(32);
  const issuesOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return [...(error as ConfigError).issues];
    }
    return [];
  };

  it('refuses BLOB_STORE=db at start, naming the variable, instead of failing later', () => {
    expect(issuesOf({ BLOB_STORE: 'db' })).to.deep.equal(['BLOB_STORE: db is not available in this version; use fs (the default)']);
    expect(loadConfig({ BLOB_STORE: 'fs' }).blobStore).to.equal('fs');
  });

  it('requires SIGNER_SECRET and METRICS_TOKEN when NODE_ENV=production, and neither elsewhere', () => {
    const issues = issuesOf({ NODE_ENV: 'production' });
    expect(issues).to.have.length(2);
    expect(issues[0]).to.match(/^SIGNER_SECRET: required when NODE_ENV=production/);
    expect(issues[1]).to.match(/^METRICS_TOKEN: required when NODE_ENV=production/);
    expect(issuesOf({ NODE_ENV: 'production', SIGNER_SECRET: secret })).to.have.length(1);
    expect(issuesOf({ NODE_ENV: 'production', SIGNER_SECRET: '', METRICS_TOKEN: secret })[0]).to.match(/^SIGNER_SECRET:/);
    const production = loadConfig({ NODE_ENV: 'production', SIGNER_SECRET: secret, METRICS_TOKEN: secret });
    expect(production).to.include({ signerSecret: secret, metricsToken: secret });
    expect(issuesOf({ NODE_ENV: 'development' })).to.deep.equal([]);
    expect(issuesOf({ METRICS_TOKEN: 'short' })[0]).to.match(/^METRICS_TOKEN: use at least 32/);
  });
});

describe('maskUrl', () => {
  it('masks signing-link tokens and secret query parameters', () => {
    expect(maskUrl('/s/abcDEF123')).to.equal('/s/***');
    expect(maskUrl('/s/abcDEF123/batch?x=1')).to.equal('/s/***/batch?x=1');
    expect(maskUrl('/api/v1/envelopes?token=abc&page=2')).to.equal('/api/v1/envelopes?token=***&page=2');
    expect(maskUrl('/api/v1/envelopes/123')).to.equal('/api/v1/envelopes/123');
  });
});
