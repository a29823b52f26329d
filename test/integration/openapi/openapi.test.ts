import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Router } from 'express';
import request from 'supertest';
import { apiV1Router } from '../../../src/http/routes/api-v1.ts';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

const DOCUMENT_ID = 'urn:paraaf:openapi';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** `METHOD /path` for every route in an express router, descending into routers it mounts at its root. */
function registeredRoutes(router: Router): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((router as unknown as { stack: Layer[] }).stack);
  return routes.sort();
}

type OpenApi = {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>;
  components: { responses: Record<string, { content?: Record<string, unknown> }> };
  webhooks: Record<string, unknown>;
  info: { version: string };
};

describe('OpenAPI document and /docs', function () {
  this.timeout(120_000);
  let app: TestApp;
  let key: string;
  let document: OpenApi;
  let ajv: InstanceType<typeof Ajv2020>;

  /** Validates `body` against what the document says `METHOD path` answers with `status`. */
  function expectDocumented(path: string, method: string, res: request.Response): void {
    const status = String(res.status);
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).to.not.equal(undefined);
    let response = operation.responses[status];
    expect(response, `${method} ${path} documents ${status}`).to.not.equal(undefined);
    if (response.$ref) response = document.components.responses[response.$ref.split('/').at(-1) as string];
    const mediaType = String(res.headers['content-type']).split(';')[0];
    expect(response.content, `${method} ${path} ${status} has content`).to.have.property(mediaType);
    const pointer = ['paths', path, method, 'responses', status, 'content', mediaType, 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const schemaRef = operation.responses[status].$ref
      ? `${DOCUMENT_ID}#/components/responses/${operation.responses[status].$ref?.split('/').at(-1)}/content/${mediaType.replace(/\//g, '~1')}/schema`
      : `${DOCUMENT_ID}#/${pointer}`;
    const validate = ajv.compile({ $ref: schemaRef });
    expect(validate(res.body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
  }

  before(async () => {
    const pki = await devPki();
    app = await bootstrap({ pki, env: { BASE_URL: 'https://paraaf.test' } });
    const org = await createOrganisation(app.deps.db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    const res = await request(app.url).get('/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    document = res.body as OpenApi;
    ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    for (const keyword of ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'security', 'tags', 'paths', 'webhooks', 'components']) ajv.addKeyword(keyword);
    ajv.addSchema({ ...(document as object), $id: DOCUMENT_ID });
  });
  after(async () => {
    await app?.close();
  });

  it('is OpenAPI 3.1 with the server and bearer security', () => {
    expect(document).to.include({ openapi: '3.1.0' });
    expect((document as unknown as { servers: Array<{ url: string }> }).servers[0].url).to.equal('https://paraaf.test/api/v1');
    expect((document as unknown as { components: { securitySchemes: unknown } }).components.securitySchemes).to.deep.equal({
      apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`pk_…`), made with `npm run cli -- api-key create`.' },
    });
    expect(Object.keys(document.webhooks).sort()).to.deep.equal(['envelope.cancelled', 'envelope.completed', 'envelope.expired', 'envelope.sent', 'recipient.declined', 'recipient.signed']);
    expect(JSON.stringify(document.webhooks)).to.include('#/components/parameters/ParaafSignature');
    expect(JSON.stringify((document as unknown as { components: { parameters: unknown } }).components.parameters)).to.include('"name":"Paraaf-Signature"');
  });

  it('documents every route registered under /api/v1, and nothing else', () => {
    const registered = registeredRoutes(apiV1Router(app.deps));
    const documented = Object.entries(document.paths)
      .filter(([, item]) => !('servers' in item)) // the /pki routes, documented with their own server
      .flatMap(([path, item]) => METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(registered.length).to.be.greaterThan(10);
    expect(documented).to.deep.equal(registered);
  });

  it('describes real answers: envelope 201, lists, webhook 201, problems', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const created = await request(app.url)
      .post('/api/v1/envelopes')
      .set(auth)
      .field('envelope', JSON.stringify({ title: 'Besluit', recipients: [{ name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer' }], fields: [{ document: 0, recipient: 0, page: 1, x: 50, y: 50, width: 200, height: 60 }] }))
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expectDocumented('/envelopes', 'post', created);
    expectDocumented('/envelopes/{id}/send', 'post', await request(app.url).post(`/api/v1/envelopes/${created.body.id}/send`).set(auth));
    expectDocumented('/envelopes/{id}/remind', 'post', await request(app.url).post(`/api/v1/envelopes/${created.body.id}/remind`).set(auth));
    expectDocumented('/envelopes', 'get', await request(app.url).get('/api/v1/envelopes').set(auth));
    expectDocumented('/envelopes/{id}/audit', 'get', await request(app.url).get(`/api/v1/envelopes/${created.body.id}/audit`).set(auth));
    const open = await request(app.url).get(`/api/v1/envelopes/${created.body.id}/audit-report`).set(auth);
    expect(open.status).to.equal(409);
    expectDocumented('/envelopes/{id}/audit-report', 'get', open);
    expectDocumented('/envelopes/{id}/bundle', 'get', await request(app.url).get(`/api/v1/envelopes/${created.body.id}/bundle?lang=fr`).set(auth));
    expectDocumented('/envelopes/{id}/audit', 'get', await request(app.url).get(`/api/v1/envelopes/${created.body.id}/audit?format=pdf`).set(auth));

    const missing = await request(app.url).get(`/api/v1/envelopes/${randomUUID()}`).set(auth);
    expect(missing.status).to.equal(404);
    expectDocumented('/envelopes/{id}', 'get', missing);
    expectDocumented('/envelopes', 'get', await request(app.url).get('/api/v1/envelopes'));

    const webhook = await request(app.url).post('/api/v1/webhooks').set(auth).send({ url: 'https://zaak.example.org/h', events: ['envelope.sent'] });
    expectDocumented('/webhooks', 'post', webhook);
    expectDocumented('/webhooks', 'post', await request(app.url).post('/api/v1/webhooks').set(auth).send({ url: 'ftp://x', events: [] }));
    expectDocumented('/webhooks', 'get', await request(app.url).get('/api/v1/webhooks').set(auth));
    expectDocumented('/webhooks/{id}/deliveries', 'get', await request(app.url).get(`/api/v1/webhooks/${webhook.body.id}/deliveries`).set(auth));
    expectDocumented('/webhooks/{id}', 'get', await request(app.url).get(`/api/v1/webhooks/${randomUUID()}`).set(auth));
  });

  it('serves /docs from our own origin under the strict CSP', async () => {
    const page = await request(app.url).get('/docs');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.not.include('unsafe-inline');
    expect(csp).to.not.include('unsafe-eval');
    // No inline script, nothing from another origin.
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).to.be.greaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim(), 'inline script').to.equal('');
      expect(attributes).to.match(/src="\/docs\/assets\/[\w.-]+\.js"/);
    }
    expect(page.text).to.not.match(/(src|href)="(https?:)?\/\//);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'docs.js']) {
      const res = await request(app.url).get(`/docs/assets/${asset}`);
      expect(res.status, asset).to.equal(200);
    }
    expect((await request(app.url).get('/docs/assets/package.json')).status).to.equal(404);
    expect((await request(app.url).get('/docs/assets/..%2F..%2Fpackage.json')).status).to.equal(404);
  });
});
