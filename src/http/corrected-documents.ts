/**
 * Corrected PDFs uploaded to "correct and resend" (issue 12), staff form and API alike: multipart parts named after
 * the document they replace (`document-<id>` on the form, `documents[<id>]` in the API), streamed to temporary files
 * under the upload limit and removed when the answer ends. A request without files goes to `plain` (a form or JSON).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import type { CorrectedDocument } from '../workflow/index.ts';
import { receiveUpload, removeUploadsWhenAnswered, temporaryPdfStorage, uploadedDocumentName, uploadedFiles, utf8Multer } from './upload.ts';

/** More documents than an envelope holds cannot be corrected at once. */
const MAX_CORRECTED = 50;

export function correctedDocumentsUpload(deps: Deps, plain: RequestHandler): RequestHandler {
  const upload = utf8Multer({
    storage: temporaryPdfStorage(path.join(deps.config.dataDir, 'tmp'), 'resend'),
    limits: { fileSize: deps.config.maxUploadBytes, files: MAX_CORRECTED, fields: 20, parts: MAX_CORRECTED + 20, fieldSize: 16 * 1024 },
  }).any();
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.is('multipart/form-data')) {
      plain(req, res, next);
      return;
    }
    removeUploadsWhenAnswered(req, res);
    receiveUpload(upload, req, res).then(() => next(), next);
  };
}

/** The corrected files, each with the document it replaces; a browser's empty file input is no file. */
export async function correctedDocuments(req: Request, documentIdOf: (field: string) => string | undefined): Promise<CorrectedDocument[]> {
  const documents: CorrectedDocument[] = [];
  for (const [index, file] of uploadedFiles(req).entries()) {
    if (file.size === 0 && file.originalname === '') continue;
    const documentId = documentIdOf(file.fieldname);
    if (!documentId) throw new ValidationError(`The file field '${file.fieldname.slice(0, 80)}' names no document; name it after the document it replaces.`);
    documents.push({ documentId, fileName: uploadedDocumentName(file.originalname, index), pdf: await fs.readFile(file.path) });
  }
  return documents;
}
