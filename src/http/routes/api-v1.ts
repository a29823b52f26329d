/** `/api/v1` (DESIGN §7, API). Envelopes, webhooks and auth arrive in later issues. */
import { Router } from 'express';
import type { Deps } from '../../deps.ts';
import { trackRouteBase } from '../request-context.ts';
import { verifyHandler } from './verify.ts';

export function apiV1Router(deps: Deps): Router {
  const router = trackRouteBase(Router());
  router.post('/verify', verifyHandler(deps));
  return router;
}
