/**
 * A TimeStamper over remote TSAs (TSA_URL): the RFC 3161 HTTP transport (RFC 3161 §3.4) — POST a DER
 * TimeStampReq as application/timestamp-query, read a DER TimeStampResp as application/timestamp-reply.
 * URLs are tried in order; a response is used only when its status is granted and its token matches the
 * request (imprint, nonce), its signature verifies and its signer is a TSA certificate (RFC 3161 §2.3).
 * When every URL fails, TimestampError (503) carries what went wrong with each in its log detail.
 */
import { randomBytes } from 'node:crypto';
import { TimestampError } from '../errors.ts';
import type { HashAlgorithm, TimeStamper } from '../keys/types.ts';
import { checkTimestampToken } from './timestamp-token.ts';
import { encodeTimeStampReq, parseTimeStampResp, PKI_STATUS } from './timestamp-protocol.ts';
import { describeFetchError, readBounded } from '../keys/http-body.ts';

export interface HttpTimeStamperOptions {
  urls: string[];
  /** Per URL, for the whole exchange. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** TSAPolicyId to ask for (reqPolicy); by default the TSA chooses. */
  policy?: string;
  /** Local time to compare genTime with (RFC 3161 §2.4.2); default the system clock. */
  clock?: () => Date;
  /** How far genTime may be from the local clock, beyond the token's accuracy (default 5 minutes). */
  maxClockSkewMs?: number;
}

const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A TimeStampResp is a few kilobytes; anything far larger is not one. */
const MAX_RESPONSE_BYTES = 256 * 1024;

export function createHttpTimeStamper(options: HttpTimeStamperOptions): TimeStamper {
  if (options.urls.length === 0) throw new Error('createHttpTimeStamper needs at least one TSA URL.');
  for (const url of options.urls) {
    const { protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`TSA URL must be http(s): ${url}`);
  }
  const fetchImpl = options.fetch ?? fetch;
  return {
    async timestamp(digest: Buffer, hash: HashAlgorithm): Promise<Buffer> {
      const failures: string[] = [];
      for (const url of options.urls) {
        try {
          return await requestToken(fetchImpl, url, digest, hash, options);
        } catch (error) {
          failures.push(`${url}: ${describeFetchError(error)}`);
        }
      }
      throw new TimestampError(undefined, { detail: failures.join('; ') });
    },
  };
}

async function requestToken(
  fetchImpl: typeof fetch,
  url: string,
  digest: Buffer,
  hash: HashAlgorithm,
  options: HttpTimeStamperOptions,
): Promise<Buffer> {
  // A positive 64-bit nonce binds the response to this request (RFC 3161 §2.4.1).
  const nonce = randomBytes(8);
  nonce[0] &= 0x7f;
  nonce[0] |= 0x01;
  const body = encodeTimeStampReq({ digest, hash, nonce, certReq: true, policy: options.policy });
  const response = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'error',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const der = await readBounded(response, MAX_RESPONSE_BYTES);
  if (!der) throw new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
  const token = checkedToken(der, { digest, hash, nonce, policy: options.policy });
  checkGenTime(token.genTime, token.accuracyMs, options);
  return token.der;
}

/**
 * RFC 3161 §2.4.2: the requester SHOULD check genTime against a local trusted time reference. A token
 * far from our clock is from a TSA with a wrong clock, or replayed: signing with it would misstate when.
 */
function checkGenTime(genTime: Date, accuracyMs: number, options: HttpTimeStamperOptions): void {
  const now = (options.clock ?? (() => new Date()))();
  const allowed = (options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS) + accuracyMs;
  const skew = genTime.getTime() - now.getTime();
  if (Math.abs(skew) > allowed) throw new Error(`token genTime ${genTime.toISOString()} is ${Math.round(skew / 1000)} s from the local clock`);
}



interface Sent {
  digest: Buffer;
  hash: HashAlgorithm;
  nonce: Buffer;
  policy?: string;
}

/** The checks of RFC 3161 §2.4.2 a requester must make before it relies on a response. */
function checkedToken(der: Buffer, sent: Sent): { der: Buffer; genTime: Date; accuracyMs: number } {
  let parsed;
  try {
    parsed = parseTimeStampResp(der);
  } catch (error) {
    throw new Error(`not a TimeStampResp (${error instanceof Error ? error.message : String(error)})`);
  }
  if (parsed.status !== PKI_STATUS.granted && parsed.status !== PKI_STATUS.grantedWithMods) {
    const reason = [...parsed.failInfo, ...parsed.statusText].join(', ');
    throw new Error(`status ${parsed.status}${reason ? ` (${reason})` : ''}`);
  }
  if (!parsed.token) throw new Error('granted without a token');
  const check = checkTimestampToken(parsed.token, { digest: sent.digest, hash: sent.hash });
  if (!check.imprintMatches) throw new Error('token is for another message imprint');
  if (!check.nonce || !check.nonce.equals(trimmed(sent.nonce))) throw new Error('token nonce differs from the request');
  if (sent.policy && check.policy !== sent.policy) throw new Error(`token policy ${check.policy} is not the requested one`);
  if (!check.timeStampingEku) throw new Error('token signer is not a TSA certificate (no critical timeStamping EKU)');
  if (!check.signatureValid) throw new Error(`token signature is not valid (${check.problems.join('; ')})`);
  if (!check.genTime) throw new Error('token has no readable genTime');
  return { der: parsed.token, genTime: check.genTime, accuracyMs: check.accuracyMs ?? 0 };
}

/** The INTEGER magnitude as checkTimestampToken reports it (leading zero octets removed). */
function trimmed(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
