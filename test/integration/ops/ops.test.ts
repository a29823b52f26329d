import { expect } from 'chai';
import request from 'supertest';
import { migratorConfig } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

describe('ops', () => {
  let app: TestApp;

  beforeEach(async () => {
    app = await bootstrap();
  });

  afterEach(async () => {
    await app.close();
  });

  describe('GET /healthz', () => {
    it('answers 200 {status: ok}', async () => {
      const res = await request(app.url).get('/healthz').expect(200);
      expect(res.body).to.deep.equal({ status: 'ok' });
      expect(res.headers['cache-control']).to.equal('no-store');
    });
  });

  describe('GET /readyz', () => {
    it('answers 200 when the database answers and migrations are applied', async () => {
      const res = await request(app.url).get('/readyz').expect(200);
      expect(res.body).to.deep.equal({ status: 'ready' });
    });

    it('answers 503 database_unavailable once the database is gone', async () => {
      await app.deps.db.destroy();
      const res = await request(app.url).get('/readyz').expect(503);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 503, code: 'database_unavailable', type: 'https://paraaf.dev/problems/database_unavailable' });
    });

    it('answers 503 migrations_pending when a migration is not applied', async () => {
      await app.deps.db.migrate.rollback(migratorConfig, true);
      const res = await request(app.url).get('/readyz').expect(503);
      expect(res.body.code).to.equal('migrations_pending');
      expect(res.body.detail).to.contain('organisations');
    });
  });

  describe('GET /metrics', () => {
    it('exposes default, HTTP and verification metrics in Prometheus text format', async () => {
      await request(app.url).get('/healthz').expect(200);
      const res = await request(app.url).get('/metrics').expect(200);
      expect(res.headers['content-type']).to.match(/^text\/plain/);
      expect(res.text).to.contain('process_cpu_seconds_total');
      expect(res.text).to.match(/http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
      expect(res.text).to.contain('http_request_duration_seconds_bucket');
      expect(res.text).to.contain('# TYPE paraaf_signatures_verified_total counter');
    });

    it('labels unknown paths as unmatched, not by their raw path', async () => {
      await request(app.url).get('/no/such/thing-12345').expect(404);
      const res = await request(app.url).get('/metrics').expect(200);
      expect(res.text).to.match(/http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
      expect(res.text).not.to.contain('thing-12345');
    });

    it('keeps a separate registry per app', async () => {
      const other = await bootstrap();
      try {
        await request(app.url).get('/healthz').expect(200);
        const res = await request(other.url).get('/metrics').expect(200);
        expect(res.text).not.to.match(/route="\/healthz"/);
      } finally {
        await other.close();
      }
    });
  });

  describe('errors', () => {
    it('answers an unknown route with 404 problem+json', async () => {
      const res = await request(app.url).get('/nope').expect(404);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({
        type: 'https://paraaf.dev/problems/not_found',
        title: 'Not Found',
        status: 404,
        code: 'not_found',
        instance: '/nope',
      });
      expect(res.body.requestId).to.equal(res.headers['x-request-id']);
    });

    it('answers malformed JSON with 400 json_malformed', async () => {
      const res = await request(app.url)
        .post('/api/v1/verify')
        .set('Content-Type', 'application/json')
        .send('{"broken": ')
        .expect(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 400, code: 'json_malformed', type: 'https://paraaf.dev/problems/json_malformed' });
    });

    it('masks signing-link tokens in the problem instance', async () => {
      const res = await request(app.url).get('/s/secret-token-value/no-such-page').expect(404);
      expect(res.body.instance).to.equal('/s/***/no-such-page');
      expect(JSON.stringify(res.body)).not.to.contain('secret-token-value');
    });

    it('honours a sane incoming X-Request-Id and replaces an insane one', async () => {
      const kept = await request(app.url).get('/healthz').set('X-Request-Id', 'abc-123').expect(200);
      expect(kept.headers['x-request-id']).to.equal('abc-123');
      const replaced = await request(app.url).get('/healthz').set('X-Request-Id', 'a b<script>').expect(200);
      expect(replaced.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('GET /metrics with METRICS_TOKEN (issue 10)', () => {
    const token = 'metrics-token-0123456789abcdefghijkl';
    let guarded: TestApp;

    beforeEach(async () => {
      guarded = await bootstrap({ env: { METRICS_TOKEN: token } });
    });

    afterEach(async () => {
      await guarded.close();
    });

    it('answers 401 problem+json without the Bearer token or with a wrong one, and the metrics with it', async () => {
      for (const authorization of [undefined, `Bearer ${token}x`, `Basic ${token}`, 'Bearer ']) {
        const call = request(guarded.url).get('/metrics');
        const res = await (authorization ? call.set('Authorization', authorization) : call).expect(401);
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(res.headers['www-authenticate']).to.equal('Bearer realm="metrics"');
        expect(res.body.code).to.equal('unauthorized');
        expect(res.text).not.to.contain('process_cpu_seconds_total');
      }
      const res = await request(guarded.url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.text).to.contain('process_cpu_seconds_total');
      // The other probes stay open: a load balancer checks them without credentials.
      await request(guarded.url).get('/healthz').expect(200);
      await request(guarded.url).get('/readyz').expect(200);
    });
  });

  describe('security headers', () => {
    it('sends a strict CSP, no-referrer and nosniff, and hides the framework', async () => {
      const res = await request(app.url).get('/healthz').expect(200);
      const csp = res.headers['content-security-policy'];
      expect(csp).to.contain("default-src 'self'");
      expect(csp).to.contain("script-src 'self'");
      expect(csp).to.contain("object-src 'none'");
      expect(csp).not.to.contain('unsafe-inline');
      expect(res.headers['referrer-policy']).to.equal('no-referrer');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers).not.to.have.property('x-powered-by');
    });
  });
});
