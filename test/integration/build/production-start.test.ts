/**
 * Issue 11: production runs the compiled build with plain node, not tsx. `npm run build`, then
 * dist/ is copied into a release directory whose node_modules holds every package except tsx,
 * so a module that still needs tsx (or a .ts file, or an asset left in src/) fails to load here.
 * From there: the CLI creates the organisation and its API key, `node dist/main.js` starts as a
 * real process on a fresh DATA_DIR (SQLite) and CERTS_DIR, an envelope is sent over the API and
 * signed through the link in the mail it writes to DATA_DIR/outbox, pdfsig accepts the signed PDF,
 * the verify worker thread (dist/pades/verify-worker.js) judges it, and SIGTERM stops it with exit 0.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { csrfOf } from '../e2e/harness.ts';
import { builtEntry, projectRoot, startService } from '../../helpers/production-build.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const FIXTURE = path.join(projectRoot, 'fixtures/pdf/reportlab-decision.pdf');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deployment as it would be shipped: dist/, package.json and the dependencies, without tsx. */
function makeRelease(dist: string, into: string): { main: string; cli: string } {
  cpSync(dist, path.join(into, 'dist'), { recursive: true, filter: (source) => !source.endsWith('.build-lock') });
  cpSync(path.join(projectRoot, 'package.json'), path.join(into, 'package.json'));
  mkdirSync(path.join(into, 'node_modules'));
  for (const name of readdirSync(path.join(projectRoot, 'node_modules'))) {
    if (name === 'tsx' || name.startsWith('.')) continue;
    symlinkSync(path.join(projectRoot, 'node_modules', name), path.join(into, 'node_modules', name));
  }
  return { main: path.join(into, 'dist/main.js'), cli: path.join(into, 'dist/cli.js') };
}

/** Only what a service unit would set: no NODE_OPTIONS, nothing inherited from this (tsx-run) test process. */
function productionEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'info', ...extra };
}

