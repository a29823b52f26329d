/** `hsm …` as an operator runs it: keys generated in a SoftHSM2 token, certificates checked with openssl. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSoftHsm, type SoftHsm } from '../../helpers/softhsm.ts';
import { cli } from './helpers.ts';

describe('admin CLI: hsm', function () {
  this.timeout(120_000);
  let work: string;
  let hsm: SoftHsm;
  let env: Record<string, string>;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-hsm-cli-'));
    hsm = createSoftHsm();
    const token = hsm.initToken('paraaf', '246810');
    env = {
      DATA_DIR: path.join(work, 'data'),
      LOG_LEVEL: 'silent',
      SOFTHSM2_CONF: hsm.conf,
      PKCS11_MODULE: token.module,
      PKCS11_PIN: token.pin,
      PKCS11_TOKEN_LABEL: token.tokenLabel,
    };
    expect((await cli(['org', 'create', 'zoersel', '--name', 'Gemeente Zoersel'], env)).code).to.equal(0);
  });
  after(() => {
    hsm?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('creates the root and the TSA key once', async () => {
    const first = await cli(['hsm', 'init', '--root-name', 'Paraaf Test Root'], env);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.equal('Created on token "paraaf": paraaf-root, paraaf-tsa.\nRoot: C=BE, O=Paraaf, CN=Paraaf Test Root\n');
    const again = await cli(['hsm', 'init'], env);
    expect(again.stdout).to.match(/^Token "paraaf" already had these keys; nothing created\./);
  });

  it("creates an organisation's issuing CA and seal, chained to the token's root", async () => {
    const run = await cli(['hsm', 'org', 'zoersel'], env);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.equal('Created on token "paraaf": paraaf-org-zoersel-ca, paraaf-org-zoersel-seal.\n');
    const rootPem = path.join(work, 'root.pem');
    expect((await cli(['hsm', 'root', '--out', rootPem], env)).code).to.equal(0);
    const listing = await cli(['hsm', 'list'], env);
    expect(listing.stdout).to.match(/private key\s+paraaf-org-zoersel-ca\s/);
    expect(listing.stdout).to.match(/certificate\s+paraaf-org-zoersel-seal\s+id [0-9a-f]{40}\s+C=BE, O=Gemeente Zoersel, CN=Gemeente Zoersel — elektronisch zegel/);
    const readCert = (label: string) => {
      const file = path.join(work, `${label}.der`);
      hsm.pkcs11Tool(['--token-label', 'paraaf', '--read-object', '--type', 'cert', '--label', label, '-o', file]);
      return file;
    };
    const ca = path.join(work, 'ca.pem');
    execFileSync('openssl', ['x509', '-inform', 'DER', '-in', readCert('paraaf-org-zoersel-ca'), '-out', ca]);
    const seal = path.join(work, 'seal.pem');
    execFileSync('openssl', ['x509', '-inform', 'DER', '-in', readCert('paraaf-org-zoersel-seal'), '-out', seal]);
    const verified = execFileSync('openssl', ['verify', '-CAfile', rootPem, '-untrusted', ca, seal], { encoding: 'utf8' });
    expect(verified).to.equal(`${seal}: OK\n`);
  });

  it('names the missing organisation, the missing configuration and a wrong PIN', async () => {
    const unknown = await cli(['hsm', 'org', 'nowhere'], env);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain("Unknown organisation 'nowhere'");
    const { PKCS11_MODULE: _m, PKCS11_PIN: _p, PKCS11_TOKEN_LABEL: _t, ...bare } = env;
    const unconfigured = await cli(['hsm', 'list'], bare);
    expect(unconfigured.code).to.equal(1);
    expect(unconfigured.stderr).to.contain('Set PKCS11_MODULE and PKCS11_PIN');
    const wrongPin = await cli(['hsm', 'list'], { ...env, PKCS11_PIN: '000000' });
    expect(wrongPin.code).to.equal(1);
    expect(wrongPin.stderr).to.contain('Login to PKCS#11 token "paraaf" failed; check PKCS11_PIN.');
    const pinWithoutModule = await cli(['hsm', 'list'], { ...bare, PKCS11_PIN: '123456' });
    expect(pinWithoutModule.stderr).to.contain('PKCS11_PIN: set PKCS11_MODULE too');
  });
});
