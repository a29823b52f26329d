/** `npm run cli -- verify --at <date> [--online]`: judge a signed file as of another moment, with our own CAs asked live; a bad date is a usage error (exit 2). */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env);
}

describe('CLI verify --at', function () {
  this.timeout(120_000);
  let work: string;
  let env: Record<string, string>;
  let signed: string;
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-cli-at-'));
    env = { CERTS_DIR: path.join(work, 'certs'), DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'silent' };
    signed = path.join(work, 'signed.pdf');
    const sign = await cli(['sign', path.join(root, 'fixtures/pdf/pdflib-decision.pdf'), signed, '--signer', 'Els Vandenberghe', '--invisible'], env);
    expect(sign.code, sign.stderr).to.equal(0);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('judges the file as of the given date: before the certificates existed it is not valid', async () => {
    const now = await cli(['verify', signed, '--json'], env);
    expect(now.code, now.stdout + now.stderr).to.equal(0);
    const past = await cli(['verify', signed, '--at', '2000-01-01'], env);
    expect(past.code, past.stdout).to.equal(1);
    expect(past.stdout).to.include('judged as of 2000-01-01T00:00:00.000Z');
    const json = JSON.parse((await cli(['verify', signed, '--json', '--at', '2000-01-01T12:00:00Z'], env)).stdout);
    expect(json.validationTime).to.equal('2000-01-01T12:00:00.000Z');
    expect(json.signatures[0].valid).to.equal(false);
  });

  it('--online asks our own CAs beside the embedded data', async () => {
    const online = await cli(['verify', signed, '--json', '--online'], env);
    expect(online.code, online.stdout + online.stderr).to.equal(0);
    const [signature] = JSON.parse(online.stdout).signatures;
    expect(signature.revocation.status).to.equal('good');
    expect(signature.revocation.certificates.length).to.be.greaterThan(0);
  });

  it('prints a document timestamp with the time of its own token and names each certificate’s revocation data', async () => {
    const archived = path.join(work, 'archived.pdf');
    const sign = await cli(['sign', path.join(root, 'fixtures/pdf/pdflib-decision.pdf'), archived, '--signer', 'Els Vandenberghe', '--invisible', '--level', 'B-LTA'], env);
    expect(sign.code, sign.stderr).to.equal(0);
    const later = await cli(['verify', archived, '--at', '2030-01-01'], env);
    expect(later.code, later.stdout).to.equal(0);
    const json = JSON.parse((await cli(['verify', archived, '--json', '--at', '2030-01-01'], env)).stdout);
    const documentTimestamp = json.signatures.at(-1);
    expect(documentTimestamp.subFilter).to.equal('ETSI.RFC3161');
    const block = later.stdout.slice(later.stdout.lastIndexOf('#'));
    // Not the validation time: a document timestamp proves its own moment.
    expect(block).to.include(`time:      ${documentTimestamp.timestamp.genTime} (the time in its own token)`).and.not.include('2030-01-01T00:00:00.000Z (');
    expect(later.stdout).to.match(/revoked\?: {2}good \(CN=Els Vandenberghe: good via ocsp from dss; CN=[^:]+: good via ocsp from dss\)/);
  });

  it('exits 2 on a date it cannot read', async () => {
    const bad = await cli(['verify', signed, '--at', 'next year'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--at needs an ISO 8601 date');
  });
});
