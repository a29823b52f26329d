/**
 * CSRF for the staff forms (issue 5): an HMAC of the session id (itself SHA-256 of the cookie
 * value) with the signer-form secret (`SIGNER_SECRET`, src/http/csrf.ts), checked in constant
 * time. Forms before login (login, forgot, reset) bind to a random pre-login cookie instead.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../../deps.ts';
import { staffMessagePage } from '../../web/staff/layout.ts';
import { staffTranslator } from '../../web/staff/i18n.ts';
import { parseCookies, staffCookie, staffLanguageOf, staffOf } from './session.ts';

export const PRELOGIN_COOKIE = 'paraaf_prelogin';

/**
 * The signer's secret handling: `SIGNER_SECRET` when set, otherwise a random one per app
 * (forms opened before a restart then answer 403). Kept per Deps object, not per module.
 */
const randomSecrets = new WeakMap<Deps, Buffer>();
export function formSecret(deps: Deps): Buffer {
  if (deps.config.signerSecret) return Buffer.from(deps.config.signerSecret, 'utf8');
  let secret = randomSecrets.get(deps);
  if (!secret) {
    secret = randomBytes(32);
    randomSecrets.set(deps, secret);
  }
  return secret;
}

function mac(deps: Deps, purpose: string, value: string): Buffer {
  return createHmac('sha256', formSecret(deps)).update(`staff:${purpose}:`, 'utf8').update(value, 'utf8').digest();
}

function matches(expected: Buffer, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
  const given = Buffer.from(presented, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The CSRF token for forms of the logged-in staff member (after `requireStaff`). */
export function staffCsrfToken(deps: Deps, res: Response): string {
  return mac(deps, 'csrf', staffOf(res).sessionId).toString('base64url');
}

function presentedToken(req: Request): unknown {
  const body = req.body as Record<string, unknown> | undefined;
  return body?._csrf ?? req.get('x-csrf-token');
}

function refuse(res: Response): void {
  const lang = staffLanguageOf(res);
  const t = staffTranslator(lang);
  res.status(403).type('html').send(staffMessagePage({ lang, staff: (res.locals.staff as never) ?? null, title: t('error.csrf.title'), paragraphs: [t('error.csrf.body')], back: '/app' }));
}

/**
 * For POST forms after `requireStaff` and a body parser: field `_csrf` (or header `X-CSRF-Token`
 * for scripted uploads) must be the session's token; otherwise a 403 page.
 */
export function verifyStaffCsrf(deps: Deps): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const staff = res.locals.staff as { sessionId?: string } | undefined;
    if (staff?.sessionId && matches(mac(deps, 'csrf', staff.sessionId), presentedToken(req))) return next();
    refuse(res);
  };
}

/** Before login: the pre-login cookie (set when missing) and the token bound to it. */
export function preloginCsrfToken(deps: Deps, req: Request, res: Response): string {
  let value = parseCookies(req.get('cookie'))[PRELOGIN_COOKIE];
  if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    value = randomBytes(32).toString('base64url');
    res.append('Set-Cookie', staffCookie(deps, PRELOGIN_COOKIE, value, 24 * 3600));
    // Later reads in this request see the new value.
    req.headers.cookie = `${req.headers.cookie ? `${req.headers.cookie}; ` : ''}${PRELOGIN_COOKIE}=${value}`;
  }
  return mac(deps, 'prelogin', value).toString('base64url');
}

export function verifyPreloginCsrf(deps: Deps): RequestHandler {
  return (req, res, next) => {
    const value = parseCookies(req.get('cookie'))[PRELOGIN_COOKIE];
    if (value && matches(mac(deps, 'prelogin', value), presentedToken(req))) return next();
    refuse(res);
  };
}
