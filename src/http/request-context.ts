/**
 * Per-request plumbing: a request id (honouring a sane incoming `X-Request-Id`), a child
 * logger, one access-log line and the HTTP metrics. URLs are masked before they are logged.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { ipAddress } from '../audit/index.ts';
import { maskUrl, type Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** Request id, echoed in `X-Request-Id` and in problem+json bodies. */
    id: string;
    /** Logger bound to this request's id. */
    log: Logger;
  }
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Polled by load balancers and Prometheus: logged at debug when they succeed. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Mount path of the router that matched, recorded so the route label survives `next(err)`. */
const ROUTE_BASE = Symbol('routeBase');
type WithRouteBase = Request & { [ROUTE_BASE]?: string };

/** Adds route-label bookkeeping to a router; call it before defining routes. */
export function trackRouteBase(router: Router): Router {
  router.use((req: Request, _res: Response, next: NextFunction) => {
    (req as WithRouteBase)[ROUTE_BASE] = req.baseUrl;
    next();
  });
  return router;
}

/** The route pattern (`/api/v1/verify`), never the raw path, to keep label cardinality bounded. */
function routeLabel(req: Request): string {
  if (!req.route) return 'unmatched';
  return `${(req as WithRouteBase)[ROUTE_BASE] ?? ''}${String(req.route.path)}`;
}

/**
 * Fixes `req.ip` for this request to a validated address or undefined. Express derives it from
 * `X-Forwarded-For` once the peer is a trusted proxy (`TRUST_PROXY`) and passes on whatever text
 * the client put there; every reader (audit origin, rate-limit key, session, access log) gets
 * the checked value instead, so no route can forget to check.
 */
function pinClientIp(req: Request): void {
  Object.defineProperty(req, 'ip', { value: ipAddress(req.ip) ?? undefined, enumerable: true, configurable: true });
}

export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    pinClientIp(req);
    const incoming = req.get('x-request-id');
    req.id = incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);

    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequestsTotal.inc(labels);
      metrics.httpRequestDuration.observe(labels, seconds);

      const line = {
        req: { method: req.method, url: maskUrl(req.originalUrl), remoteAddress: req.ip, userAgent: req.get('user-agent') },
        res: { statusCode: res.statusCode, contentLength: res.getHeader('content-length') },
        responseTimeMs: Math.round(seconds * 1e4) / 10,
      };
      if (res.statusCode >= 500) req.log.error(line, 'request failed');
      else if (res.statusCode >= 400) req.log.warn(line, 'request rejected');
      else if (QUIET_PATHS.has(req.path)) req.log.debug(line, 'request completed');
      else req.log.info(line, 'request completed');
    });
    next();
  };
}
