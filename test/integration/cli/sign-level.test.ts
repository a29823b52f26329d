/**
 * `npm run cli -- sign --level` (issue 9): B-LT by default (signature timestamp from the built-in TSA and a
 * /DSS read back with qpdf), B-LTA adds a document timestamp, B-B neither; pdfsig trusts each, verify
 * reports the level reached; an unknown level is a usage error (exit 2).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { qpdfDss } from '../../helpers/qpdf-dss.ts';
import { pdfsig, qpdfCheck } from '../../helpers/validators.ts';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (name: string): string => path.join(root, 'fixtures/pdf', name);

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env);
}

describe('CLI sign --level', function () {
  this.timeout(180_000);
  let work: string;
  let env: Record<string, string>;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-cli-level-'));
    env = { CERTS_DIR: path.join(work, 'certs'), DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'silent', TSA_URL: '' };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function signAt(level: string | undefined, name: string): Promise<{ file: string; pdf: Buffer; levelReached: string }> {
    const file = path.join(work, `${name}.pdf`);
    const args = ['sign', fixture('libreoffice-decision.pdf'), file, '--signer', 'Els Vandenberghe <els@kortrijk.be>', '--invisible', ...(level ? ['--level', level] : [])];
    const run = await cli(args, env);
    expect(run.code, run.stderr).to.equal(0);
    const pdf = readFileSync(file);
    const check = await qpdfCheck(file);
    expect(check.ok, check.stdout + check.stderr).to.equal(true);
    const rootPem = readFileSync(path.join(work, 'certs/dev/root-ca.pem'), 'utf8');
    const poppler = await pdfsig(file, [rootPem]);
    const cades = poppler.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
    expect(cades, poppler.stdout).to.have.length(1);
    expect(cades[0].signatureValid && cades[0].certificateTrusted, poppler.stdout).to.equal(true);
    const verify = await cli(['verify', file, '--json'], env);
    const report = JSON.parse(verify.stdout);
    return { file, pdf, levelReached: report.signatures.find((s: { subFilter?: string; level: { achieved: string } }) => s.level.achieved !== null)?.level.achieved };
  }

  it('signs at B-LT by default: a signature timestamp and every certificate with revocation data in the DSS', async () => {
    const { pdf, levelReached } = await signAt(undefined, 'default');
    const dss = qpdfDss(pdf);
    expect(dss.certs.length, 'signer, issuing CA, root, TSA').to.be.greaterThanOrEqual(4);
    expect(dss.ocsps.length, 'signer, issuing CA, TSA').to.be.greaterThanOrEqual(3);
    expect(pdf.toString('latin1')).not.to.match(/\/DocTimeStamp/);
    expect(levelReached).to.equal('B-LT');
  });

  it('B-LTA adds a document timestamp; B-B adds no DSS', async () => {
    const lta = await signAt('B-LTA', 'lta');
    expect(lta.pdf.toString('latin1')).to.match(/\/Type\s*\/DocTimeStamp/);
    expect(lta.levelReached).to.equal('B-LTA');
    const bb = await signAt('b-b', 'bb');
    expect(qpdfDss(bb.pdf).certs).to.deep.equal([]);
    expect(bb.levelReached).to.equal('B-B');
  });

  it('refuses an unknown level with exit code 2', async () => {
    const run = await cli(['sign', fixture('libreoffice-decision.pdf'), path.join(work, 'x.pdf'), '--signer', 'X', '--level', 'B-XL'], env);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/--level/);
  });
});
