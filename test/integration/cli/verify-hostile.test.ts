/**
 * Hostile CMS inputs through `npm run cli -- verify` (issue 10): a loop of CA certificates, hundreds of
 * certificates under one issuer name, a 40-deep chain and megabytes of signed attributes each end in a
 * report with the usual exit code, in a process whose V8 heap is capped at 256 MB (it would die with
 * "heap out of memory" rather than pass if verification were unbounded).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { hostileCmsCases, type HostileCms } from '../../helpers/hostile-cms.ts';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env, { nodeOptions: ['--max-old-space-size=256'], maxBuffer: 16 * 1024 * 1024 });
}

const EXPECTED: Record<string, { code: number; verdict: string; reason: string | null }> = {
  'cms-certificate-loop': { code: 1, verdict: 'untrusted', reason: 'no path to a trust anchor' },
  'cms-hundreds-of-certificates': { code: 1, verdict: 'untrusted', reason: 'no path to a trust anchor' },
  'cms-deep-chain': { code: 1, verdict: 'untrusted', reason: 'no path to a trust anchor' },
  'cms-huge-signed-attributes': { code: 0, verdict: 'valid', reason: null },
};

describe('CLI verify: hostile CMS inputs', function () {
  this.timeout(180_000);
  let work: string;
  let cases: HostileCms[];
  let env: Record<string, string>;
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-cli-hostile-'));
    env = { CERTS_DIR: path.join(work, 'certs'), DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'silent' };
    cases = await hostileCmsCases();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('answers each with a report and its exit code, within a 256 MB heap', async () => {
    for (const c of cases) {
      const file = path.join(work, `${c.name}.pdf`);
      const anchor = path.join(work, `${c.name}-root.pem`);
      writeFileSync(file, c.pdf);
      writeFileSync(anchor, c.anchorPem);
      const run = await cli(['verify', file, '--trust', anchor, '--json'], env);
      const expected = EXPECTED[c.name];
      expect(run.code, `${c.name}: ${run.stderr}`).to.equal(expected.code);
      const report = JSON.parse(run.stdout);
      expect(report.verdict, c.name).to.equal(expected.verdict);
      expect(report.signatures[0].integrity.valid, c.name).to.equal(true);
      expect(report.signatures[0].chain.reason, c.name).to.equal(expected.reason);
    }
  });

  it('stops a file past --timeout in its worker: exit 1, verify_too_complex under --json (issue 10)', async () => {
    const c = cases.find((x) => x.name === 'cms-huge-signed-attributes')!;
    const file = path.join(work, 'slow.pdf');
    const anchor = path.join(work, 'slow-root.pem');
    writeFileSync(file, c.pdf);
    writeFileSync(anchor, c.anchorPem);
    const text = await cli(['verify', file, '--trust', anchor, '--timeout', '1'], env);
    expect(text.code, text.stderr).to.equal(1);
    expect(text.stderr).to.include('verification stopped after 1 ms: the file is too complex');
    expect(text.stdout).to.equal('');
    const json = await cli(['verify', file, '--trust', anchor, '--timeout', '1', '--json'], env);
    expect(json.code, json.stderr).to.equal(1);
    expect(JSON.parse(json.stdout)).to.include({ code: 'verify_too_complex', status: 422, detail: 'verification stopped after 1 ms: the file is too complex' });
    const bad = await cli(['verify', file, '--timeout', 'soon'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--timeout needs a number of milliseconds');
  });
});
