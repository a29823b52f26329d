/**
 * API key authentication for `/api/v1` (DESIGN §7): `Authorization: Bearer <api key>`. A
 * missing, malformed, unknown or revoked key answers 401 `unauthorized` with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3); the principal goes on `res.locals.principal`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnauthorizedError } from '../errors.ts';
import type { Knex } from 'knex';
import { authenticateApiKey, type ApiKeyPrincipal } from '../workflow/authenticate-api-key.ts';

export type Principal = ApiKeyPrincipal;

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

function challenge(res: Response, error?: 'invalid_token'): UnauthorizedError {
  res.set('WWW-Authenticate', error ? `Bearer realm="paraaf", error="${error}"` : 'Bearer realm="paraaf"');
  return new UnauthorizedError(error ? 'The API key is invalid or revoked.' : 'Send an API key as "Authorization: Bearer <key>".');
}

export function requireApiKey(db: Knex): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (!header) return next(challenge(res));
    const match = BEARER.exec(header);
    if (!match) return next(challenge(res, 'invalid_token'));
    const principal = await authenticateApiKey({ db }, match[1]);
    if (!principal) return next(challenge(res, 'invalid_token'));
    res.locals.principal = principal;
    next();
  };
}

/** The principal `requireApiKey` authenticated; throws if the route was mounted without it. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}
