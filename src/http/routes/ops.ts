/** `/healthz`, `/readyz`, `/metrics` (DESIGN §7, Ops). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Deps } from '../../deps.ts';
import { AppError, UnauthorizedError } from '../../errors.ts';
import { problemFor, sendProblem } from '../problem.ts';
import { trackRouteBase } from '../request-context.ts';
import { readinessBlobStore, readinessPendingMigrations } from '../../workflow/readiness.ts';

/** Not ready is a public fact, not a leak: unlike other 5xx, its code and message are shown. */
class NotReadyError extends AppError {
  constructor(code: string, message: string) {
    super(code, 503, message);
  }
  override get expose(): boolean {
    return true;
  }
}

/** A readiness probe must answer quickly even when the database hangs. */
const READY_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (digests have equal length). */
function presentsToken(req: Request, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  if (!presented) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token));
}

export function opsRouter(deps: Pick<Deps, 'db' | 'blobs' | 'metrics' | 'config'>): Router {
  const router = trackRouteBase(Router());

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  router.get('/readyz', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    let pending: string[];
    try {
      pending = await withTimeout(readinessPendingMigrations(deps), READY_TIMEOUT_MS);
    } catch (error) {
      req.log.warn({ err: error }, 'readiness check: database unavailable');
      sendProblem(res, problemFor(new NotReadyError('database_unavailable', 'The database does not answer.'), req));
      return;
    }
    if (pending.length > 0) {
      sendProblem(res, problemFor(new NotReadyError('migrations_pending', `Migrations not applied: ${pending.join(', ')}.`), req));
      return;
    }
    try {
      await withTimeout(readinessBlobStore(deps), READY_TIMEOUT_MS);
    } catch (error) {
      req.log.warn({ err: error }, 'readiness check: blob store unavailable');
      sendProblem(res, problemFor(new NotReadyError('blob_store_unavailable', 'The document store does not answer.'), req));
      return;
    }
    res.json({ status: 'ready' });
  });

  router.get('/metrics', async (req, res) => {
    // Metrics reveal traffic, routes and failures: behind a token when one is set (required in production).
    const token = deps.config.metricsToken;
    if (token !== undefined && !presentsToken(req, token)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      sendProblem(res, problemFor(new UnauthorizedError('A valid metrics token is required.'), req));
      return;
    }
    const body = await deps.metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(deps.metrics.registry.contentType).send(body);
  });

  return router;
}
