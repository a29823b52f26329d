/**
 * Multipart uploads (DESIGN §8): files stream to a temporary directory under a size limit,
 * named by us — never by the client's file name, which is untrusted input.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.ts';

/**
 * multer reading part header parameters as UTF-8. Browsers send the file name of a multipart part
 * as raw UTF-8 (WHATWG HTML, multipart/form-data encoding algorithm), as do curl and our clients;
 * busboy's default, Latin-1, turned "één café.pdf" into "Ã©Ã©n cafÃ©.pdf" (issue 10). An explicit
 * `filename*=UTF-8''…` (RFC 7578 §4.2, RFC 5987) is decoded by busboy whatever this default.
 */
export function utf8Multer(options: multer.Options): multer.Multer {
  return multer({ ...options, defParamCharset: 'utf8' });
}

/**
 * The client's file name as we store and show it: its last path segment, in NFC (macOS sends
 * decomposed accents), without control or bidi-override characters, at most 255 characters; `document-<n>.pdf` when
 * nothing is left.
 */
export function uploadedDocumentName(original: string, index: number): string {
  // eslint-disable-next-line no-control-regex
  const base = Array.from(path.basename(original.replace(/\\/g, '/')).normalize('NFC').replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, '').trim()).slice(0, 255).join('').trim();
  return base || `document-${index + 1}.pdf`;
}

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

/** The files multer received: all of them (`.any()`), or those of the form field `field` (`.fields([...])`). */
export function uploadedFiles(req: Request, field = 'documents'): Express.Multer.File[] {
  if (Array.isArray(req.files)) return req.files;
  return (req.files as Record<string, Express.Multer.File[]> | undefined)?.[field] ?? [];
}

/** Deletes the request's temporary upload files. */
export function removeUploads(req: Request): Promise<void> {
  return Promise.all(uploadedFiles(req).map((file) => fs.rm(file.path, { force: true }))).then(() => undefined);
}

/** Deletes the request's temporary upload files once its answer has ended, sent or cut off. */
export function removeUploadsWhenAnswered(req: Request, res: Response): void {
  res.on('close', () => void removeUploads(req));
}
