/**
 * An envelope's audit trail as JSON or CSV, its sealed audit report and its evidence bundle
 * (DESIGN §6). Scoped like every envelope route: another organisation's envelope is 404. Each
 * download is recorded as `audit.exported` with the API key as actor (issue 10).
 */
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.ts';
import { auditEventsCsv, REPORT_LANGUAGES, type ReportLanguage } from '../../audit/index.ts';
import { ValidationError } from '../../errors.ts';
import { exportAuditTrail, getAuditReport, getEvidenceBundle } from '../../workflow/index.ts';
import { sendStream } from '../send-blob.ts';
import { paramOf, staffRequest } from './envelopes.ts';

function choice<T extends string>(req: Request, name: string, allowed: readonly T[], fallback: T): T {
  const value = req.query[name];
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ValidationError(`${name} must be one of ${allowed.join(', ')}.`);
}

function languageOf(req: Request): ReportLanguage {
  return choice(req, 'lang', REPORT_LANGUAGES, 'nl');
}

function sendFile(res: Response, body: Buffer | string, type: string, filename: string): void {
  res.set('Cache-Control', 'private, no-store').attachment(filename).type(type).send(body);
}

export function envelopeAuditRouter(deps: Deps): Router {
  const router = Router();

  router.get('/envelopes/:id/audit', async (req, res) => {
    const envelopeId = paramOf(req, 'id');
    const format = choice(req, 'format', ['json', 'csv'], 'json');
    const events = await exportAuditTrail(deps.workflow, { ...staffRequest(req, res), envelopeId, format });
    if (format === 'csv') {
      sendFile(res, auditEventsCsv(events), 'text/csv; charset=utf-8; header=present', `audit-${envelopeId}.csv`);
      return;
    }
    res.set('Cache-Control', 'no-store').json({
      envelopeId,
      events: events.map((e) => ({
        seq: e.seq,
        occurredAt: e.occurredAt,
        action: e.action,
        actor: { kind: e.actorKind, id: e.actorId, label: e.actorLabel },
        ip: e.ip,
        userAgent: e.userAgent,
        details: e.details,
        documentSha256: e.documentSha256,
        prevHash: e.prevHash,
        hash: e.hash,
      })),
    });
  });

  router.get('/envelopes/:id/audit-report', async (req, res) => {
    const language = languageOf(req);
    const pdf = await getAuditReport(deps.workflow, { ...staffRequest(req, res), envelopeId: paramOf(req, 'id'), language });
    sendFile(res, pdf, 'application/pdf', 'audit-report.pdf');
  });

  router.get('/envelopes/:id/bundle', async (req, res) => {
    const envelopeId = paramOf(req, 'id');
    // Streamed (the PDFs are never whole in memory); getEvidenceBundle has opened every blob, so a missing one is still a problem.
    const zip = await getEvidenceBundle(deps.workflow, { ...staffRequest(req, res), envelopeId, language: languageOf(req) });
    res.set('Cache-Control', 'private, no-store').attachment(`envelope-${envelopeId}.zip`).type('application/zip');
    await sendStream(res, zip);
  });

  return router;
}
