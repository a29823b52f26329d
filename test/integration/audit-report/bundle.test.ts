/**
 * The evidence bundle: unpacked with Info-ZIP's `unzip` (not our writer's reader), the PDFs
 * compared with the API downloads, the report's seal checked with pdfsig, the chain recomputed
 * from audit-events.json as README.txt tells a reader to.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { GENESIS_HASH } from '../../../src/audit/index.ts';
import { pdfsig } from '../../helpers/validators.ts';
import { auditWorld, completedEnvelope, download, run, sha256, type AuditWorld } from './helpers.ts';

describe('evidence bundle /envelopes/{id}/bundle', function () {
  this.timeout(120_000);
  let world: AuditWorld;
  let envelopeId: string;
  let zipFile: string;

  const unzip = async (...args: string[]) => (await run('unzip', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout as unknown as Buffer;

  before(async () => {
    world = await auditWorld();
    envelopeId = await completedEnvelope(world);
    const res = await download(world, `/api/v1/envelopes/${envelopeId}/bundle`);
    expect(res.status, String(res.body).slice(0, 300)).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/zip');
    expect(res.headers['content-disposition']).to.match(new RegExp(`^attachment; filename="?envelope-${envelopeId}\\.zip"?$`));
    zipFile = path.join(world.app.dataDir, 'bundle.zip');
    await fs.writeFile(zipFile, res.body as Buffer);
  });
  after(async () => {
    await world?.close();
  });

  it('unzips cleanly with the expected files', async () => {
    expect((await unzip('-tq', zipFile)).toString()).to.match(/No errors detected/);
    const names = (await unzip('-Z1', zipFile)).toString().trim().split('\n').sort();
    expect(names).to.deep.equal(['README.txt', 'audit-events.json', 'audit-report.pdf', 'documents/besluit.pdf']);
  });

  it('holds the signed PDFs exactly as the API downloads them', async () => {
    const envelope = (await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}`).set(world.api()).expect(200)).body;
    const api = await download(world, `/api/v1/envelopes/${envelopeId}/documents/${envelope.documents[0].id}`);
    const inside = await unzip('-p', zipFile, 'documents/besluit.pdf');
    expect(sha256(inside)).to.equal(sha256(api.body as Buffer));
    expect(sha256(inside)).to.equal(envelope.documents[0].currentRevision.sha256);
  });

  it('holds a sealed audit report naming those hashes and the final chain hash', async () => {
    const report = path.join(world.app.dataDir, 'bundle-report.pdf');
    await fs.writeFile(report, await unzip('-p', zipFile, 'audit-report.pdf'));
    const checked = await pdfsig(report, [world.rootPem]);
    expect(checked.signatures, checked.stdout).to.have.length(1);
    expect(checked.signatures[0]!.signatureValid && checked.signatures[0]!.certificateTrusted, checked.stdout).to.equal(true);
    const text = (await run('pdftotext', ['-enc', 'UTF-8', report, '-'])).stdout;
    expect(text).to.include(sha256(await unzip('-p', zipFile, 'documents/besluit.pdf')));
    const events = JSON.parse((await unzip('-p', zipFile, 'audit-events.json')).toString('utf8'));
    expect(text).to.include(events.final_hash);
  });

  it('holds audit-events.json whose chain recomputes by hand, line by line, to the API trail', async () => {
    const raw = (await unzip('-p', zipFile, 'audit-events.json')).toString('utf8');
    const parsed = JSON.parse(raw);
    const all = (await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}/audit`).set(world.api()).expect(200)).body.events as Array<{ hash: string; action: string }>;
    const lines = raw.split('\n').filter((line) => line.startsWith('{"event":'));
    // The bundle is the trail as it stood when it was downloaded; its own download (audit.exported, issue 10) and later
    // downloads (audited) only extend it. This JSON read is recorded after what it returns.
    const trail = all.slice(0, lines.length);
    expect(all.slice(lines.length).map((e) => e.action)).to.deep.equal(['audit.exported', 'document.downloaded']);
    expect(parsed).to.include({ envelope_id: envelopeId, genesis_hash: GENESIS_HASH, final_hash: trail.at(-1)!.hash });
    let previous = GENESIS_HASH;
    for (const [index, line] of lines.entries()) {
      // What README.txt says: the text between "event": and ,"hash" is the canonical JSON.
      const eventText = line.slice('{"event":'.length, line.lastIndexOf(',"hash":'));
      const hash = JSON.parse(line.replace(/,$/, '')).hash as string;
      expect(JSON.parse(eventText).prev_hash).to.equal(previous);
      expect(JSON.parse(eventText).action).to.equal(trail[index]!.action);
      expect(sha256(`${previous}${eventText}`), `line ${index + 1}`).to.equal(hash);
      expect(hash).to.equal(trail[index]!.hash);
      previous = hash;
    }
  });

  it('holds signed PDFs that check as README.txt says: pdfsig for the signatures, openssl ts for the document timestamp', async () => {
    const dir = path.join(world.app.dataDir, 'readme-steps');
    await fs.mkdir(path.join(dir, 'documents'), { recursive: true });
    await fs.writeFile(path.join(dir, 'documents/besluit.pdf'), await unzip('-p', zipFile, 'documents/besluit.pdf'));
    await fs.writeFile(path.join(dir, 'root.pem'), world.rootPem);
    const checked = await pdfsig(path.join(dir, 'documents/besluit.pdf'), [world.rootPem]);
    const signatures = checked.signatures.slice(0, -1);
    expect(signatures, checked.stdout).to.have.length(2);
    for (const s of signatures) expect(s.signatureValid && s.certificateTrusted, checked.stdout).to.equal(true);
    // The README's words for the last one: pdfsig names it but does not check it.
    const last = checked.stdout.slice(checked.stdout.lastIndexOf('Signature #'));
    expect(last).to.include('Documenttijdstempel').and.include('Signature Type: unknown').and.include('Total document signed').and.include('Signature has not yet been verified.');
    const [a, b] = /Signed Ranges: \[0 - (\d+)\], \[(\d+) - \d+\]/.exec(last)!.slice(1).map(Number);
    const ts = path.join(dir, 'ts');
    await fs.mkdir(ts);
    const dumped = await run('pdfsig', ['-dump', '../documents/besluit.pdf'], { cwd: ts });
    const lastSig = /=> (\S+)\s*$/.exec(dumped.stdout.trim())![1]!;
    await run('sh', ['-c', `head -c ${a} ../documents/besluit.pdf > gedekt.bin && tail -c +${b! + 1} ../documents/besluit.pdf >> gedekt.bin`], { cwd: ts });
    const verified = await run('openssl', ['ts', '-verify', '-data', 'gedekt.bin', '-token_in', '-in', lastSig, '-CAfile', '../root.pem'], { cwd: ts });
    expect(verified.stdout.trim()).to.equal('Verification: OK');

    const readme = (await unzip('-p', zipFile, 'README.txt')).toString('utf8');
    for (const step of ['pdfsig -dump', 'head -c', 'tail -c +', 'openssl ts -verify -data', 'Signature has not yet been verified.']) expect(readme.split(step).length, step).to.be.at.least(3);
  });

  it('explains in README.txt, Dutch first then English, how to check each part', async () => {
    const readme = (await unzip('-p', zipFile, 'README.txt')).toString('utf8');
    expect(readme).to.include('\r\n');
    const dutch = readme.indexOf('=== NEDERLANDS ===');
    const english = readme.indexOf('=== ENGLISH ===');
    expect(dutch).to.be.greaterThan(-1);
    expect(english).to.be.greaterThan(dutch);
    for (const part of [readme.slice(dutch, english), readme.slice(english)]) {
      expect(part).to.include('pdfsig').and.include('audit-report.pdf').and.include('sha256sum').and.include('documents/besluit.pdf').and.include('64');
    }
    expect(readme).to.include('Gemeente Zonnebeke').and.include(envelopeId);
  });
});
