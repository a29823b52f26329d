/** `/healthz`, `/readyz`, `/metrics` (DESIGN §7, Ops). */
import { Router } from 'express';
import type { Deps } from '../../deps.ts';
import { pendingMigrations, pingDb } from '../../store/index.ts';
import { AppError } from '../../errors.ts';
import { problemFor, sendProblem } from '../problem.ts';
import { trackRouteBase } from '../request-context.ts';

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

export function opsRouter(deps: Pick<Deps, 'db' | 'metrics'>): Router {
  const router = trackRouteBase(Router());

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  router.get('/readyz', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    let pending: string[];
    try {
      pending = await withTimeout(
        pingDb(deps.db).then(() => pendingMigrations(deps.db)),
        READY_TIMEOUT_MS,
      );
    } catch (error) {
      req.log.warn({ err: error }, 'readiness check: database unavailable');
      sendProblem(res, problemFor(new NotReadyError('database_unavailable', 'The database does not answer.'), req));
      return;
    }
    if (pending.length > 0) {
      sendProblem(res, problemFor(new NotReadyError('migrations_pending', `Migrations not applied: ${pending.join(', ')}.`), req));
      return;
    }
    res.json({ status: 'ready' });
  });

  router.get('/metrics', async (_req, res) => {
    const body = await deps.metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(deps.metrics.registry.contentType).send(body);
  });

  return router;
}
