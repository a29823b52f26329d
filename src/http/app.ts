/**
 * `createApp(deps)`: the express application, built only from its dependencies so that
 * tests can open as many as they like (STYLE.md, no module-level singletons).
 */
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Deps } from '../deps.ts';
import { errorHandler, notFoundHandler } from './problem.ts';
import { requestContext } from './request-context.ts';
import { apiV1Router } from './routes/api-v1.ts';
import { docsRouter } from './routes/docs.ts';
import { opsRouter } from './routes/ops.ts';
import { pkiRouter } from './routes/pki.ts';
import { signerRouter } from './routes/signer.ts';
import { resultRouter } from './routes/result.ts';
import { signerAssetsRouter } from './routes/signer-assets.ts';
import { staffAssetsRouter, staffRouter } from './routes/staff/index.ts';

/** JSON bodies are small control messages; documents travel as multipart uploads. */
const JSON_BODY_LIMIT = '1mb';

function securityHeaders(baseUrl: string) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        // Signer pages may frame their own PDF; nobody else may frame us.
        'frame-ancestors': ["'self'"],
        ...(baseUrl.startsWith('https:') ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: baseUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

export function createApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Only the named reverse proxies may say who the client is (X-Forwarded-For, -Proto, -Host);
  // with none named the socket's peer is the client, whatever headers it sends.
  app.set('trust proxy', deps.config.trustProxy.length > 0 ? [...deps.config.trustProxy] : false);
  app.set('query parser', 'simple');

  app.use(requestContext(deps.logger, deps.metrics));
  app.use(securityHeaders(deps.config.baseUrl));
  app.use(express.json({ limit: JSON_BODY_LIMIT }));

  app.use(opsRouter(deps));
  app.use(docsRouter(deps));
  app.use('/api/v1', apiV1Router(deps));
  app.use(pkiRouter(deps));
  app.use(signerAssetsRouter());
  app.use(signerRouter(deps));
  app.use(resultRouter(deps));
  app.use(staffAssetsRouter());
  app.use('/app', staffRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
