/**
 * `POST /api/v1/verify` (DESIGN §5, Validation): one PDF in the multipart field `file`,
 * optionally `at` (form field or query parameter: judge as of that moment), the validation report out. The upload streams to a temporary file under a size limit
 * (DESIGN §8) and the file is removed whatever happens.
 *
 * Public, so bounded per caller (issue 10): a token bucket per client IP (`VERIFY_RATE_LIMIT`), checked
 * before the upload is read, and at most `PER_CLIENT_IN_FLIGHT` files per IP uploading or being verified
 * at once; verification itself runs in the worker pool (pades/verify-pool.ts), which the temporary
 * file is handed to, so a file waiting for a worker is on disk, not in memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Deps } from '../../deps.ts';
import { receiveUpload, temporaryPdfStorage } from '../upload.ts';
import { createTokenBuckets, rateLimit } from '../rate-limit.ts';
import { AppError } from '../../errors.ts';

/** `workflow.revocation`: our own CAs answer live, so a certificate revoked after signing shows as revoked. */
export type VerifyDeps = Pick<Deps, 'config' | 'metrics' | 'verifyPdf' | 'trustAnchors' | 'clock' | 'rateLimits'> & Partial<Pick<Deps, 'verifyPdfFile' | 'trustList'>> & { workflow?: Pick<Deps['workflow'], 'revocation'> };

/** Files one client IP may have uploading or under verification at the same time. */
export const PER_CLIENT_IN_FLIGHT = 2;

/** The rate limit and the per-IP cap, as middleware to put before `verifyHandler` (two: the rate limit answers asynchronously). */
export function verifyLimits(deps: Pick<Deps, 'config' | 'clock' | 'rateLimits'>): RequestHandler[] {
  const buckets = createTokenBuckets({ name: 'verify', perMinute: deps.config.verify.rateLimitPerMinute, clock: deps.clock, store: deps.rateLimits });
  const limited = rateLimit(buckets, (_req, _res, seconds) => {
    throw new AppError('rate_limited', 429, 'Too many verifications from your address; try again shortly.', { extensions: { retryAfter: seconds } });
  });
  const inFlight = new Map<string, number>();
  const oneAtATime: RequestHandler = (req, res, next) => {
    const key = req.ip ?? 'unknown';
    const count = inFlight.get(key) ?? 0;
    if (count >= PER_CLIENT_IN_FLIGHT) {
      res.set('Retry-After', '5');
      throw new AppError('verify_in_progress', 429, `At most ${PER_CLIENT_IN_FLIGHT} files from one address are verified at a time; wait for one to finish.`);
    }
    inFlight.set(key, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (inFlight.get(key) ?? 1) - 1;
      if (left > 0) inFlight.set(key, left);
      else inFlight.delete(key);
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
  return [limited, oneAtATime];
}

function uploadMiddleware(tmpDir: string, maxBytes: number) {
  const storage = temporaryPdfStorage(tmpDir, 'verify');
  return multer({ storage, limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 12 } }).single('file');
}


export function verifyHandler(deps: VerifyDeps) {
  const upload = uploadMiddleware(path.join(deps.config.dataDir, 'tmp'), deps.config.maxUploadBytes);

  return async (req: Request, res: Response): Promise<void> => {
    if (!req.is('multipart/form-data')) {
      throw new AppError('unsupported_media_type', 415, 'Send the PDF as multipart/form-data in the field "file".');
    }
    let report;
    try {
      await receiveUpload(upload, req, res);
      if (!req.file) throw new AppError('file_missing', 400, 'No file was uploaded in the field "file".');
      const at = validationTime(req.body?.at ?? req.query.at);
      const revocation = deps.workflow?.revocation;
      // The trusted lists (TRUST_LIST_FILES): their qualified CAs are trusted too, and each signer is classified by them.
      const options = { trustAnchors: deps.trustAnchors, ...(at ? { at } : {}), ...(revocation ? { revocation } : {}), ...(deps.trustList ? { trustList: deps.trustList } : {}) };
      // The worker pool reads the file itself; an injected verifier (tests) gets the bytes.
      report = deps.verifyPdfFile ? await deps.verifyPdfFile(req.file.path, options) : await deps.verifyPdf(await fs.readFile(req.file.path), options);
    } catch (error) {
      const retryAfter = (error as AppError).code === 'verify_busy' ? (error as AppError).extensions?.retryAfter : undefined;
      if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
      throw error;
    } finally {
      // Gone before we answer, whatever happened.
      if (req.file) await fs.rm(req.file.path, { force: true });
    }
    for (const signature of report.signatures) {
      deps.metrics.signaturesVerifiedTotal.inc({ result: signature.valid ? 'valid' : 'invalid' });
    }
    res.set('Cache-Control', 'no-store').json(report);
  };
}

/** `at` as an ISO 8601 date-time (a bare date means midnight UTC); absent → now. */
function validationTime(value: unknown): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const at = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new AppError('at_invalid', 400, 'The field "at" must be an ISO 8601 date-time, e.g. 2046-12-06T10:00:00Z.');
  return at;
}
