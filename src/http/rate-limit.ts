/**
 * Token buckets per client IP for the public routes, in the deployment's rate-limit store
 * (RATE_LIMIT_STORE, src/store/rate-limit-store.ts): in memory for one process, or in PostgreSQL or
 * Redis shared by every instance, so a client meets one limit whichever instance answers (issue 11).
 * Each limiter has its own name, so the signer pages and the verify endpoint never spend one budget.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.ts';
import type { RateLimitStore } from '../store/rate-limit-store.ts';
import { BUCKET_REFILL_MS } from '../store/rate-limit-store.ts';

export interface TokenBucketsOptions {
  /** Which limiter: part of every key in the shared store. */
  name: string;
  /** Requests allowed in a burst, and per minute on average. */
  perMinute: number;
  clock: () => Date;
  store: RateLimitStore;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface TokenBuckets {
  /** Takes one token for `key`; when none is left, how many seconds until one is. */
  take(key: string): Promise<TakeResult>;
}

export function createTokenBuckets(options: TokenBucketsOptions): TokenBuckets {
  const perMs = options.perMinute / BUCKET_REFILL_MS;
  return {
    async take(key) {
      const result = await options.store.take(`${options.name}:${key}`, options.perMinute, options.clock().getTime());
      if (result.allowed) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - result.tokens) / perMs / 1000)) };
    },
  };
}

/** What answers a client whose bucket is empty (a page, or a problem+json AppError thrown). */
export type OnLimited = (req: Request, res: Response, retryAfterSeconds: number) => void;

/**
 * One token for the request from `req.ip` (the socket peer, or the client a `TRUST_PROXY` proxy names, validated
 * in request-context.ts): true when allowed; else `onLimited` has answered (with Retry-After) and it is false.
 */
export async function takeRequestToken(buckets: TokenBuckets, req: Request, res: Response, onLimited: OnLimited): Promise<boolean> {
  const result = await buckets.take(req.ip ?? 'unknown');
  if (result.allowed) return true;
  res.set('Retry-After', String(result.retryAfterSeconds));
  onLimited(req, res, result.retryAfterSeconds);
  return false;
}

/**
 * Middleware: takeRequestToken for every request but those `takesOwnToken` names, which take theirs themselves
 * (the sign request, at the same time as its first read: issue 11). `next` must be express's own: it is called
 * again with the error when onLimited throws.
 */
export function rateLimit(buckets: TokenBuckets, onLimited: OnLimited, options: { takesOwnToken?: (req: Request) => boolean } = {}): RequestHandler {
  return (req, res, next) => {
    if (options.takesOwnToken?.(req)) {
      next();
      return;
    }
    takeRequestToken(buckets, req, res, onLimited)
      .then((allowed) => allowed && next())
      // onLimited may throw an AppError for the problem+json handler.
      .catch(next);
  };
}

/** At most one error line per this long while the store keeps failing; the metric counts every failure. */
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * A store that fails OPEN: when Redis (or PostgreSQL) does not answer, the request goes on unlimited,
 * with an error in the log and `paraaf_rate_limit_store_failures_total` counting. Failing closed would
 * turn a Redis outage into a signing outage for every mandatary, for limits that are defence in depth:
 * signing links are 256-bit tokens nobody can guess, a staff account keeps its own back-off in the
 * database (src/store/users.ts), and verification stays bounded by its worker pool's queue. An operator
 * alerted by the metric restores the limits by restoring the store.
 */
export function failOpen(store: RateLimitStore, options: { logger: Logger; onFailure: () => void; clock: () => Date }): RateLimitStore {
  let lastLogged = -Infinity;
  let unlogged = 0;
  const failed = (operation: string, error: unknown): void => {
    options.onFailure();
    unlogged += 1;
    const now = options.clock().getTime();
    if (now - lastLogged < FAILURE_LOG_INTERVAL_MS) return;
    options.logger.error({ err: error, store: store.kind, operation, failures: unlogged }, 'rate-limit store failed: requests go on without that limit');
    lastLogged = now;
    unlogged = 0;
  };
  const guarded = <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>, fallback: (...args: A) => R) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        failed(operation, error);
        return fallback(...args);
      }
    };
  return {
    kind: store.kind,
    take: guarded('take', store.take, (_key, perMinute) => ({ allowed: true, tokens: perMinute })),
    recordLoginFailure: guarded('recordLoginFailure', store.recordLoginFailure, (_key, nowMs) => ({ failures: 0, lastMs: nowMs })),
    loginFailures: guarded('loginFailures', store.loginFailures, () => null),
    clearLoginFailures: guarded('clearLoginFailures', store.clearLoginFailures, () => undefined),
    // The purge job logs its own failures; a failed purge is retried on its next run.
    purge: (nowMs, loginResetMs) => store.purge(nowMs, loginResetMs),
    close: () => store.close(),
  };
}
