/**
 * Staff sessions over HTTP (issue 5): the `paraaf_session` cookie (HttpOnly, SameSite=Lax,
 * Secure on https, Path=/app) carries a random 256-bit value; the database row is keyed by its
 * SHA-256 (src/store/sessions.ts). `requireStaff` puts the principal on `res.locals.staff`.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../../deps.ts';
import { isLanguage, type Language } from '../../web/index.ts';
import { openStaffSession, SESSION_ABSOLUTE_MS } from '../../workflow/staff-session.ts';
import { countUnreadStaffNotifications } from '../../workflow/read-staff-notifications.ts';
import { setStaffLanguage } from '../../workflow/set-staff-language.ts';
import { staffMessagePage, STAFF_LANGUAGE_COOKIE, type StaffPrincipal } from '../../web/staff/layout.ts';
import { staffTranslator } from '../../web/staff/i18n.ts';
import { parseCookies } from '../public-pages.ts';

export type { StaffPrincipal };
export { parseCookies };
export const SESSION_COOKIE = 'paraaf_session';

export function staffCookie(deps: Deps, name: string, value: string, maxAgeSeconds: number, path = '/app'): string {
  const secure = deps.config.baseUrl.startsWith('https:');
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function sessionCookie(deps: Deps, token: string): string {
  return staffCookie(deps, SESSION_COOKIE, token, Math.floor(SESSION_ABSOLUTE_MS / 1000));
}

export function clearSessionCookie(deps: Deps): string {
  return staffCookie(deps, SESSION_COOKIE, '', 0);
}

/**
 * The language of this staff page: `?lang=` or the cookie (this browser's choice), else the logged-in user's own
 * language (issue 12: a browser that never chose, such as their next one, speaks it), else Dutch.
 */
export function staffLanguageOf(res: Response): Language {
  const chosen = res.locals.staffLang as unknown;
  if (isLanguage(chosen)) return chosen;
  const own = (res.locals.staff as StaffPrincipal | undefined)?.language;
  return own && isLanguage(own) ? own : 'nl';
}

/** Middleware (the staff router runs it first): `?lang=` (remembered in `paraaf_lang`, Path=/app), then the cookie. */
export function staffLanguage(deps: Deps): RequestHandler {
  return (req, res, next) => {
    const requested = req.query.lang;
    const remembered = parseCookies(req.get('cookie'))[STAFF_LANGUAGE_COOKIE];
    if (isLanguage(requested)) {
      res.locals.staffLang = requested;
      // The header's language links say `remember=1`; a bare `?lang=` (a report in English, say) is one view.
      res.locals.staffLangChosen = req.query.remember === '1';
      res.append('Set-Cookie', staffCookie(deps, STAFF_LANGUAGE_COOKIE, requested, 365 * 24 * 3600));
    } else if (isLanguage(remembered)) {
      res.locals.staffLang = remembered;
    }
    next();
  };
}

/** The language this request picked with a header's language link (`remember=1`), if it did. */
export function chosenLanguage(res: Response): Language | undefined {
  const chosen = res.locals.staffLang as unknown;
  return res.locals.staffLangChosen === true && typeof chosen === 'string' && isLanguage(chosen) ? chosen : undefined;
}

/**
 * A language link of the header followed while logged in: the choice becomes the user's own (setStaffLanguage),
 * so their next session, on any browser, and their mails speak it. A GET, like the links it answers: the
 * language is a preference, and a link from elsewhere can do little more than the cookie already did.
 */
async function keepChosenLanguage(deps: Deps, res: Response, staff: StaffPrincipal): Promise<StaffPrincipal> {
  const chosen = chosenLanguage(res);
  if (!chosen || staff.language === chosen) return staff;
  await setStaffLanguage(deps.workflow, { organisationId: staff.organisationId, userId: staff.userId, language: chosen });
  return { ...staff, language: chosen };
}

/** The principal `requireStaff` found; throws when used on a route without it (a programming error). */
export function staffOf(res: Response): StaffPrincipal {
  const staff = res.locals.staff as StaffPrincipal | undefined;
  if (!staff) throw new Error('staffOf: no staff principal; mount requireStaff(deps) first');
  return staff;
}

