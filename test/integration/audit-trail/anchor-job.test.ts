/**
 * The anchor job as the service runs it: `handle.jobs.anchor()` (every minute with the background
 * timers) asks the configured TSA (`TSA_URL`, here a local HTTP TSA answering with the test TSA
 * key), the scheduled audit check then verifies the anchor against the app's trust anchors, and
 * `paraaf_audit_anchors_total` counts the runs. A TSA that is down: counted, logged at error level,
 * nothing stored, and the trail reported unanchored once the grace period has passed.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { appendAuditEvent } from '../../../src/audit/chain.ts';
import { ANCHOR_GRACE_MS } from '../../../src/audit/anchor-check.ts';
import { createScheduledAnchoring } from '../../../src/audit/scheduled-check.ts';
import { verifyAuditTrails } from '../../../src/audit/verify-trail.ts';
import { createLogger } from '../../../src/logger.ts';
import { createHttpTimeStamper } from '../../../src/pades/timestamp-client.ts';
import { listAnchors } from '../../../src/store/audit-anchors.ts';
import { createOrganisation, type Organisation } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { pki } from '../../helpers/openssl-pki.ts';
import { testBuiltInTsa } from '../../helpers/test-tsa.ts';

/** An RFC 3161 TSA over HTTP (application/timestamp-query → application/timestamp-reply). */
async function httpTsa(): Promise<{ url: string; server: Server }> {
  const tsa = testBuiltInTsa();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void tsa.respond(Buffer.concat(chunks)).then((reply) => {
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
        res.end(reply);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`, server };
}

async function counted(app: TestApp, result: string): Promise<number> {
  const metric = await app.deps.metrics.registry.getSingleMetric('paraaf_audit_anchors_total')!.get();
  return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
}

describe('audit trail: the anchor job of the service', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tsa: { url: string; server: Server };
  let organisation: Organisation;

  before(async () => {
    tsa = await httpTsa();
    app = await bootstrap({ env: { TSA_URL: tsa.url, TSA_TIMEOUT_MS: '5000' }, trustAnchors: [pki().root.cert] });
    organisation = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
  });
  after(async () => {
    await app.close();
    tsa.server.close();
  });

  const importPeople = () =>
    appendAuditEvent(app.deps.db, {
      organisationId: organisation.id,
      envelopeId: null,
      event: { action: 'people.imported', details: { created: 3, updated: 0, unchanged: 0, skipped: 0 } },
      actor: { kind: 'system' },
      occurredAt: new Date(),
    });

  it('anchors the moved heads through TSA_URL; the scheduled check verifies the anchor', async () => {
    const event = await importPeople();
    const result = await app.handle.jobs.anchor();
    expect(result.due).to.equal('periodic');
    expect(result.anchor!.heads).to.deep.equal([{ chain: `org:${organisation.id}`, seq: event.seq, hash: event.hash }]);
    expect(await counted(app, 'taken')).to.equal(1);

    // Within the hour and without a completion: nothing due.
    expect(await app.handle.jobs.anchor()).to.deep.equal({ due: null, anchor: null });
    expect(await counted(app, 'idle')).to.equal(1);

    const report = await app.handle.jobs.auditCheck();
    expect(report.anchors).to.deep.include({ count: 1, problems: [] });
    expect(report.anchors.latest!.tsa).to.include('CN=Paraaf Test TSA tsa');
    expect(report.ok).to.equal(true);
  });

  it('a TSA that is down: counted and logged, nothing stored, unanchored once the grace period has passed', async () => {
    const event = await importPeople();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    const down = createScheduledAnchoring({
      db: app.deps.db,
      timeStamper: createHttpTimeStamper({ urls: ['http://127.0.0.1:9/tsa'], timeoutMs: 2000 }),
      clock: () => new Date(),
      metrics: app.deps.metrics,
      logger,
      intervalMs: 0,
    });
    let caught: unknown;
    await down.run().catch((error: unknown) => {
      caught = error;
    });
    expect((caught as { code?: string }).code).to.equal('timestamp_unavailable');
    expect(await counted(app, 'error')).to.equal(1);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged.find((l) => l.level === 50)?.msg).to.equal('audit anchor could not be taken; retrying on the next run');
    expect(await listAnchors(app.deps.db)).to.have.length(1);

    const later = new Date(Date.parse(event.occurredAt) + ANCHOR_GRACE_MS + 60_000);
    const report = await verifyAuditTrails(app.deps.db, app.deps.blobs, { organisationId: organisation.id }, { trustAnchors: [pki().root.cert], now: later });
    expect(report.chains[0].breaks.map((b) => [b.kind, b.seq])).to.deep.equal([['unanchored', event.seq]]);
  });
});
