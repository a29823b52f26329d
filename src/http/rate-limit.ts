/**
 * A token bucket per key (the client IP), held by the app instance that created it — no module
 * state (STYLE). With several instances behind a load balancer each keeps its own buckets, so
 * the effective limit is per instance; good enough against link guessing, which the 256-bit
 * tokens already make hopeless, and against a client hammering the signing pages.
 */
import type { Request, RequestHandler, Response } from 'express';

export interface TokenBucketsOptions {
  /** Requests allowed in a burst, and per minute on average. */
  perMinute: number;
  clock: () => Date;
  /** Above this many keys, full buckets are forgotten (they would behave the same when recreated). */
  maxKeys?: number;
}

export interface TokenBuckets {
  /** Takes one token for `key`; when none is left, how many seconds until one is. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

export function createTokenBuckets(options: TokenBucketsOptions): TokenBuckets {
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refill = (bucket: { tokens: number; at: number }, now: number) => {
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
  };

  const sweep = (now: number) => {
    for (const [key, bucket] of buckets) {
      refill(bucket, now);
      if (bucket.tokens >= capacity) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const now = options.clock().getTime();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) sweep(now);
        bucket = { tokens: capacity, at: now };
        buckets.set(key, bucket);
      }
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    },
  };
}

/**
 * Middleware: one token per request from `req.ip` (the socket peer, or the client a `TRUST_PROXY`
 * proxy names, validated in request-context.ts); `onLimited` answers when the bucket is empty.
 */
export function rateLimit(buckets: TokenBuckets, onLimited: (req: Request, res: Response, retryAfterSeconds: number) => void): RequestHandler {
  return (req, res, next) => {
    const result = buckets.take(req.ip ?? 'unknown');
    if (result.allowed) {
      next();
      return;
    }
    res.set('Retry-After', String(result.retryAfterSeconds));
    onLimited(req, res, result.retryAfterSeconds);
  };
}
