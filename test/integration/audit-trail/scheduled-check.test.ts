/**
 * The service checks the trail itself (`handle.jobs.auditCheck()`, hourly with the background
 * jobs): `paraaf_audit_chain_breaks` and `paraaf_audit_checks_total` in the app's registry, and an
 * error-level log line naming the break.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { runAuditCheck } from '../../../src/audit/scheduled-check.ts';
import { createLogger } from '../../../src/logger.ts';
import { toJson } from '../../../src/store/index.ts';
import { openBench, type Bench } from '../workflow/helpers.ts';
import { completedEnvelope, withoutAppendOnly } from './helpers.ts';

async function metricValue(bench: Bench, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await bench.app.deps.metrics.registry.getSingleMetric(name)!.get();
  const value = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe('audit trail: the scheduled check', function () {
  this.timeout(120_000);
  let bench: Bench;
  before(async () => {
    bench = await openBench();
  });
  after(() => bench.close());

  it('reports 0 breaks on an intact trail, then the break after tampering, with an error log line', async () => {
    await completedEnvelope(bench);
    const tampered = await completedEnvelope(bench);

    const ok = await bench.app.handle.jobs.auditCheck();
    expect(ok.ok).to.equal(true);
    expect(await metricValue(bench, 'paraaf_audit_chain_breaks')).to.equal(0);
    expect(await metricValue(bench, 'paraaf_audit_checks_total', { result: 'ok' })).to.equal(1);

    await withoutAppendOnly(bench.deps.db, () => bench.deps.db('audit_events').where({ chain: tampered, seq: 1 }).update({ details: toJson({ title: 'Iets anders' }) }));
    const broken = await bench.app.handle.jobs.auditCheck();
    expect(broken.ok).to.equal(false);
    expect(broken.chains.filter((c) => c.breaks.length > 0).map((c) => [c.envelopeId, c.breaks[0].kind, c.breaks[0].seq])).to.deep.equal([[tampered, 'hash', 1]]);
    expect(await metricValue(bench, 'paraaf_audit_chain_breaks')).to.equal(1);
    expect(await metricValue(bench, 'paraaf_audit_checks_total', { result: 'broken' })).to.equal(1);
    expect(await bench.app.deps.metrics.registry.metrics()).to.match(/^paraaf_audit_chain_breaks 1$/m);

    // The log line, at error level (pino 50), names the envelope and the break.
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    await runAuditCheck({ db: bench.deps.db, blobs: bench.deps.blobs, metrics: bench.app.deps.metrics, logger: createLogger({ level: 'info', destination }) });
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; breaks?: Array<{ envelopeId: string; breaks: Array<{ kind: string; seq: number }> }> });
    const error = logged.find((l) => l.level === 50);
    expect(error?.msg).to.equal('audit trail check: 1 chain(s) BROKEN');
    expect(error?.breaks?.[0]).to.deep.include({ envelopeId: tampered });
    expect(error?.breaks?.[0].breaks[0]).to.deep.include({ kind: 'hash', seq: 1 });
  });
});
