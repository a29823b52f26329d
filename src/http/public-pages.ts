/**
 * What every page reached by a mailed bearer link has in common — the signer's `/s/<token>` and the
 * result link's `/r/<token>`: never cached, indexed or referred (the token is in the path), in the
 * language asked for (`?lang=`, remembered in a cookie for that path), and a page, not JSON, when the
 * client is rate limited.
 */
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../errors.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { organisationHasLogo } from '../workflow/signing-link-pages.ts';
import * as web from '../web/index.ts';
import { rateLimit, type OnLimited, type TokenBuckets } from './rate-limit.ts';

export const LANGUAGE_COOKIE = 'paraaf_lang';
export const YEAR_SECONDS = 365 * 24 * 3600;

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return cookies;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, and Secure when the service is reached over https. */
export function cookieHeader(name: string, value: string, options: { path: string; maxAgeSeconds: number; secure: boolean }): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSeconds}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
}

/** No-store headers, and `res.locals.language` from `?lang=` (then remembered under `cookiePath`) or the cookie. */
export function linkPageBasics(options: { cookiePath: string; secure: boolean }): RequestHandler {
  return (req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex, nofollow' });
    const requested = req.query.lang;
    const remembered = parseCookies(req.get('cookie'))[LANGUAGE_COOKIE];
    if (web.isLanguage(requested)) {
      res.locals.language = requested;
      res.append('Set-Cookie', cookieHeader(LANGUAGE_COOKIE, requested, { path: options.cookiePath, maxAgeSeconds: YEAR_SECONDS, secure: options.secure }));
    } else if (web.isLanguage(remembered)) {
      res.locals.language = remembered;
    }
    next();
  };
}

/** What an over-eager client of the link pages gets: a page saying how long to wait. */
export function limitedLinkPage(pageContext: (req: Request, res: Response) => web.PageContext): OnLimited {
  return (req, res, seconds) => {
    const ctx = pageContext(req, res);
    res.status(429).type('html').send(web.messagePage(ctx, { title: ctx.t('rateLimit.title'), paragraphs: [ctx.t('rateLimit.body', { seconds })] }));
  };
}

/** The rate limit of link pages (see rateLimit for `takesOwnToken`). */
export function rateLimitedLinkPages(buckets: TokenBuckets, pageContext: (req: Request, res: Response) => web.PageContext, options: { takesOwnToken?: (req: Request) => boolean } = {}): RequestHandler {
  return rateLimit(buckets, limitedLinkPage(pageContext), options);
}

/**
 * The organisation's logo for a link page: sandboxed (an SVG may carry script), private, and 404 when
 * there is none. `etag`: the signer pages validate it by the blob's hash.
 */
export async function sendOrganisationLogo(res: Response, organisation: { settings: Record<string, unknown> } | null | undefined, blobs: Pick<BlobStore, 'get'>, options: { etag?: boolean } = {}): Promise<void> {
  const logo = organisation?.settings.logo as { sha256?: unknown; contentType?: unknown } | undefined;
  if (!organisationHasLogo(organisation) || typeof logo?.sha256 !== 'string') throw new AppError('logo_not_found', 404, 'There is no logo.');
  const bytes = await blobs.get(logo.sha256);
  res
    .set({
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=3600',
      'Cross-Origin-Resource-Policy': 'same-origin',
      ...(options.etag ? { ETag: `"${logo.sha256}"` } : {}),
    })
    .type(logo.contentType === 'image/svg+xml' ? 'image/svg+xml' : 'image/png')
    .send(bytes);
}
