/**
 * Multipart uploads (DESIGN §8): files stream to a temporary directory under a size limit,
 * named by us — never by the client's file name, which is untrusted input.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.ts';

/** Disk storage in `tmpDir` (created on demand) with names `<prefix>-<uuid>.pdf`. */
export function temporaryPdfStorage(tmpDir: string, prefix: string): multer.StorageEngine {
  return multer.diskStorage({
    destination: (_req, _file, done) => {
      fs.mkdir(tmpDir, { recursive: true }).then(() => done(null, tmpDir), (error: Error) => done(error, tmpDir));
    },
    filename: (_req, _file, done) => done(null, `${prefix}-${randomUUID()}.pdf`),
  });
}

/**
 * Runs multer as a promise. Its limit errors are mapped by the error handler; busboy's
 * parse errors ("Unexpected end of form", "Boundary not found") carry no code and are the
 * client's fault; filesystem errors (ENOSPC, EACCES) stay server errors.
 */
export function receiveUpload(upload: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    upload(req, res, (error?: unknown) => {
      if (!error) return resolve();
      if (error instanceof multer.MulterError || (error as NodeJS.ErrnoException).code !== undefined) return reject(error);
      reject(new AppError('upload_malformed', 400, 'The multipart body could not be read.', { cause: error, detail: String((error as Error).message) }));
    });
  });
}
