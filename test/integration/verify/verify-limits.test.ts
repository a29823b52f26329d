/**
 * `POST /api/v1/verify` is public, so it is bounded per caller and in time (issue 10): a rate limit per
 * client IP, at most PER_CLIENT_IN_FLIGHT files per IP at once, verification in worker threads with a
 * time limit and a bounded queue, and hostile CMS inputs answered with a report. While a file is being
 * verified, the event loop serves other requests.
 */
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { PER_CLIENT_IN_FLIGHT } from '../../../src/http/routes/verify.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { hostileCmsCases, type HostileCms } from '../../helpers/hostile-cms.ts';

const HANGING_WORKER = new URL('../../helpers/hanging-verify-worker.ts', import.meta.url);
const HANG = Buffer.from('%HANG: a file that would keep a worker busy for ever\n');
const PDF = path.join(import.meta.dirname, '../../../fixtures/pdf/pdflib-decision.pdf');

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code, type: `https://paraaf.dev/problems/${code}` });
}

const verify = (app: TestApp, file: Buffer, name = 'file.pdf') => request(app.url).post('/api/v1/verify').attach('file', file, name);

describe('POST /api/v1/verify: bounded per caller and in time', function () {
  this.timeout(120_000);

  describe('rate limit', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap({ env: { VERIFY_RATE_LIMIT: '2' } });
    });
    after(() => app.close());

    it('answers 429 rate_limited with Retry-After once the IP has used its requests, before reading the upload', async () => {
      const pdf = await fs.readFile(PDF);
      expect((await verify(app, pdf)).status).to.equal(200);
      expect((await verify(app, pdf)).status).to.equal(200);
      const limited = await verify(app, pdf);
      expectProblem(limited, 429, 'rate_limited');
      expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
      expect(await fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => [])).to.deep.equal([]);
      // Other routes are not affected.
      expect((await request(app.url).get('/healthz')).status).to.equal(200);
    });
  });

  describe('off the event loop, with a time limit', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap({ verifyWorker: HANGING_WORKER, env: { VERIFY_WORKERS: '1', VERIFY_QUEUE: '1', VERIFY_TIMEOUT_MS: '4000' } });
    });
    after(() => app.close());

    it('answers /healthz while a file is being verified; the file ends in 422 verify_too_complex', async () => {
      const order: string[] = [];
      const slow = verify(app, HANG).then((res) => {
        order.push('verify');
        return res;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const health = await request(app.url).get('/healthz');
      order.push('healthz');
      expect(health.status).to.equal(200);
      const res = await slow;
      expect(order).to.deep.equal(['healthz', 'verify']);
      expectProblem(res, 422, 'verify_too_complex');
      expect(res.body.detail).to.be.a('string');
      expect(await fs.readdir(path.join(app.dataDir, 'tmp')).catch(() => [])).to.deep.equal([]);
      // The worker was replaced: the next file is verified.
      const next = await verify(app, await fs.readFile(PDF));
      expect(next.status).to.equal(200);
      expect(next.body.verdict).to.equal('no_signatures');
    });

    it(`lets one IP have ${PER_CLIENT_IN_FLIGHT} files in flight; the next answers 429 verify_in_progress`, async () => {
      const first = verify(app, HANG).then((r) => r);
      const second = verify(app, HANG).then((r) => r);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const third = await verify(app, HANG);
      expectProblem(third, 429, 'verify_in_progress');
      expect(third.headers['retry-after']).to.be.a('string');
      expectProblem(await first, 422, 'verify_too_complex');
      expectProblem(await second, 422, 'verify_too_complex');
    });
  });

  describe('a full queue', () => {
    let app: TestApp;
    before(async () => {
      app = await bootstrap({ verifyWorker: HANGING_WORKER, env: { VERIFY_WORKERS: '1', VERIFY_QUEUE: '0', VERIFY_TIMEOUT_MS: '3000' } });
    });
    after(() => app.close());

    it('answers 503 verify_busy with Retry-After instead of holding the caller', async () => {
      const running = verify(app, HANG).then((r) => r);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const busy = await verify(app, await fs.readFile(PDF));
      expectProblem(busy, 503, 'verify_busy');
      expect(Number(busy.headers['retry-after'])).to.be.greaterThan(0);
      expectProblem(await running, 422, 'verify_too_complex');
    });
  });

  describe('hostile CMS inputs', () => {
    let app: TestApp;
    let cases: HostileCms[];
    before(async () => {
      cases = await hostileCmsCases();
      app = await bootstrap({ trustAnchors: cases.map((c) => new X509Certificate(c.anchorPem)), env: { VERIFY_RATE_LIMIT: '100' } });
    });
    after(() => app.close());

    /** What each case must come back as: a report, with the chain refused where it cannot be built within the caps. */
    const EXPECTED: Record<string, { verdict: string; trusted: boolean; reason: string | null }> = {
      'cms-certificate-loop': { verdict: 'untrusted', trusted: false, reason: 'no path to a trust anchor' },
      'cms-hundreds-of-certificates': { verdict: 'untrusted', trusted: false, reason: 'no path to a trust anchor' },
      'cms-deep-chain': { verdict: 'untrusted', trusted: false, reason: 'no path to a trust anchor' },
      'cms-huge-signed-attributes': { verdict: 'valid', trusted: true, reason: null },
    };

    it('answers each with a report: integrity checked, the chain judged within the caps', async () => {
      for (const c of cases) {
        const res = await verify(app, c.pdf, `${c.name}.pdf`);
        expect(res.status, c.name).to.equal(200);
        const expected = EXPECTED[c.name];
        expect(res.body.verdict, c.name).to.equal(expected.verdict);
        expect(res.body.signatures, c.name).to.have.length(1);
        expect(res.body.signatures[0].integrity.valid, c.name).to.equal(true);
        expect(res.body.signatures[0].chain.trusted, c.name).to.equal(expected.trusted);
        expect(res.body.signatures[0].chain.reason, c.name).to.equal(expected.reason);
      }
    });
  });
});