/** The principal for a request, or null: a live session of an enabled user. */
export async function loadStaff(deps: Deps, req: Request): Promise<StaffPrincipal | null> {
  const token = parseCookies(req.get('cookie'))[SESSION_COOKIE];
  if (!token) return null;
  const opened = await openStaffSession(deps, token);
  if (!opened) return null;
  const { session, user, organisation } = opened;
  if (!user || !organisation || user.disabledAt !== null) return null;
  const logo = organisation.settings.logo as { sha256?: unknown } | undefined;
  return {
    userId: user.id,
    organisationId: organisation.id,
    organisationName: organisation.name,
    role: user.role,
    name: user.name ?? user.email,
    email: user.email,
    sessionId: session.id,
    hasLogo: typeof logo?.sha256 === 'string',
    mustChangePassword: user.mustChangePassword,
    language: user.language,
    unreadNotifications: await countUnreadStaffNotifications(deps.workflow, { organisationId: organisation.id, userId: user.id }),
  };
}

/** Only `/app` paths, never `//host` or a scheme: where `?next=` may send the browser after login. */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return '/app';
  if (!/^\/app(?:[/?#]|$)/.test(value) || value.includes('\\') || /[\r\n]/.test(value)) return '/app';
  return value;
}

/** Where a staff member whose password must be changed is sent, and what else they may do meanwhile. */
export const PASSWORD_CHANGE_PATH = '/app/password/change';
const MAY_BEFORE_PASSWORD_CHANGE = new Set([PASSWORD_CHANGE_PATH, '/app/logout']);

/**
 * A valid session → `res.locals.staff`; otherwise GET (and HEAD) redirect 303 to
 * `/app/login?next=<path>`, other methods answer a 401 page.
 */
export function requireStaff(deps: Deps): RequestHandler {
  return (req, res, next) => {
    loadStaff(deps, req).then(async (loaded) => {
      const staff = loaded ? await keepChosenLanguage(deps, res, loaded) : null;
      if (staff?.mustChangePassword && !MAY_BEFORE_PASSWORD_CHANGE.has(req.originalUrl.split('?')[0] ?? '')) {
        // A password someone else chose (the CLI's one-time password) is replaced before anything else.
        res.set('Cache-Control', 'no-store');
        if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `${PASSWORD_CHANGE_PATH}?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
        const lang = staffLanguageOf(res);
        const t = staffTranslator(lang);
        return res.status(403).type('html').send(staffMessagePage({ lang, staff: null, title: t('change.title'), paragraphs: [t('change.required')], back: PASSWORD_CHANGE_PATH }));
      }
      if (staff) {
        res.locals.staff = staff;
        return next();
      }
      res.set('Cache-Control', 'no-store');
      const hadCookie = Boolean(parseCookies(req.get('cookie'))[SESSION_COOKIE]);
      if (hadCookie) res.append('Set-Cookie', clearSessionCookie(deps));
      if (req.method === 'GET' || req.method === 'HEAD') {
        const nextPath = safeNext(req.originalUrl);
        return res.redirect(303, `/app/login?next=${encodeURIComponent(nextPath)}${hadCookie ? '&expired=1' : ''}`);
      }
      const lang = staffLanguageOf(res);
      const t = staffTranslator(lang);
      res.status(401).type('html').send(staffMessagePage({ lang, staff: null, title: t('error.unauthorized.title'), paragraphs: [t('error.unauthorized.body')], back: '/app/login' }));
    }, next);
  };
}

/** After `requireStaff`: a 403 page unless the staff member is an admin of the organisation. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  const staff = res.locals.staff as StaffPrincipal | undefined;
  if (staff?.role === 'admin') return next();
  const lang = staffLanguageOf(res);
  const t = staffTranslator(lang);
  res.status(403).type('html').send(staffMessagePage({ lang, staff: staff ?? null, title: t('error.forbidden.title'), paragraphs: [t('error.forbidden.body')], back: '/app' }));
};
