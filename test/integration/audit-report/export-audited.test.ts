/**
 * Issue 10, every download is audited: the sealed audit report, the evidence bundle and the trail
 * as JSON or CSV, taken through the API, are each recorded as exactly one `audit.exported` with the
 * API key as actor, after what they exported (an export never lists itself); refused exports record
 * nothing; and a closed envelope's chain with exports after its completion still verifies and is
 * anchored without a false alarm. (The staff app's downloads: test/integration/staff-follow.)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { takeAuditAnchor, type AnchorDeps } from '../../../src/audit/anchors.ts';
import { ANCHOR_GRACE_MS, COMPLETION_GRACE_MS } from '../../../src/audit/anchor-check.ts';
import { verifyAuditTrails } from '../../../src/audit/verify-trail.ts';
import { listEnvelopeAuditEvents, type AuditEventRecord } from '../../../src/store/audit-event-repository.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { testBuiltInTsa } from '../../helpers/test-tsa.ts';
import { auditWorld, completedEnvelope, download, run, sendEnvelope, type AuditWorld } from './helpers.ts';

describe('audit exports are audited (API, issue 10)', function () {
  this.timeout(180_000);
  let world: AuditWorld;
  let envelopeId: string;
  /** The trail as stored, read without going through an (audited) export. */
  const trail = (id = envelopeId): Promise<AuditEventRecord[]> => listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, id);
  const USER_AGENT = 'zaaksysteem/2.1';

  before(async () => {
    world = await auditWorld();
    envelopeId = await completedEnvelope(world);
  });
  after(async () => {
    await world?.close();
  });

  /** The one event an export added, checked to be `audit.exported` by the API key from this client. */
  async function oneExportEvent(before: AuditEventRecord[], details: Record<string, unknown>): Promise<AuditEventRecord> {
    const after = await trail();
    expect(after.slice(0, before.length).map((e) => e.hash)).to.deep.equal(before.map((e) => e.hash));
    expect(after.length, 'exactly one event more').to.equal(before.length + 1);
    const event = after.at(-1)!;
    expect(event.action).to.equal('audit.exported');
    expect(event.details).to.deep.equal(details);
    expect(event.actorKind).to.equal('api_key');
    expect(event.actorId).to.be.a('string').and.not.equal('');
    expect(event.userAgent).to.equal(USER_AGENT);
    expect(event.ip).to.be.a('string');
    return event;
  }

  it('the sealed report: one audit.exported (report, language) by the API key, after the chain the report shows', async () => {
    const before = await trail();
    const res = await download(world, `/api/v1/envelopes/${envelopeId}/audit-report?lang=fr`, { ...world.api(), 'User-Agent': USER_AGENT });
    expect(res.status).to.equal(200);
    const event = await oneExportEvent(before, { format: 'report', language: 'fr' });
    const file = path.join(world.app.dataDir, 'exported-report.pdf');
    await fs.writeFile(file, res.body as Buffer);
    const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
    // The report ends with the head before its own download, and does not list that download.
    expect(text).to.include(before.at(-1)!.hash).and.not.include(event.hash).and.not.include('(audit.exported)');
  });

  it('the evidence bundle: one audit.exported (bundle) whose audit-events.json ends just before it', async () => {
    const before = await trail();
    const res = await download(world, `/api/v1/envelopes/${envelopeId}/bundle`, { ...world.api(), 'User-Agent': USER_AGENT });
    expect(res.status).to.equal(200);
    const event = await oneExportEvent(before, { format: 'bundle', language: 'nl' });
    const file = path.join(world.app.dataDir, 'exported-bundle.zip');
    await fs.writeFile(file, res.body as Buffer);
    const events = JSON.parse((await run('unzip', ['-p', file, 'audit-events.json'])).stdout);
    expect(events.final_hash).to.equal(before.at(-1)!.hash);
    expect(JSON.stringify(events)).to.not.include(event.hash);
  });

  it('the trail as JSON and as CSV: one audit.exported each, the export being the trail before it', async () => {
    const before = await trail();
    const json = await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}/audit?format=json`).set({ ...world.api(), 'User-Agent': USER_AGENT }).expect(200);
    expect(json.body.events.map((e: { hash: string }) => e.hash)).to.deep.equal(before.map((e) => e.hash));
    const jsonEvent = await oneExportEvent(before, { format: 'json' });

    const beforeCsv = await trail();
    const csv = await download(world, `/api/v1/envelopes/${envelopeId}/audit?format=csv`, { ...world.api(), 'User-Agent': USER_AGENT });
    expect(csv.status).to.equal(200);
    const text = (csv.body as Buffer).toString('utf8');
    expect(text).to.include(jsonEvent.hash);
    const csvEvent = await oneExportEvent(beforeCsv, { format: 'csv' });
    expect(text).to.not.include(csvEvent.hash);
  });

  it('refused exports record nothing: an open envelope (409), another organisation (404), a bad language or format (400)', async () => {
    const openId = await sendEnvelope(world);
    const openBefore = await trail(openId);
    for (const route of ['audit-report', 'bundle']) {
      const res = await request(world.app.url).get(`/api/v1/envelopes/${openId}/${route}`).set(world.api());
      expect(res.status, route).to.equal(409);
      expect(res.body.code).to.equal('envelope_open');
    }
    expect((await trail(openId)).length, 'nothing recorded for a 409').to.equal(openBefore.length);

    const before = await trail();
    for (const url of [
      `/api/v1/envelopes/${envelopeId}/audit-report`,
      `/api/v1/envelopes/${envelopeId}/bundle`,
      `/api/v1/envelopes/${envelopeId}/audit?format=json`,
      `/api/v1/envelopes/${envelopeId}/audit?format=csv`,
    ]) {
      const res = await request(world.app.url).get(url).set(world.otherApi());
      expect(res.status, url).to.equal(404);
      expect(res.body.code, url).to.equal('envelope_not_found');
    }
    for (const url of [`/api/v1/envelopes/${envelopeId}/audit-report?lang=de`, `/api/v1/envelopes/${envelopeId}/bundle?lang=de`, `/api/v1/envelopes/${envelopeId}/audit?format=xml`]) {
      expect((await request(world.app.url).get(url).set(world.api())).status, url).to.equal(400);
    }
    expect((await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}/audit-report`)).status).to.equal(401);
    expect((await trail()).map((e) => e.hash), 'nothing recorded for a 404, 400 or 401').to.deep.equal(before.map((e) => e.hash));
  });

  it('exports after completion: audit verify passes, the moved head is anchored, no unanchored or anchor_late alarm', async () => {
    const id = await completedEnvelope(world);
    const tsa = testBuiltInTsa();
    const anchorDeps: AnchorDeps = { db: world.app.deps.db, timeStamper: tsa, clock: () => new Date() };
    const verify = async (now: Date) => {
      const report = await verifyAuditTrails(world.app.deps.db, world.app.deps.blobs, { envelopeId: id }, { trustAnchors: [pki().root.cert], now });
      expect(report.chains).to.have.length(1);
      return { breaks: report.chains[0]!.breaks.map((b) => `${b.kind} ${b.message}`), anchorProblems: report.anchors.problems.map((p) => p.message) };
    };
    // The completion is anchored (as the job does within a minute), then the envelope's exports come after it.
    expect(await takeAuditAnchor(anchorDeps, 'completion')).to.not.equal(null);
    expect((await request(world.app.url).get(`/api/v1/envelopes/${id}/audit-report`).set(world.api())).status).to.equal(200);
    expect((await request(world.app.url).get(`/api/v1/envelopes/${id}/audit?format=csv`).set(world.api())).status).to.equal(200);
    const events = await trail(id);
    expect(events.slice(-2).map((e) => e.action)).to.deep.equal(['audit.exported', 'audit.exported']);
    // Within the grace period the unanchored exports are no alarm.
    expect(await verify(new Date())).to.deep.equal({ breaks: [], anchorProblems: [] });
    // The periodic anchor takes the moved head; then even hours later nothing is unanchored or late.
    const anchor = await takeAuditAnchor(anchorDeps, 'periodic');
    expect(anchor?.heads.find((h) => h.chain.endsWith(id))?.seq).to.equal(events.at(-1)!.seq);
    const later = new Date(Date.now() + ANCHOR_GRACE_MS + COMPLETION_GRACE_MS + 60_000);
    expect(await verify(later)).to.deep.equal({ breaks: [], anchorProblems: [] });
  });
});
