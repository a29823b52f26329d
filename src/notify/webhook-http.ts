/**
 * One webhook POST to an address checked beforehand (webhook-address.ts). The connection's
 * `lookup` answers with that address only, whatever DNS would say now, so the host cannot be
 * rebound to another address between the check and the connect; TLS still verifies the
 * certificate against the host name (SNI and hostname check use the URL's host).
 *
 * Only the status code is kept: the response body is never read, so nothing an internal or
 * hostile server answers can come back through the deliveries list.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './webhook-address.ts';

export interface WebhookRequest {
  url: URL;
  /** The checked address to connect to. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export class WebhookTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'WebhookTimeoutError';
  }
}

/** A `lookup` that always answers `address` (both the single and the `all: true` form). */
export function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean } | number | undefined, callback: (...args: unknown[]) => void) => {
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

/** POSTs and answers the status code; a redirect is an answer too (never followed). */
export function postWebhook(request: WebhookRequest): Promise<{ status: number }> {
  const client = request.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(request.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: pinnedLookup(request.address),
      // A connection of our own: a pooled socket could have been opened to another address.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new WebhookTimeoutError(request.timeoutMs)), request.timeoutMs);
    timer.unref();
    req.on('response', (res) => {
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      // The body is not read: the socket is closed at once.
      res.destroy();
      req.destroy();
      resolve({ status });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(request.body);
  });
}
