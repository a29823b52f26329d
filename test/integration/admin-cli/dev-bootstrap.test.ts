/** `npm start` in development on an empty database logs a demo API key once; the next start does not. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './helpers.ts';

/** Starts src/main.ts, collects its log until `until` matches, then stops it with SIGTERM. */
function startUntil(env: Record<string, string>, until: RegExp): Promise<string> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], { cwd: root, env: { ...inherited, ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts did not log ${until} in time:\n${output}`));
    }, 45_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (until.test(output)) {
        clearTimeout(timer);
        child.once('exit', () => resolve(output));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
  });
}

/** Starts src/main.ts and waits for it to exit by itself (a refused start). */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], { cwd: root, env: { ...inherited, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('dev bootstrap of main.ts', function () {
  // Five starts of the service under tsx, one after another: 21 s alone on a slow 2-core machine, beyond mocha's
  // 60 s beside two other test files there.
  this.timeout(180_000);
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-main-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('creates the demo organisation with one logged key on first start only, and never in production', async () => {
    const env = { PORT: '0', DATA_DIR: path.join(work, 'data'), CERTS_DIR: path.join(work, 'certs'), NODE_ENV: 'development', LOG_LEVEL: 'info' };
    const first = await startUntil(env, /Paraaf listening/);
    const lines = first.split('\n').filter((line) => line.includes('Demo organisation'));
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]).msg).to.match(/^Demo organisation 'demo' created; API key: pk_[A-Za-z0-9_-]{43}$/);
    const second = await startUntil(env, /Paraaf listening/);
    expect(second).not.to.include('Demo organisation');

    // Production refuses the development PKI and its password (issue 9) before generating anything.
    const secrets = { SIGNER_SECRET: 's'.repeat(32), METRICS_TOKEN: 'm'.repeat(32), SMTP_URL: 'smtp://127.0.0.1:2525' };
    const missing = await runToExit({ ...env, DATA_DIR: path.join(work, 'prod'), CERTS_DIR: path.join(work, 'prod-certs'), NODE_ENV: 'production' });
    expect(missing.code).to.equal(2);
    expect(missing.output).to.include('SIGNER_SECRET: required when NODE_ENV=production').and.include('METRICS_TOKEN: required').and.include('SMTP_URL: required');
    expect(existsSync(path.join(work, 'prod-certs', 'dev'))).to.equal(false);
    const production = await runToExit({ ...env, ...secrets, DATA_DIR: path.join(work, 'prod'), CERTS_DIR: path.join(work, 'prod-certs'), NODE_ENV: 'production' });
    expect(production.code).to.equal(1);
    expect(production.output).to.include('failed to start').and.include('NODE_ENV=production with the development PKI password');
    expect(production.output).not.to.include('Demo organisation').and.not.include('Paraaf listening');
    expect(existsSync(path.join(work, 'prod-certs', 'dev'))).to.equal(false);
    const ownPassword = await runToExit({ ...env, DATA_DIR: path.join(work, 'prod'), CERTS_DIR: path.join(work, 'prod-certs'), NODE_ENV: 'production', PKI_PASSWORD: 'not-the-dev-one', ...secrets });
    expect(ownPassword.code).to.equal(1);
    expect(ownPassword.output).to.include('NODE_ENV=production with the generated development PKI');
  });
});
