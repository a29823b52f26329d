/**
 * The `Paraaf-Signature` header (DESIGN §7): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * The timestamp is inside the MAC so a captured delivery cannot be replayed later than the
 * receiver's tolerance. Receivers may copy `verifyWebhookSignature` as it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'Paraaf-Signature';

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError(`timestamp must be whole Unix seconds, got ${timestamp}`);
  return `t=${timestamp},v1=${mac(secret, timestamp, body)}`;
}

export interface VerifyWebhookSignatureOptions {
  /** How far the timestamp may be from `now`, either way. Default 300 s. */
  toleranceSeconds?: number;
  now?: Date;
}

/** Parses `t=…,v1=…[,v1=…]`; several v1 values are allowed so a secret can be rotated. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return null;
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * True when `header` carries a valid signature of `body` (the raw request body, exactly as
 * received) made with `secret` within the tolerance. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  const parsed = header ? parseHeader(header) : null;
  if (!parsed) return false;
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(mac(secret, parsed.timestamp, body), 'hex');
  // No early exit: every candidate is compared so timing does not reveal which one matched.
  let valid = false;
  for (const signature of parsed.signatures) {
    valid = timingSafeEqual(expected, Buffer.from(signature, 'hex')) || valid;
  }
  return valid;
}
