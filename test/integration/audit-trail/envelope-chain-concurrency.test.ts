/**
 * Every download of an envelope's documents, its audit report, bundle or trail appends to the envelope's chain
 * (issue 10). A user who opens them all at once must get them all: each request answered, each recorded once,
 * the chain unforked and verifiable ("crashes and concurrent requests leave every document and audit chain
 * intact"). Before these use cases locked the chain, PostgreSQL answered most of them with a unique(chain, seq)
 * violation (a 500): each read the same head, and one retry was not enough for eight writers. The sign request
 * holds the envelope's row while it appends; downloads made meanwhile wait for it and append after it.
 */
import { expect } from 'chai';
import request from 'supertest';
import { verifyAuditTrails } from '../../../src/audit/verify-trail.ts';
import { listEnvelopeAuditEvents } from '../../../src/store/audit-event-repository.ts';
import { downloadDocuments } from '../../helpers/reading.ts';
import { auditWorld, cancelledEnvelopeOfThree, download, linkFor, sendEnvelope, type AuditWorld } from '../audit-report/helpers.ts';

describe('audit trail: concurrent downloads of one envelope', () => {
  let world: AuditWorld;
  before(async () => {
    world = await auditWorld();
  });
  after(() => world?.close());

  it('answers nine downloads made at once, each recorded once, in one intact chain', async () => {
    // Closed, so the audit report and the bundle exist too.
    const { envelopeId, documentIds } = await cancelledEnvelopeOfThree(world, ['bijlage-1.pdf', 'bijlage-2.pdf', 'besluit.pdf']);
    expect(documentIds).to.have.length(3);
    const before = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);

    const base = `/api/v1/envelopes/${envelopeId}`;
    const urls = [
      ...documentIds.map((id) => `${base}/documents/${id}`),
      ...documentIds.map((id) => `${base}/documents/${id}/original`),
      `${base}/audit-report`,
      `${base}/bundle`,
      `${base}/audit`,
    ];
    const answers = await Promise.all(urls.map((url) => download(world, url)));
    expect(answers.map((res, i) => `${urls[i]} ${res.status}`)).to.deep.equal(urls.map((url) => `${url} 200`));

    const events = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);
    const added = events.slice(before.length);
    expect(added.filter((e) => e.action === 'document.downloaded')).to.have.length(6);
    expect(added.filter((e) => e.action === 'audit.exported').map((e) => e.details.format).sort()).to.deep.equal(['bundle', 'json', 'report']);
    expect(added).to.have.length(urls.length);
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    const report = await verifyAuditTrails(world.app.deps.db, world.app.deps.blobs, { envelopeId });
    expect(report.ok, JSON.stringify(report)).to.equal(true);
  });

  it('answers downloads made while the signer signs, and records the signature and each download once', async () => {
    const envelopeId = await sendEnvelope(world, { title: 'Besluit 2026/078', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1 }], send: true });
    const [document] = (await request(world.app.url).get(`/api/v1/envelopes/${envelopeId}`).set(world.api()).expect(200)).body.documents as Array<{ id: string }>;
    const token = await linkFor(world, 'an@zonnebeke.be', envelopeId);
    const page = await request(world.app.url).get(`/s/${token}`);
    await downloadDocuments(world.app.url, `/s/${token}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text.slice(page.text.indexOf('/sign"')))![1]!;
    const before = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);

    const base = `/api/v1/envelopes/${envelopeId}/documents/${document!.id}`;
    const urls = Array.from({ length: 8 }, (_, i) => (i % 2 ? `${base}/original` : base));
    const [signed, ...answers] = await Promise.all([
      request(world.app.url).post(`/s/${token}/sign`).type('form').send({ consent: 'ja', _csrf: csrf }),
      ...urls.map((url) => download(world, url)),
    ]);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);
    expect(answers.map((res) => res.status)).to.deep.equal(urls.map(() => 200));

    const events = await listEnvelopeAuditEvents(world.app.deps.db, world.organisation.id, envelopeId);
    const added = events.slice(before.length);
    expect(added.filter((e) => e.action === 'document.downloaded')).to.have.length(8);
    expect(added.filter((e) => e.action === 'recipient.signed')).to.have.length(1);
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    const report = await verifyAuditTrails(world.app.deps.db, world.app.deps.blobs, { envelopeId });
    expect(report.ok, JSON.stringify(report)).to.equal(true);
  });
});
