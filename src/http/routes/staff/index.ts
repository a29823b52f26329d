/**
 * The staff app at `/app` (issue 5): language, no caching, form parsing, then login/logout/reset,
 * the admin pages, and after them the send and follow-up routers; one HTML error handler at the
 * end answers for all of them (404 for another organisation's ids, 403, 401, 500).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { toAppError } from '../../problem.ts';
import { trackRouteBase } from '../../request-context.ts';
import { staffMessagePage, STAFF_STYLESHEET_PATH } from '../../../web/staff/layout.ts';
import { staffTranslator } from '../../../web/staff/i18n.ts';
import { staffCsrfToken } from '../../staff/csrf.ts';
import { staffLanguage, staffLanguageOf } from '../../staff/session.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerAdminRoutes } from './admin.ts';
import { staffSendRouter } from './send.ts';
import { staffMeetingsRouter } from './meetings.ts';
import { staffMandatesRouter } from './mandates.ts';
import { staffFollowRouter } from './follow.ts';
import { staffNotificationsRouter } from './notifications.ts';

export const STAFF_STYLESHEET_FILE = path.join(import.meta.dirname, '..', '..', '..', 'web', 'static', 'staff.css');

/** `/assets/staff.css`, mounted at the root by src/http/app.ts. */
export function staffAssetsRouter(): Router {
  const stylesheet = readFileSync(STAFF_STYLESHEET_FILE);
  const router = Router();
  router.get(STAFF_STYLESHEET_PATH, (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(stylesheet);
  });
  return router;
}

export function staffRouter(deps: Deps): Router {
  const router = trackRouteBase(Router());
  router.use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' });
    next();
  });
  router.use(staffLanguage(deps));
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));

  registerAuthRoutes(router, deps);
  registerAdminRoutes(router, deps);
  router.use(staffSendRouter(deps));
  router.use(staffMeetingsRouter(deps));
  router.use(staffMandatesRouter(deps));
  router.use(staffFollowRouter(deps));
  router.use(staffNotificationsRouter(deps));

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return next();
    const lang = staffLanguageOf(res);
    const t = staffTranslator(lang);
    const staff = res.locals.staff ?? null;
    res.status(404).type('html').send(staffMessagePage({ lang, staff, title: t('error.notFound.title'), paragraphs: [t('error.notFound.body')], back: '/app', csrf: staff ? staffCsrfToken(deps, res) : undefined }));
  });
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const appError = toAppError(error);
    if (appError.status >= 500) req.log.error({ code: appError.code, err: error }, appError.message);
    else req.log.info({ code: appError.code, status: appError.status }, appError.message);
    const lang = staffLanguageOf(res);
    const t = staffTranslator(lang);
    const staff = res.locals.staff ?? null;
    const csrf = staff ? staffCsrfToken(deps, res) : undefined;
    const [title, body] =
      appError.status === 404
        ? [t('error.notFound.title'), t('error.notFound.body')]
        : appError.status === 403
          ? [t('error.forbidden.title'), t('error.forbidden.body')]
          : appError.status === 401
            ? [t('error.unauthorized.title'), t('error.unauthorized.body')]
            : appError.status < 500
              ? [t('error.invalid.title'), appError.detail ?? appError.message]
              : [t('error.title'), t('error.body', { requestId: String(req.id) })];
    res.status(appError.status).type('html').send(staffMessagePage({ lang, staff, title, paragraphs: [body], back: '/app', csrf }));
  });
  return router;
}
