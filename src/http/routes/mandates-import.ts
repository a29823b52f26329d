/**
 * `POST /api/v1/mandates/import` (issue 12): the body is a CSV export of the Flemish mandate database (`text/csv`),
 * `?dryRun=true` reports without storing. Answers the import report (200), or 422 `csv_invalid` /
 * `csv_other_organisation` as problem+json with `problems: [{ line, message }]`; rows that cannot be imported are in
 * the report's `problems` and the others are imported (src/workflow/import-mandates.ts).
 */
import express, { Router } from 'express';
import type { Deps } from '../../deps.ts';
import { AppError, ValidationError } from '../../errors.ts';
import { importMandates } from '../../workflow/import-mandates.ts';
import { respondIdempotently } from '../idempotency.ts';
import { staffRequest } from './envelopes.ts';

/** The public export of all of Flanders is some 4 MB. */
const CSV_BODY_LIMIT = '16mb';
const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];

function dryRunOf(value: unknown): boolean {
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ValidationError("dryRun is 'true' or 'false'.");
}

export function mandatesImportRouter(deps: Deps): Router {
  const router = Router();
  router.post('/mandates/import', express.text({ type: CSV_TYPES, limit: CSV_BODY_LIMIT }), async (req, res) => {
    const request = staffRequest(req, res);
    if (typeof req.body !== 'string') {
      throw new AppError('unsupported_media_type', 415, 'Send the CSV export as the request body with Content-Type: text/csv.');
    }
    const csv: string = req.body;
    const dryRun = dryRunOf(req.query.dryRun);
    await respondIdempotently(deps, req, res, { organisationId: request.organisationId, fingerprint: { csv, dryRun } }, async () => ({
      status: 200,
      body: await importMandates(deps.workflow, { ...request, csv, dryRun }),
    }));
  });
  return router;
}
