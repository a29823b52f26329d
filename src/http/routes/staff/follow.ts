/**
 * Staff follow-up (issue 5), mounted under `/app`: the dashboard (`GET /app`), the envelope page
 * (`GET /app/envelopes/:id`) and its actions — remind, cancel (with a confirmation page and a
 * reason), correct a recipient's e-mail, retry a failed mail — and its downloads (documents,
 * audit report, evidence bundle). Session auth on every route, CSRF on every form; every action
 * is an audit event with actor kind `user`. Another organisation's envelope is a 404 page,
 * exactly like an unknown one.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { AppError, ValidationError } from '../../../errors.ts';
import { REPORT_LANGUAGES, type ReportLanguage } from '../../../audit/index.ts';
import { envelopeAuditTrail, envelopeIsOwn, isEnvelopeIdForm } from '../../../workflow/staff-follow-reads.ts';
import { meetingsByIds } from '../../../workflow/meetings-by-ids.ts';
import type { SafeHtml } from '../../../web/html.ts';
import type { Language } from '../../../web/i18n/index.ts';
import {
  cancelBody,
  dashboardBody,
  envelopeBody,
  envelopePath,
  followErrorBody,
  NO_FILTERS,
  NOTICES,
  type DashboardFilters,
  type Notice,
} from '../../../web/staff/follow-pages.ts';
import { staffLayout } from '../../../web/staff/layout.ts';
import { resendRefusal } from '../../../web/staff/resend-form.ts';
import {
  cancelEnvelope,
  correctRecipientEmail,
  downloadDocument,
  getAuditReport,
  getEnvelope,
  getEvidenceBundle,
  listEnvelopeMails,
  remindEnvelope,
  resendEnvelope,
  retryEnvelopeMail,
  searchEnvelopes,
  listEnvelopeBodies,
  type DashboardPage,
  type StaffRequest,
} from '../../../workflow/index.ts';
import { attachmentDisposition } from '../../content-disposition.ts';
import { staffCsrfToken, verifyStaffCsrf } from '../../staff/csrf.ts';
import { requireStaff, staffLanguageOf, staffOf } from '../../staff/session.ts';
import { sendBlob, sendStream } from '../../send-blob.ts';
import { correctedDocuments, correctedDocumentsUpload } from '../../corrected-documents.ts';

/** The page language the staff router chose (`?lang=`, the `paraaf_lang` cookie, or Dutch). */
function languageOf(_req: Request, res: Response): Language {
  return staffLanguageOf(res);
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

function queryText(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

function formText(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function staffRequest(req: Request, res: Response): StaffRequest {
  const staff = staffOf(res);
  return {
    organisationId: staff.organisationId,
    actor: { kind: 'user', id: staff.userId, label: staff.name || staff.email },
    origin: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
  };
}

function notFound(): AppError {
  return new AppError('envelope_not_found', 404, 'There is no such envelope.');
}

/** The envelope id of the route when it is one of the staff member's organisation; else 404. */
async function ownEnvelopeId(deps: Deps, req: Request, res: Response): Promise<string> {
  const envelopeId = param(req, 'id');
  if (!(await envelopeIsOwn(deps, staffOf(res).organisationId, envelopeId))) throw notFound();
  return envelopeId;
}

function reportLanguage(req: Request): ReportLanguage {
  const value = req.query.lang;
  return typeof value === 'string' && (REPORT_LANGUAGES as readonly string[]).includes(value) ? (value as ReportLanguage) : 'nl';
}

export function staffFollowRouter(deps: Deps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  const auth = requireStaff(deps);
  const csrf = verifyStaffCsrf(deps);

  function page(req: Request, res: Response, status: number, content: { title: string; body: SafeHtml }): void {
    const html = staffLayout({ lang: languageOf(req, res), staff: staffOf(res), title: content.title, active: 'dashboard', body: content.body.value, csrf: staffCsrfToken(deps, res) });
    res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
  }

  async function renderEnvelope(req: Request, res: Response, envelopeId: string, status = 200, extra: { notice?: Notice; error?: string; errorRecipientId?: string } = {}): Promise<void> {
    const { organisationId } = staffOf(res);
    const [envelope, events, mails] = await Promise.all([
      getEnvelope(deps.workflow, { organisationId, envelopeId }),
      envelopeAuditTrail(deps, organisationId, envelopeId),
      listEnvelopeMails(deps.workflow, { organisationId, envelopeId }),
    ]);
    page(req, res, status, envelopeBody({ language: languageOf(req, res), csrf: staffCsrfToken(deps, res), envelope, events, mails, ...extra }));
  }

  const backTo = (res: Response, envelopeId: string, notice: Notice) => res.redirect(303, `${envelopePath(envelopeId)}?notice=${notice}`);

  router.get('/', auth, async (req, res) => {
    const { organisationId } = staffOf(res);
    const filters: DashboardFilters = { q: queryText(req, 'q'), status: queryText(req, 'status'), signer: queryText(req, 'signer'), body: queryText(req, 'body'), from: queryText(req, 'from'), to: queryText(req, 'to'), meeting: queryText(req, 'meeting') };
    const cursor = queryText(req, 'cursor') || undefined;
    let result: DashboardPage;
    let error: string | undefined;
    let status = 200;
    try {
      result = await searchEnvelopes(deps.workflow, {
        organisationId,
        statuses: filters.status ? [filters.status] : [],
        title: filters.q,
        signer: filters.signer,
        body: filters.body,
        from: filters.from || undefined,
        to: filters.to || undefined,
        meeting: filters.meeting || undefined,
        cursor,
      });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      error = e.message;
      status = 400;
      result = await searchEnvelopes(deps.workflow, { organisationId });
      Object.assign(filters, NO_FILTERS);
    }
    const bodies = await listEnvelopeBodies(deps.workflow, organisationId);
    // After "Versturen" (send.ts redirects to /app?sent=N): say how many went, once.
    const sent = /^\d{1,4}$/.test(queryText(req, 'sent')) ? Number(queryText(req, 'sent')) : 0;
    // Each row names its meeting and agenda item (issue 12).
    const meetings = await meetingsByIds(deps.workflow, organisationId, [...result.items.map((i) => i.envelope.meetingId), filters.meeting || null]);
    page(req, res, status, dashboardBody({ language: languageOf(req, res), filters, page: result, error, cursor, bodies, sent, meetings }));
  });

  router.get('/envelopes/:id', auth, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const notice = queryText(req, 'notice');
    await renderEnvelope(req, res, envelopeId, 200, { notice: (NOTICES as readonly string[]).includes(notice) ? (notice as Notice) : undefined });
  });

  router.post('/envelopes/:id/remind', auth, form, csrf, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    await remindEnvelope(deps.workflow, { ...staffRequest(req, res), envelopeId });
    backTo(res, envelopeId, 'reminded');
  });

  router.get('/envelopes/:id/cancel', auth, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const envelope = await getEnvelope(deps.workflow, { organisationId: staffOf(res).organisationId, envelopeId });
    page(req, res, 200, cancelBody({ language: languageOf(req, res), csrf: staffCsrfToken(deps, res), envelope }));
  });

  router.post('/envelopes/:id/cancel', auth, form, csrf, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const reason = formText(req, 'reason').trim();
    if (!reason || reason.length > 2000) {
      const envelope = await getEnvelope(deps.workflow, { organisationId: staffOf(res).organisationId, envelopeId });
      page(req, res, 422, cancelBody({ language: languageOf(req, res), csrf: staffCsrfToken(deps, res), envelope, error: reason ? 'max. 2000' : 'reden / reason / motif' }));
      return;
    }
    await cancelEnvelope(deps.workflow, { ...staffRequest(req, res), envelopeId, reason });
    backTo(res, envelopeId, 'cancelled');
  });

  router.post('/envelopes/:id/recipients/:recipientId/email', auth, form, csrf, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const recipientId = param(req, 'recipientId');
    if (!isEnvelopeIdForm(recipientId)) throw new AppError('recipient_not_found', 404, 'This envelope has no such recipient.');
    try {
      const { mailed } = await correctRecipientEmail(deps.workflow, { ...staffRequest(req, res), envelopeId, recipientId, email: formText(req, 'email') });
      backTo(res, envelopeId, mailed ? 'correctedMailed' : 'corrected');
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderEnvelope(req, res, envelopeId, 422, { error: e.message, errorRecipientId: recipientId });
    }
  });

  // Multipart with a corrected PDF per document (`document-<id>`, issue 12), or a plain form when only the name or address changes.
  const resendUpload = correctedDocumentsUpload(deps, form);
  router.post('/envelopes/:id/resend', auth, resendUpload, csrf, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    try {
      const documents = await correctedDocuments(req, (field) => /^document-([0-9a-f-]{36})$/.exec(field)?.[1]);
      await resendEnvelope(deps.workflow, { ...staffRequest(req, res), envelopeId, name: formText(req, 'name'), email: formText(req, 'email'), documents });
      backTo(res, envelopeId, 'resent');
    } catch (e) {
      // A refused file (not a PDF, encrypted, hostile) or a placement on a page it no longer has: said on the page, nothing changed.
      if (!(e instanceof AppError) || (e.status !== 400 && e.status !== 422)) throw e;
      await renderEnvelope(req, res, envelopeId, 422, { error: resendRefusal(languageOf(req, res), e) });
    }
  });

  router.post('/envelopes/:id/mails/:outboxId/retry', auth, form, csrf, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    await retryEnvelopeMail(deps.workflow, { ...staffRequest(req, res), envelopeId, outboxId: param(req, 'outboxId') });
    backTo(res, envelopeId, 'retried');
  });

  const download = (variant: 'current' | 'original') => async (req: Request, res: Response) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const document = await downloadDocument(deps.workflow, { ...staffRequest(req, res), envelopeId, documentId: param(req, 'docId'), variant });
    const base = document.name.replace(/\.pdf$/i, '');
    res
      .set('Cache-Control', 'private, no-store')
      .set('Content-Disposition', attachmentDisposition(variant === 'current' ? `${base}.pdf` : `${base} (original).pdf`))
      .type('application/pdf');
    await sendBlob(req, res, document.pdf, document.size);
  };
  router.get('/envelopes/:id/documents/:docId', auth, download('current'));
  router.get('/envelopes/:id/documents/:docId/original', auth, download('original'));

  router.get('/envelopes/:id/audit-report', auth, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const pdf = await getAuditReport(deps.workflow, { ...staffRequest(req, res), envelopeId, language: reportLanguage(req) });
    res.set('Cache-Control', 'private, no-store').attachment('audit-report.pdf').type('application/pdf').send(pdf);
  });

  router.get('/envelopes/:id/bundle', auth, async (req, res) => {
    const envelopeId = await ownEnvelopeId(deps, req, res);
    const zip = await getEvidenceBundle(deps.workflow, { ...staffRequest(req, res), envelopeId, language: reportLanguage(req) });
    res.set('Cache-Control', 'private, no-store').attachment(`envelope-${envelopeId}.zip`).type('application/zip');
    await sendStream(res, zip);
  });

  // Errors of these pages as pages: 404 (unknown or another organisation's) and 409 (not in this state).
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof AppError) || res.headersSent || (error.status !== 404 && error.status !== 409)) {
      next(error);
      return;
    }
    let staffKnown = true;
    try {
      staffOf(res);
    } catch {
      staffKnown = false;
    }
    if (!staffKnown) {
      next(error);
      return;
    }
    const id = param(req, 'id');
    const back = error.status === 409 && isEnvelopeIdForm(id) ? envelopePath(id) : undefined;
    page(req, res, error.status, followErrorBody(languageOf(req, res), error.status === 404 ? 'notFound' : 'conflict', back));
  });

  return router;
}
