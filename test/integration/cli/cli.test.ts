/** The CLI as an operator runs it: `npm run cli -- sign|verify`, with its exit codes 0, 1 and 2. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openssl } from '../../helpers/openssl-pki.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (name: string): string => path.join(root, 'fixtures/pdf', name);

function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCli(args, env);
}

describe('CLI', function () {
  let work: string;
  let env: Record<string, string>;
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-cli-'));
    env = { CERTS_DIR: path.join(work, 'certs'), DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'silent' };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('signs with a one-shot certificate from the development CA, and verify trusts it by default', async () => {
    const out = path.join(work, 'signed.pdf');
    const sign = await cli(['sign', fixture('libreoffice-decision.pdf'), out, '--signer', 'Els Vandenberghe <els@kortrijk.be>', '--function', 'Algemeen directeur', '--reason', 'Goedkeuring', '--visible', '1,72,72,200,60'], env);
    expect(sign.code, sign.stderr).to.equal(0);
    const verify = await cli(['verify', out], env);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect(verify.stdout).to.match(/: valid \(1 signature/);
    const json = await cli(['verify', out, '--json'], env);
    const report = JSON.parse(json.stdout);
    expect(report.signatures[0].signer.commonName).to.equal('Els Vandenberghe');
    expect(report.signatures[0].signer.title).to.equal('Algemeen directeur');
    expect(report.signatures[0].reason).to.equal('Goedkeuring');
    const poppler = await pdfsig(out, [readFileSync(path.join(work, 'certs/dev/root-ca.pem'), 'utf8')]);
    expect(poppler.signatures[0].signatureValid).to.equal(true);
    expect(poppler.signatures[0].certificateTrusted).to.equal(true);
  });

  it('signs with a PKCS#12 file, and verify exits 1 when the root is not trusted and 0 when it is', async () => {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=Jan Peeters/O=Gemeente Zwevegem', '-days', '2'], { cwd: work });
    openssl(['pkcs12', '-export', '-inkey', 'k.pem', '-in', 'c.pem', '-out', 'jan.p12', '-passout', 'pass:geheim'], { cwd: work });
    const out = path.join(work, 'p12.pdf');
    const sign = await cli(['sign', fixture('pdflib-decision.pdf'), out, '--signer', 'Jan Peeters', '--p12', path.join(work, 'jan.p12'), '--password', 'geheim', '--invisible'], env);
    expect(sign.code, sign.stderr).to.equal(0);
    expect((await cli(['verify', out], env)).code).to.equal(1);
    const trusted = await cli(['verify', out, '--trust', path.join(work, 'c.pem')], env);
    expect(trusted.code, trusted.stdout).to.equal(0);
  });

  it('exits 1 with the error code on a wrong PKCS#12 password and on a refused PDF', async () => {
    const wrong = await cli(['sign', fixture('pdflib-decision.pdf'), path.join(work, 'x.pdf'), '--signer', 'Jan Peeters', '--p12', path.join(work, 'jan.p12'), '--password', 'fout'], env);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.include('key_password_invalid');
    const encrypted = await cli(['sign', fixture('hostile/encrypted-aes256.pdf'), path.join(work, 'x.pdf'), '--signer', 'Jan Peeters'], env);
    expect(encrypted.code).to.equal(1);
    expect(encrypted.stderr).to.include('pdf_encrypted');
  });

  it('exits 1 when a signed file was altered', async () => {
    const signed = readFileSync(path.join(work, 'signed.pdf'));
    signed[200] ^= 0x01;
    writeFileSync(path.join(work, 'tampered.pdf'), signed);
    const verify = await cli(['verify', path.join(work, 'tampered.pdf')], env);
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.include('invalid');
  });

  it('exits 2 on bad usage', async () => {
    expect((await cli([], env)).code).to.equal(2);
    expect((await cli(['sign', fixture('pdflib-decision.pdf')], env)).code).to.equal(2);
    expect((await cli(['sign', fixture('pdflib-decision.pdf'), path.join(work, 'y.pdf')], env)).code, 'no --signer').to.equal(2);
    expect((await cli(['sign', fixture('pdflib-decision.pdf'), path.join(work, 'y.pdf'), '--signer', 'A', '--visible', '1,2,3'], env)).code).to.equal(2);
    expect((await cli(['verify', path.join(work, 'missing.pdf')], env)).code).to.equal(2);
    expect((await cli(['verify', fixture('pdflib-decision.pdf'), '--bogus'], env)).code).to.equal(2);
  });
});
