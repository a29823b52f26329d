/** `/api/v1` (DESIGN §7, API). `POST /verify` is public; everything after it needs an API key. */
import { Router } from 'express';
import type { Deps } from '../../deps.ts';
import { requireApiKey } from '../auth.ts';
import { trackRouteBase } from '../request-context.ts';
import { envelopeAuditRouter } from './envelope-audit.ts';
import { envelopesRouter } from './envelopes.ts';
import { mandatesRouter } from './mandates.ts';
import { mandatesImportRouter } from './mandates-import.ts';
import { meetingsRouter } from './meetings.ts';
import { verifyHandler, verifyLimits } from './verify.ts';
import { webhooksRouter } from './webhooks.ts';

export function apiV1Router(deps: Deps): Router {
  const router = trackRouteBase(Router());
  router.post('/verify', verifyLimits(deps), verifyHandler(deps));
  router.use(requireApiKey(deps.db));
  router.use(envelopesRouter(deps));
  router.use(meetingsRouter(deps));
  router.use(mandatesRouter(deps));
  router.use(mandatesImportRouter(deps));
  router.use(envelopeAuditRouter(deps));
  router.use(webhooksRouter(deps));
  return router;
}