function runNode(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('production build: node dist/main.js without tsx (issue 11)', function () {
  this.timeout(300_000);
  let work: string;
  let release: { main: string; cli: string };
  let child: ChildProcess | undefined;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-prod-'));
    const built = await builtEntry();
    expect(existsSync(built.main) && existsSync(built.cli), 'npm run build wrote dist/main.js and dist/cli.js').to.equal(true);
    release = makeRelease(path.dirname(built.main), path.join(work, 'release'));
  });
  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('runs without tsx: CLI, start, /readyz, send, sign through the mailed link, pdfsig, verify worker, SIGTERM exit 0', async () => {
    const cwd = path.join(work, 'release');
    expect(existsSync(path.join(cwd, 'node_modules/tsx')), 'the release has no tsx to fall back on').to.equal(false);
    const dataDir = path.join(work, 'data');
    const env = productionEnv({ DATA_DIR: dataDir, CERTS_DIR: path.join(work, 'certs'), PORT: '0', NODE_ENV: 'development', BASE_URL: 'http://127.0.0.1' });

    // The compiled CLI: migrations from the static list, an organisation, an API key.
    const org = await runNode(release.cli, ['org', 'create', 'zonnebeke', '--name', 'Gemeente Zonnebeke'], env, cwd);
    expect(org.code, org.output).to.equal(0);
    const created = await runNode(release.cli, ['api-key', 'create', '--org', 'zonnebeke', '--name', 'zaaksysteem'], env, cwd);
    expect(created.code, created.output).to.equal(0);
    const key = /API key \(shown once, store it now\): (\S+)/.exec(created.output)?.[1];
    expect(key, created.output).to.be.a('string');

    const service = await startService(release.main, env, { cwd });
    const { url, process: proc, exited } = service;
    child = proc;

    const ready = await request(url).get('/readyz');
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    expect(ready.body.status).to.equal('ready');
    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.filter(Boolean)).to.deep.equal([process.execPath, release.main]);
    expect(readFileSync(`/proc/${proc.pid}/environ`, 'utf8'), 'nothing in its environment loads tsx').not.to.include('tsx');
    // Files the build copies beside the compiled modules.
    for (const asset of ['/assets/signer.css', '/assets/staff.css', '/assets/signer.js', '/docs', '/docs/assets/docs.js']) {
      expect((await request(url).get(asset)).status, asset).to.equal(200);
    }

    const auth = { Authorization: `Bearer ${key}` };
    const sent = await request(url)
      .post('/api/v1/envelopes')
      .set(auth)
      .field('envelope', JSON.stringify({ title: 'Besluit gemeenteraad — productiestart', send: true, recipients: [{ name: 'An Peeters', email: 'an.peeters@zonnebeke.test', role: 'signer', order: 1, function: 'Algemeen directeur' }] }))
      .attach('documents', FIXTURE, { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    expect(sent.body.status).to.equal('sent');

    // The outbox worker of the running process writes the mail (no SMTP_URL); the link is in it.
    const outbox = path.join(dataDir, 'outbox');
    const deadline = Date.now() + 60_000;
    let token: string | undefined;
    while (!token) {
      expect(Date.now(), 'a sign request mail in DATA_DIR/outbox within 60 s').to.be.below(deadline);
      await sleep(100);
      for (const file of existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : []) {
        const mail = await simpleParser(readFileSync(path.join(outbox, file)));
        if (mail.to && JSON.stringify(mail.to).includes('an.peeters@zonnebeke.test')) token = /http:\/\/127\.0\.0\.1\/s\/([A-Za-z0-9_-]{20,})/.exec(mail.text ?? '')?.[1];
      }
    }
    const page = await request(url).get(`/s/${token}`);
    expect(page.status, page.text.slice(0, 300)).to.equal(200);
    // Reading before signing (issue 12): the signer downloads the document first.
    await downloadDocuments(url, `/s/${token}`);
    const signed = await request(url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrfOf(page.text, 'sign') });
    expect(signed.status, signed.text.slice(signed.text.indexOf("<main"), signed.text.indexOf("<main") + 1500)).to.equal(303);

    const envelope = await request(url).get(`/api/v1/envelopes/${sent.body.id}`).set(auth);
    expect(envelope.body.status).to.equal('completed');
    const pdf = await request(url)
      .get(`/api/v1/envelopes/${sent.body.id}/documents/${envelope.body.documents[0].id}`)
      .set(auth)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).to.equal(200);
    const signedPdf = path.join(work, 'signed.pdf');
    writeFileSync(signedPdf, pdf.body as Buffer);
    const checked = await pdfsig(signedPdf, [readFileSync(path.join(work, 'certs/dev/root-ca.pem'), 'utf8')]);
    // The signer's signature, then the B-LTA document timestamp over the whole file (pdfsig cannot judge that kind).
    expect(checked.signatures.map((s) => s.subFilter), checked.stdout).to.deep.equal(['ETSI.CAdES.detached', 'unknown']);
    expect(checked.signatures[0]).to.include({ signerCommonName: 'An Peeters', signatureValid: true, certificateTrusted: true });
    expect(checked.signatures[1]).to.include({ fieldName: 'Documenttijdstempel', totalDocumentSigned: true });

    // POST /api/v1/verify runs in the verify pool's worker thread, started from dist/pades/verify-worker.js.
    const verified = await request(url).post('/api/v1/verify').set(auth).attach('file', pdf.body as Buffer, { filename: 'signed.pdf', contentType: 'application/pdf' });
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
    expect(verified.body).to.include({ valid: true });
    expect(verified.body.signatures[0].signer.commonName).to.equal('An Peeters');

    proc.kill('SIGTERM');
    expect(await exited, service.log().slice(-2000)).to.deep.equal({ code: 0, signal: null });
    expect(service.log()).to.include('"msg":"stopped"');
  });

  it('refuses the development PKI under NODE_ENV=production: non-zero exit, a message that says what to do, nothing generated', async () => {
    const certsDir = path.join(work, 'prod-certs');
    const env = productionEnv({
      DATA_DIR: path.join(work, 'prod-data'),
      CERTS_DIR: certsDir,
      PORT: '0',
      NODE_ENV: 'production',
      BASE_URL: 'https://paraaf.example.be',
      SIGNER_SECRET: 's'.repeat(48),
      METRICS_TOKEN: 'm'.repeat(48),
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    const devPassword = await runNode(release.main, [], env, path.dirname(path.dirname(release.main)));
    expect(devPassword.code, devPassword.output).to.equal(1);
    expect(devPassword.output).to.include('NODE_ENV=production with the development PKI password: set PKI_PASSWORD');
    const devKeys = await runNode(release.main, [], { ...env, PKI_PASSWORD: 'not-the-development-one' }, path.dirname(path.dirname(release.main)));
    expect(devKeys.code, devKeys.output).to.equal(1);
    expect(devKeys.output).to.include('NODE_ENV=production with the generated development PKI');
    for (const { output } of [devPassword, devKeys]) expect(output).not.to.include('Paraaf listening');
    expect(existsSync(path.join(certsDir, 'dev')), 'no development keys generated').to.equal(false);
  });
});
