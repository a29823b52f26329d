/**
 * `POST /api/v1/verify` (DESIGN §5, Validation): one PDF in the multipart field `file`,
 * optionally `at` (form field or query parameter: judge as of that moment), the validation report out. The upload streams to a temporary file under a size limit
 * (DESIGN §8) and the file is removed whatever happens.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { Deps } from '../../deps.ts';
import { receiveUpload, temporaryPdfStorage } from '../upload.ts';
import { AppError } from '../../errors.ts';

/** `workflow.revocation`: our own CAs answer live, so a certificate revoked after signing shows as revoked. */
export type VerifyDeps = Pick<Deps, 'config' | 'metrics' | 'verifyPdf' | 'trustAnchors'> & { workflow?: Pick<Deps['workflow'], 'revocation'> };

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
    let pdf: Buffer;
    try {
      await receiveUpload(upload, req, res);
      if (!req.file) throw new AppError('file_missing', 400, 'No file was uploaded in the field "file".');
      pdf = await fs.readFile(req.file.path);
    } finally {
      // Gone before we answer: the bytes are in memory from here on.
      if (req.file) await fs.rm(req.file.path, { force: true });
    }
    const at = validationTime(req.body?.at ?? req.query.at);
    const revocation = deps.workflow?.revocation;
    const report = await deps.verifyPdf(pdf, { trustAnchors: deps.trustAnchors, ...(at ? { at } : {}), ...(revocation ? { revocation } : {}) });
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
