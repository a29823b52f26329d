/**
 * `GET /openapi.json` and `GET /docs` (DESIGN §7). The docs page is Swagger UI served from our
 * own origin (the `swagger-ui-dist` package, no CDN) with an external start script, so it runs
 * under the app's CSP without `unsafe-inline`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { Deps } from '../../deps.ts';
import { openApiDocument } from '../openapi/index.ts';

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const DOCS_DIR = path.join(import.meta.dirname, '../../web/docs');
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

/** Files the page may load, by the name it asks for: nothing else under node_modules is reachable. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': path.join(SWAGGER_UI_DIR, 'swagger-ui.css'),
  'swagger-ui-bundle.js': path.join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
  'favicon-32x32.png': path.join(SWAGGER_UI_DIR, 'favicon-32x32.png'),
  'docs.js': path.join(DOCS_DIR, 'docs.js'),
};

function sendFile(res: Response, file: string, maxAgeSeconds: number): void {
  res.set('Cache-Control', `public, max-age=${maxAgeSeconds}`).sendFile(file);
}

export function docsRouter(deps: Pick<Deps, 'config'>): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument({ serverUrl: deps.config.baseUrl, version: PACKAGE_VERSION }));

  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('application/json').send(document);
  });

  router.get('/docs', (_req, res) => {
    sendFile(res, path.join(DOCS_DIR, 'index.html'), 0);
  });

  router.get('/docs/assets/:name', (req, res, next) => {
    const file = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!file) return next();
    sendFile(res, file, 3600);
  });

  return router;
}
