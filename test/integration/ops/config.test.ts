import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { createLogger, maskUrl } from '../../../src/logger.ts';
import { createMailer } from '../../../src/notify/mailer.ts';

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
    const config = loadConfig({ DATABASE_URL: 'postgres://paraaf@db:5432/paraaf', SIGNER_SECRET: 's'.repeat(32) });
    expect(config.database).to.deep.equal({ client: 'pg', url: 'postgres://paraaf@db:5432/paraaf' });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' }).port).to.equal(3000);
  });

  it('names every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', BLOB_STORE: 'nfs', LOG_LEVEL: 'loud', MAX_UPLOAD_MB: '-1', DATABASE_URL: 'mysql://x', BASE_URL: 'ftp://x' });
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
  const smtp = 'smtp://mail.example.org:587';
  const issuesOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return [...(error as ConfigError).issues];
    }
    return [];
  };

  it('refuses BLOB_STORE=db without a PostgreSQL DATABASE_URL at start, naming the variable, instead of failing later', () => {
    expect(issuesOf({ BLOB_STORE: 'db' })).to.deep.equal(['BLOB_STORE: db keeps documents in PostgreSQL and needs a postgres:// DATABASE_URL; with SQLite use fs (the default)']);
    expect(loadConfig({ BLOB_STORE: 'db', DATABASE_URL: 'postgres://paraaf@db/paraaf', SIGNER_SECRET: secret }).blobStore).to.equal('db');
    expect(loadConfig({ BLOB_STORE: 'fs' }).blobStore).to.equal('fs');
  });

  it('requires SIGNER_SECRET, METRICS_TOKEN and SMTP_URL when NODE_ENV=production, and none elsewhere', () => {
    const issues = issuesOf({ NODE_ENV: 'production' });
    expect(issues).to.have.length(3);
    expect(issues[0]).to.match(/^SIGNER_SECRET: required when NODE_ENV=production/);
    expect(issues[1]).to.match(/^METRICS_TOKEN: required when NODE_ENV=production/);
    expect(issues[2]).to.match(/^SMTP_URL: required when NODE_ENV=production/);
    expect(issuesOf({ NODE_ENV: 'production', SIGNER_SECRET: secret, SMTP_URL: smtp })).to.have.length(1);
    expect(issuesOf({ NODE_ENV: 'production', SIGNER_SECRET: '', METRICS_TOKEN: secret, SMTP_URL: smtp })[0]).to.match(/^SIGNER_SECRET:/);
    const production = loadConfig({ NODE_ENV: 'production', SIGNER_SECRET: secret, METRICS_TOKEN: secret, SMTP_URL: smtp });
    expect(production).to.include({ signerSecret: secret, metricsToken: secret, smtpUrl: smtp });
    expect(issuesOf({ NODE_ENV: 'development' })).to.deep.equal([]);
    expect(issuesOf({ METRICS_TOKEN: 'short' })[0]).to.match(/^METRICS_TOKEN: use at least 32/);
  });
});

describe('config: no token in any log (issue 10)', () => {
  it('refuses production without SMTP_URL, whose file mailer would log signing links', () => {
    const env = { NODE_ENV: 'production', SIGNER_SECRET: 's'.repeat(32), METRICS_TOKEN: 'm'.repeat(32) };
    expect(() => loadConfig(env)).to.throw(ConfigError, /SMTP_URL: required when NODE_ENV=production/);
    expect(loadConfig({ ...env, SMTP_URL: 'smtps://user:pass@mail.example.org:465' }).smtpUrl).to.equal('smtps://user:pass@mail.example.org:465');
  });

  it('still logs the links in development without SMTP_URL (the quick start relies on it)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'paraaf-devmail-'));
    try {
      const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir });
      expect(config.smtpUrl).to.equal(undefined);
      const lines: Array<{ links?: string[] }> = [];
      const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
      await createMailer(config, logger).send({ to: { name: 'An', email: 'an@example.org' }, subject: 'Te tekenen', text: 'Open http://localhost:3000/s/abc123 om te tekenen.', html: '<p>Te tekenen</p>' });
      expect(lines.map((line) => line.links).filter(Boolean)).to.deep.equal([['http://localhost:3000/s/abc123']]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
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
