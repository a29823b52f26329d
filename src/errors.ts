/**
 * The AppError tree: every failure we expect has a stable `code`, an HTTP status,
 * a public message that is safe to show, and a private detail for the log only.
 * Modelled on jose's static codes and node-oidc-provider's `expose = status < 500`.
 */
export interface AppErrorOptions {
  /** Detail for the log; never sent to clients. */
  detail?: string;
  cause?: unknown;
  /** Extra public members for the problem+json body (RFC 9457 §3.2). */
  extensions?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly detail?: string;
  readonly extensions?: Record<string, unknown>;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.detail = options.detail;
    this.extensions = options.extensions;
  }

  /** Client errors carry their message to the caller; server errors only a generic one. */
  get expose(): boolean {
    return this.status < 500;
  }
}

/** The input is not a PDF we can read: empty, not a PDF, truncated or unparseable. */
export class PdfInvalidError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('pdf_invalid', 422, message, options);
  }
}

export class PdfEncryptedError extends AppError {
  constructor(message = 'The PDF is encrypted; upload a copy without a password or restrictions.', options?: AppErrorOptions) {
    super('pdf_encrypted', 422, message, options);
  }
}

/** A certification signature (DocMDP P=1) forbids any change, signatures included. */
export class PdfLockedError extends AppError {
  constructor(message = 'The PDF is certified with no changes allowed, so it cannot be signed again.', options?: AppErrorOptions) {
    super('pdf_locked', 422, message, options);
  }
}

/** A structure exceeds the bounds we accept (inflation size, nesting, object count). */
export class PdfTooComplexError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('pdf_too_complex', 422, message, options);
  }
}

export class SignatureError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(code, 500, message, options);
  }
}

/**
 * No TSA gave a valid RFC 3161 token in time (TimeStamper, src/keys/types.ts). The signature is not
 * made without trusted time, so nothing is stored; the caller may simply try again later.
 */
export class TimestampError extends AppError {
  constructor(
    message = 'The time-stamping service is not available right now, so the document was not signed. Please try again in a few minutes.',
    options?: AppErrorOptions,
  ) {
    super('timestamp_unavailable', 503, message, options);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('invalid_request', 400, message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.', options?: AppErrorOptions) {
    super('not_found', 404, message, options);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid credentials.', options?: AppErrorOptions) {
    super('unauthorized', 401, message, options);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, options?: AppErrorOptions) {
    super(code, 409, message, options);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('payload_too_large', 413, message, options);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
