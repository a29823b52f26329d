/**
 * The process logger (pino). Secrets never reach the log: authorization headers, cookies,
 * tokens and passwords are redacted, and the tokens of signing, reset and invite links in URLs
 * are masked (STYLE.md).
 */
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  'password',
  'token',
  'secret',
  'apiKey',
];

export interface CreateLoggerOptions {
  level: string;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  destination?: DestinationStream;
  /** Extra fixed fields on every line. */
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    base: { service: 'paraaf', ...options.base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/**
 * Path segments that are bearer secrets: `/s/<token>` signing links (DESIGN §7), `/r/<token>` result links
 * (issue 12) and `/app/password/reset/<token>` reset and invite links (issue 10).
 */
const SECRET_PREFIX = String.raw`\/s\/|\/r\/|\/app\/password\/reset\/`;
const SECRET_PATH = new RegExp(`^(${SECRET_PREFIX})[^/?#]+`);
/** The same links anywhere in a text (a mail body, an href). */
const SECRET_LINK = new RegExp(`(${SECRET_PREFIX})[A-Za-z0-9_-]+`, 'g');
/** Query parameters that carry secrets. */
const SECRET_QUERY = /([?&](?:token|access_token|api_key|apikey|key|otp|code)=)[^&#]*/gi;

/** Masks tokens in a request URL so it can be logged. */
export function maskUrl(url: string): string {
  return url.replace(SECRET_PATH, '$1***').replace(SECRET_QUERY, '$1***');
}

/** Masks the tokens of every signing, reset and invite link in a text (a delivered mail kept in the outbox). */
export function maskSecretLinks(text: string): string {
  return text.replace(SECRET_LINK, '$1***').replace(SECRET_QUERY, '$1***');
}
