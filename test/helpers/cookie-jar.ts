/**
 * A cookie jar for supertest. The staff cookies are Secure when BASE_URL is https, which supertest's agent would
 * keep from a plain-http test server: the tests keep them themselves.
 */
import type { Response } from 'supertest';

export function cookieJar() {
  const jar = new Map<string, string>();
  return {
    /** Keeps the cookies an answer sets; answers it. */
    keep<T extends Pick<Response, 'headers'>>(res: T): T {
      for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      return res;
    },
    /** The `Cookie` header to send. */
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    clear: () => jar.clear(),
  };
}
