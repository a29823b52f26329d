/**
 * The result link of a completion mail (issue 12): `/r/<token>` shows the signed PDFs to download,
 * `/r/<token>/documents/<envelopeId>/<docId>` and `/r/<token>/audit-report/<envelopeId>` download them,
 * `/r/<token>/logo` is the organisation's logo. HTML pages in nl/en/fr (`?lang=`, remembered in a cookie);
 * an expired link is a 410 page that says until when it worked and whom to ask. The token is a bearer secret:
 * the request log masks it (logger.ts), and nothing is cached, indexed or referred.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import * as web from '../../web/index.ts';
import { downloadResultAuditReport, downloadResultDocument, openResultLink } from '../../workflow/index.ts';
import { organisationHasLogo } from '../../workflow/signing-link-pages.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { toAppError } from '../problem.ts';
import { createTokenBuckets } from '../rate-limit.ts';
import { linkPageBasics, rateLimitedLinkPages, sendOrganisationLogo } from '../public-pages.ts';
import { trackRouteBase } from '../request-context.ts';
import { sendBlob } from '../send-blob.ts';

export function resultRouter(deps: Deps): Router {
  const secure = deps.config.baseUrl.startsWith('https:');
  const buckets = createTokenBuckets({ name: 'result', perMinute: deps.config.signerRateLimitPerMinute, clock: deps.clock, store: deps.rateLimits });
  const base = (token: string) => `/r/${encodeURIComponent(token)}`;
  const origin = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });
  const pageContext = (req: Request, res: Response): web.PageContext => {
    const language = (res.locals.language as web.Language | undefined) ?? 'nl';
    return { language, t: web.translator(language), languagePath: base(String(req.params.token ?? '')) };
  };
  const send = (res: Response, status: number, page: string) => res.status(status).type('html').send(page);

  const pages = trackRouteBase(Router());
  pages.use(linkPageBasics({ cookiePath: '/r', secure }));
  pages.use(rateLimitedLinkPages(buckets, pageContext));

  pages.get('/:token', async (req, res) => {
    const token = req.params.token;
    const view = await openResultLink(deps.workflow, { token });
    send(
      res,
      200,
      web.resultPage(pageContext(req, res), {
        organisationName: view.organisation.name,
        logoPath: organisationHasLogo(view.organisation) ? `${base(token)}/logo` : null,
        basePath: base(token),
        expiresAt: view.link.expiresAt,
        meeting: view.link.meetingId !== null,
        envelopes: view.envelopes,
      }),
    );
  });

  pages.get('/:token/documents/:envelopeId/:docId', async (req, res) => {
    const document = await downloadResultDocument(deps.workflow, { token: req.params.token, envelopeId: req.params.envelopeId, documentId: req.params.docId, origin: origin(req) });
    res.set('Content-Disposition', attachmentDisposition(document.name.toLowerCase().endsWith('.pdf') ? document.name : `${document.name}.pdf`)).type('application/pdf');
    await sendBlob(req, res, document.pdf, document.size);
  });

  pages.get('/:token/audit-report/:envelopeId', async (req, res) => {
    const language = (res.locals.language as web.Language | undefined) ?? 'nl';
    const pdf = await downloadResultAuditReport(deps.workflow, { token: req.params.token, envelopeId: req.params.envelopeId, language, origin: origin(req) });
    res.set('Content-Disposition', attachmentDisposition('auditrapport.pdf')).type('application/pdf').send(pdf);
  });

  pages.get('/:token/logo', async (req, res) => {
    // The expired page shows the logo too.
    const view = await openResultLink(deps.workflow, { token: req.params.token, allowExpired: true });
    await sendOrganisationLogo(res, view.organisation, deps.blobs);
  });

  pages.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const appError = toAppError(error);
    const fields = { code: appError.code, status: appError.status, detail: appError.detail };
    if (appError.status >= 500) req.log.error({ ...fields, err: error }, appError.message);
    else req.log.info(fields, appError.message);
    const ctx = pageContext(req, res);
    const { t } = ctx;
    if (appError.code === 'result_link_expired') {
      const extensions = (appError.extensions ?? {}) as { organisationName?: string; expiresAt?: string; organisationLogo?: boolean };
      const logoPath = extensions.organisationLogo ? `${base(String(req.params.token ?? ''))}/logo` : null;
      return send(res, 410, web.resultExpiredPage(ctx, { organisationName: extensions.organisationName ?? null, logoPath, expiresAt: extensions.expiresAt ?? null }));
    }
    if (appError.status === 404) return send(res, 404, web.messagePage(ctx, { title: t('notFound.title'), paragraphs: [t('notFound.body')] }));
    return send(res, appError.status, web.messagePage(ctx, { title: t('error.title'), paragraphs: [t('error.body', { requestId: req.id })] }));
  });

  const router = Router();
  router.use('/r', pages);
  return router;
}
