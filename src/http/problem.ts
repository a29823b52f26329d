/**
 * The one error handler: every failure becomes an RFC 9457 `application/problem+json` body
 * with a stable `code`. Client errors carry their message; server errors only a generic one,
 * their detail goes to the log (STYLE.md, after node-oidc-provider).
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError, NotFoundError, PayloadTooLargeError, isAppError } from '../errors.ts';
import { maskUrl } from '../logger.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://paraaf.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  [extension: string]: unknown;
}

/** Multer's limit codes (multer/lib/multer-error.js) that are the client's fault. */
const MULTER_CODES: Record<string, { code: string; status: number; message: string }> = {
  LIMIT_FILE_SIZE: { code: 'payload_too_large', status: 413, message: 'The uploaded file is larger than the allowed maximum.' },
  LIMIT_FILE_COUNT: { code: 'too_many_files', status: 400, message: 'Too many files in the upload.' },
  LIMIT_UNEXPECTED_FILE: { code: 'file_field_unexpected', status: 400, message: 'The upload contains a file in an unexpected field.' },
  LIMIT_PART_COUNT: { code: 'upload_invalid', status: 400, message: 'The upload has too many parts.' },
  LIMIT_FIELD_KEY: { code: 'upload_invalid', status: 400, message: 'A form field name is too long.' },
  LIMIT_FIELD_VALUE: { code: 'upload_invalid', status: 400, message: 'A form field value is too long.' },
  LIMIT_FIELD_COUNT: { code: 'upload_invalid', status: 400, message: 'The upload has too many form fields.' },
};

/** body-parser / http-errors `type` values that are the client's fault. */
const BODY_PARSER_TYPES: Record<string, { code: string; status: number; message: string }> = {
  'entity.parse.failed': { code: 'json_malformed', status: 400, message: 'The request body is not valid JSON.' },
  'entity.too.large': { code: 'payload_too_large', status: 413, message: 'The request body is larger than the allowed maximum.' },
  'entity.verify.failed': { code: 'body_invalid', status: 400, message: 'The request body could not be verified.' },
  'request.aborted': { code: 'request_aborted', status: 400, message: 'The request was aborted by the client.' },
  'request.size.invalid': { code: 'body_invalid', status: 400, message: 'The request body size does not match Content-Length.' },
  'encoding.unsupported': { code: 'encoding_unsupported', status: 415, message: 'The request body encoding is not supported.' },
  'charset.unsupported': { code: 'charset_unsupported', status: 415, message: 'The request body charset is not supported.' },
};

/** Maps anything thrown to an AppError; unknown errors become a 500 `internal_error`. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    const known = MULTER_CODES[error.code];
    if (known?.status === 413) return new PayloadTooLargeError(known.message, { cause: error });
    if (known) return new AppError(known.code, known.status, known.message, { cause: error, detail: error.field });
  }
  const candidate = error as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown } | null;
  if (candidate && typeof candidate.type === 'string' && BODY_PARSER_TYPES[candidate.type]) {
    const known = BODY_PARSER_TYPES[candidate.type];
    return new AppError(known.code, known.status, known.message, { cause: error, detail: String(candidate.message) });
  }
  // Other http-errors raised by express itself (e.g. a path that does not URL-decode).
  if (candidate && typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500 && candidate.expose === true) {
    const title = STATUS_CODES[candidate.status] ?? 'Bad Request';
    return new AppError(title.toLowerCase().replace(/[^a-z]+/g, '_'), candidate.status, String(candidate.message), { cause: error });
  }
  return new AppError('internal_error', 500, 'An internal error occurred.', { cause: error });
}

export function problemFor(error: AppError, req: Request): Problem {
  // Server errors keep their code and detail in the log only.
  const code = error.expose ? error.code : 'internal_error';
  const detail = error.expose ? error.message : 'An internal error occurred. Quote the request id when reporting it.';
  return {
    ...(error.expose ? error.extensions : undefined),
    type: `${PROBLEM_BASE}${code}`,
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail,
    code,
    instance: maskUrl(req.originalUrl.split('?')[0] ?? '/'),
    requestId: req.id,
  };
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** The last route: nothing matched. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No resource at ${req.method} ${maskUrl(req.path)}.`));
};

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    // Too late for a problem body; let express close the connection.
    req.log.error({ err: error }, 'error after the response started');
    next(error);
    return;
  }
  const appError = toAppError(error);
  const logFields = { code: appError.code, status: appError.status, detail: appError.detail };
  if (appError.status >= 500) req.log.error({ ...logFields, err: error }, appError.message);
  else req.log.info(logFields, appError.message);
  sendProblem(res, problemFor(appError, req));
};
