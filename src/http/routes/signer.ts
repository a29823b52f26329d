/**
 * The signer's link pages (DESIGN §7 "Signer pages"): `/s/<token>` shows the envelope, its
 * documents and the sign/approve and decline forms; the forms post back with a CSRF token; the
 * result is a page, never JSON. Every answer is HTML with the status that fits (404 unknown
 * link, 410 link that no longer works, 409, 403 bad form, 429 too fast) and is neither cached,
 * indexed nor referred. The token is a bearer secret: the request log masks it (maskUrl).
 *
 * After signing, the link keeps opening only while the envelope is open (the workflow does not
 * revoke it, but a completed envelope answers 410). The result page and its downloads are
 * therefore carried by a receipt cookie (src/http/csrf.ts), valid RECEIPT_MINUTES after signing;
 * a batch's summary downloads by a batch receipt (signer-batch.ts) in the same way.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { lookUpSigningLink, organisationHasLogo, organisationOfLink, pageOrganisation, type SigningLinkLookup } from '../../workflow/signing-link-pages.ts';
import * as web from '../../web/index.ts';
import {
  approveEnvelope,
  CODE_VALID_MINUTES,
  completeQualifiedSignature,
  declineEnvelope,
  documentReads,
  getBatchEnvelope,
  getEnvelope,
  isCodeProblem,
  listWaitingEnvelopes,
  liveSigningCode,
  MAX_BATCH,
  MAX_REASON_LENGTH,
  openSigningLink,
  presentSigningCertificate,
  QUALIFIED_SESSION_MINUTES,
  recordDocumentRead,
  remoteSigningCallback,
  remoteSigningRefused,
  sendSigningCode,
  resolveSigningLink,
  signBatch,
  signThroughLink,
  startRemoteSigning,
  type EnvelopeDto,
  type SignatureOutcome,
} from '../../workflow/index.ts';
import { csrfToken, issueReceipt, readReceipt, verifyCsrfToken, type ReceiptKind } from '../csrf.ts';
import { toAppError } from '../problem.ts';
import { createTokenBuckets, takeRequestToken } from '../rate-limit.ts';
import { cookieHeader, LANGUAGE_COOKIE, limitedLinkPage, linkPageBasics, parseCookies, rateLimitedLinkPages, sendOrganisationLogo, YEAR_SECONDS } from '../public-pages.ts';
import { trackRouteBase } from '../request-context.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { sendBlob } from '../send-blob.ts';
import { registerBatchRoutes, type SignerPageTools } from './signer-batch.ts';
import { providersFor, registerQualifiedRoutes } from './signer-qualified.ts';

const RECEIPT_COOKIE = 'paraaf_receipt';
const BATCH_RECEIPT_COOKIE = 'paraaf_batch_receipt';
/** The link a remote signing started from, for the provider's callback (signer-qualified.ts); only sent to /s/csc. */
const REMOTE_LINK_COOKIE = 'paraaf_csc_link';
const REMOTE_LINK_PATH = '/s/csc';
const RECEIPT_MINUTES = 30;

/** The link token: a route parameter, or (in middleware, which has no route params) the first path segment below /s. */
function tokenOf(req: Request): string {
  if (typeof req.params.token === 'string') return req.params.token;
  const segment = /^\/([^/]+)/.exec(req.path)?.[1];
  try {
    return segment ? decodeURIComponent(segment) : '';
  } catch {
    return '';
  }
}

const basePathOf = (token: string) => `/s/${encodeURIComponent(token)}`;

type LinkLookup = SigningLinkLookup | null;

function csrfFailed(): AppError {
  return new AppError('csrf_invalid', 403, 'The form token is missing or wrong.');
}

export function signerRouter(deps: Deps): Router {
  const secret = deps.config.signerSecret ? Buffer.from(deps.config.signerSecret, 'utf8') : randomBytes(32);
  if (!deps.config.signerSecret && deps.config.nodeEnv === 'production') {
    deps.logger.warn('SIGNER_SECRET is not set: signer forms opened before a restart or on another instance will answer 403');
  }
  const secure = deps.config.baseUrl.startsWith('https:');
  const stylesheet = readFileSync(web.STYLESHEET_FILE);
  const buckets = createTokenBuckets({ name: 'signer', perMinute: deps.config.signerRateLimitPerMinute, clock: deps.clock, store: deps.rateLimits });

  const cookie = (name: string, value: string, path: string, maxAgeSeconds: number) => cookieHeader(name, value, { path, maxAgeSeconds, secure });

  /** `?lang=` (remembered in a cookie), then the cookie, then the recipient's own language, then Dutch. */
  const pageContext = (req: Request, res: Response, recipientLanguage?: string | null): web.PageContext => {
    const chosen = res.locals.language as web.Language | undefined;
    const language = chosen ?? (recipientLanguage ? web.resolveLanguage(recipientLanguage) : 'nl');
    const token = tokenOf(req);
    return { language, t: web.translator(language), languagePath: token ? basePathOf(token) : req.baseUrl + req.path };
  };
  const send = (res: Response, status: number, page: string) => res.status(status).type('html').send(page);
  const origin = (req: Request) => ({ ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });

  /** Read-only: what a token names, to choose the action and to explain a link that no longer works. */
  const lookupLink = (token: string): Promise<LinkLookup> => lookUpSigningLink(deps.workflow, token);

  const viewOf = async (token: string, envelope: EnvelopeDto, recipientId: string): Promise<web.LinkPageView> => {
    const organisation = await pageOrganisation(deps.workflow, envelope.organisationId);
    return { organisationName: organisation?.name ?? '', organisationLogo: organisationHasLogo(organisation), envelope, recipientId, basePath: basePathOf(token) };
  };
  /** Opens the link (audit `link.opened` the first time); 404/410 when it does not work. */
  const openView = async (req: Request, token: string) => {
    const opened = await openSigningLink(deps.workflow, { token, origin: origin(req) });
    return viewOf(token, opened.envelope, opened.recipientId);
  };
  /** The envelope named by a valid receipt of `kind` for this link, or null. */
  const receiptView = async (req: Request, token: string, kind: ReceiptKind) => {
    const receipt = readReceipt(secret, token, kind, parseCookies(req.get('cookie'))[RECEIPT_COOKIE], deps.clock());
    if (!receipt) return null;
    const envelope = await getEnvelope(deps.workflow, { organisationId: receipt.organisationId, envelopeId: receipt.envelopeId });
    return viewOf(token, envelope, receipt.recipientId);
  };
  const recipientLanguage = (view: web.LinkPageView) => view.envelope.recipients.find((r) => r.id === view.recipientId)?.language;
  const forms = (token: string) => ({ sign: csrfToken(secret, token, 'sign'), decline: csrfToken(secret, token, 'decline') });
  /** The second-factor part of a sign form: the "send me a code" form and whether a code is live. */
  const codeState = async (token: string, recipientId: string, email: string, purpose: 'link' | 'batch', error?: string): Promise<web.CodeState> => ({
    csrf: csrfToken(secret, token, purpose === 'link' ? 'code' : 'batchCode'),
    action: `${basePathOf(token)}${purpose === 'link' ? '' : '/batch'}/code`,
    email,
    validMinutes: CODE_VALID_MINUTES,
    live: await liveSigningCode(deps.db, recipientId, deps.clock()),
    error,
  });
  const renderLink = async (req: Request, res: Response, status: number, view: web.LinkPageView, state: Omit<web.LinkFormState, 'csrf' | 'code'> & { codeError?: string } = {}) => {
    const token = tokenOf(req);
    const recipient = view.envelope.recipients.find((r) => r.id === view.recipientId);
    const signs = recipient?.role === 'signer';
    const code = signs && view.envelope.requireCode ? await codeState(token, view.recipientId, recipient.email, 'link', state.codeError) : undefined;
    const batchOffered = signs ? (await listWaitingEnvelopes(deps.workflow, { token })).waiting.some((w) => w.envelope.id !== view.envelope.id) : false;
    // A step at the qualified level (issue 13) shows the eID button and the remote services instead of the sign form.
    const organisation = signs && recipient.signatureLevel === 'qualified' ? await pageOrganisation(deps.workflow, view.envelope.organisationId) : null;
    const qualified = organisation ? { csrf: forms(token).sign, providers: providersFor(deps.config.cscProviders, organisation.slug), code } : undefined;
    const readDocumentIds = signs ? (await documentReads(deps.workflow, view.envelope.organisationId, [view.recipientId])).get(view.recipientId) : undefined;
    send(res, status, web.linkPage(pageContext(req, res, recipientLanguage(view)), view, { ...state, code, batchOffered, qualified, readDocumentIds, csrf: forms(token) }));
  };
  /** The page's words for a refused code (issue 4). */
  const codeMessage = (t: web.Translate, error: AppError) => {
    const remaining = (error.extensions as { remainingAttempts?: number } | undefined)?.remainingAttempts;
    return t(`code.${error.code as 'code_invalid'}`, remaining === undefined ? {} : { remaining });
  };
  const giveReceipt = (res: Response, token: string, kind: ReceiptKind, envelope: Pick<EnvelopeDto, 'organisationId' | 'id'> | SignatureOutcome, recipientId: string) => {
    const expiresAt = Math.floor(deps.clock().getTime() / 1000) + RECEIPT_MINUTES * 60;
    const envelopeId = 'envelopeId' in envelope ? envelope.envelopeId : envelope.id;
    const value = issueReceipt(secret, token, { kind, organisationId: envelope.organisationId, envelopeId, recipientId, expiresAt });
    res.append('Set-Cookie', cookie(RECEIPT_COOKIE, value, basePathOf(token), RECEIPT_MINUTES * 60));
  };
  const hasActed = (view: web.LinkPageView) => ['signed', 'approved'].includes(view.envelope.recipients.find((r) => r.id === view.recipientId)?.status ?? '');

  const router = Router();
  router.get(web.STYLESHEET_PATH, (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(stylesheet);
  });

  const pages = trackRouteBase(Router());
  pages.use(linkPageBasics({ cookiePath: '/s', secure }));
  const signPath = /^\/[^/]+\/sign$/;
  // The sign request takes its token itself, at the same time as it reads its link (below).
  pages.use(rateLimitedLinkPages(buckets, pageContext, { takesOwnToken: (req) => req.method === 'POST' && signPath.test(req.path) }));
  const formParser = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });
  // The batch form carries one `envelope` field per ticked envelope.
  const batchFormParser = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: MAX_BATCH + 10 });
  pages.use((req, res, next) => (/\/batch\/sign$/.test(req.path) ? batchFormParser : formParser)(req, res, next));

  pages.get('/:token', async (req, res) => {
    const view = await openView(req, tokenOf(req));
    if (hasActed(view)) send(res, 200, web.donePage(pageContext(req, res, recipientLanguage(view)), view));
    else await renderLink(req, res, 200, view);
  });

  // The organisation's logo for the page header (issue 5): only the logo of the organisation the
  // link belongs to, so a signer learns nothing of others. Cached privately, keyed by its hash.
  pages.get('/:token/logo', async (req, res) => {
    const token = tokenOf(req);
    const organisation = await organisationOfLink(deps.workflow, token);
    await sendOrganisationLogo(res, organisation, deps.blobs, { etag: true });
  });

  pages.get('/:token/documents/:docId', async (req, res) => {
    const token = tokenOf(req);
    const receipt = await receiptView(req, token, 'signed');
    const view = receipt ?? (await openView(req, token));
    const document = view.envelope.documents.find((d) => d.id === req.params.docId);
    if (!document) throw new AppError('document_not_found', 404, 'This envelope has no such document.');
    if (!document.currentRevision) throw new Error(`document ${document.id} has no revision`);
    // Reading before signing (issue 12): a download counts as reading; the viewer's own fetch (`?view`) does not.
    if (!receipt && req.query.view === undefined) await recordDocumentRead(deps.workflow, { token, documentId: document.id, how: 'downloaded', origin: origin(req) });
    const pdf = await deps.blobs.open(document.currentRevision.sha256);
    res.set('Content-Disposition', attachmentDisposition(document.name.toLowerCase().endsWith('.pdf') ? document.name : `${document.name}.pdf`)).type('application/pdf');
    await sendBlob(req, res, pdf, document.currentRevision.size);
  });

  /** The viewer's script, once it has shown a document's last page (issue 12): `document.opened`, how 'viewed'. */
  pages.post('/:token/documents/:docId/read', async (req, res) => {
    const token = tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(secret, token, 'sign', body._csrf)) throw csrfFailed();
    const { recorded } = await recordDocumentRead(deps.workflow, { token, documentId: String(req.params.docId), how: 'viewed', origin: origin(req) });
    res.json({ read: true, recorded });
  });

  pages.post('/:token/sign', async (req, res) => {
    const token = tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(secret, token, 'sign', body._csrf)) throw csrfFailed();
    // Read once (issue 11): it chooses sign or approve, and the signature starts from it. The rate-limit token is
    // taken meanwhile, so a shared store's round trip overlaps the read's; a client over its limit gets the 429 page
    // whatever the read found.
    const [taken, read] = await Promise.allSettled([takeRequestToken(buckets, req, res, limitedLinkPage(pageContext)), resolveSigningLink(deps.workflow, token)]);
    if (taken.status === 'rejected') throw taken.reason;
    if (!taken.value) return;
    if (read.status === 'rejected') throw read.reason;
    const link = read.value;
    const { role, language } = link.recipient;
    if (body.consent !== 'ja') {
      const view = await openView(req, token);
      const t = pageContext(req, res, language).t;
      await renderLink(req, res, 400, view, { consentError: t(role === 'approver' ? 'approve.consentMissing' : 'sign.consentMissing') });
      return;
    }
    const options = { token, origin: origin(req) };
    let result;
    try {
      // The page only redirects: the signature's outcome is enough, the envelope is not read back.
      result = role === 'approver' ? await approveEnvelope(deps.workflow, options) : await signThroughLink(deps.workflow, { ...options, code: body.code, resolved: link });
    } catch (error) {
      if (!(error instanceof AppError) || !isCodeProblem(error.code)) throw error;
      const view = await openView(req, token);
      await renderLink(req, res, 400, view, { codeError: codeMessage(pageContext(req, res, language).t, error) });
      return;
    }
    giveReceipt(res, token, 'signed', 'envelope' in result ? result.envelope : result, result.recipientId);
    res.redirect(303, `${basePathOf(token)}/done`);
  });

  pages.post('/:token/code', async (req, res) => {
    const token = tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(secret, token, 'code', body._csrf)) throw csrfFailed();
    try {
      await sendSigningCode(deps.workflow, { token, purpose: 'link', origin: origin(req) });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'code_rate_limited') throw error;
      const view = await openView(req, token);
      await renderLink(req, res, 429, view, { codeError: pageContext(req, res, recipientLanguage(view)).t('code.code_rate_limited') });
      return;
    }
    res.redirect(303, `${basePathOf(token)}#code`);
  });

  /**
   * Declining takes two steps (issue 4): the decline form posts the reason here, and the answer
   * is a confirmation page that repeats it with a "Ja, weigeren" button; only that second form
   * (its own CSRF purpose) declines. Both work without JavaScript.
   */
  const declineReason = (body: Record<string, unknown>) => (typeof body.reason === 'string' ? body.reason.trim() : '');
  const rejectReason = async (req: Request, res: Response, token: string, reason: string, key: 'decline.reasonMissing' | 'decline.reasonInvalid') => {
    const view = await openView(req, token);
    await renderLink(req, res, 400, view, { reasonError: pageContext(req, res, recipientLanguage(view)).t(key), reason });
  };

  pages.post('/:token/decline', async (req, res) => {
    const token = tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(secret, token, 'decline', body._csrf)) throw csrfFailed();
    const reason = declineReason(body);
    if (!reason) return rejectReason(req, res, token, reason, 'decline.reasonMissing');
    if (reason.length > MAX_REASON_LENGTH) return rejectReason(req, res, token, reason, 'decline.reasonInvalid');
    const view = await openView(req, token);
    const recipient = view.envelope.recipients.find((r) => r.id === view.recipientId);
    if (recipient?.role === 'cc') throw new AppError('wrong_role', 409, 'A recipient who receives a copy cannot decline.');
    send(res, 200, web.declineConfirmPage(pageContext(req, res, recipientLanguage(view)), view, { reason, csrf: csrfToken(secret, token, 'declineConfirm') }));
  });

  pages.post('/:token/decline/confirm', async (req, res) => {
    const token = tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(secret, token, 'declineConfirm', body._csrf)) throw csrfFailed();
    const reason = declineReason(body);
    if (!reason) return rejectReason(req, res, token, reason, 'decline.reasonMissing');
    let result;
    try {
      result = await declineEnvelope(deps.workflow, { token, reason, origin: origin(req) });
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_request') return rejectReason(req, res, token, reason, 'decline.reasonInvalid');
      throw error;
    }
    giveReceipt(res, token, 'declined', result.envelope, result.recipientId);
    res.redirect(303, `${basePathOf(token)}/declined`);
  });

  pages.get('/:token/done', async (req, res) => {
    const token = tokenOf(req);
    const view = (await receiptView(req, token, 'signed')) ?? (await openView(req, token));
    if (!hasActed(view)) return res.redirect(303, basePathOf(token));
    send(res, 200, web.donePage(pageContext(req, res, recipientLanguage(view)), view));
  });

  pages.get('/:token/declined', async (req, res) => {
    const token = tokenOf(req);
    const view = await receiptView(req, token, 'declined');
    // Without a receipt the link page itself says what happened (410, declined).
    if (!view) return res.redirect(303, basePathOf(token));
    send(res, 200, web.declinedPage(pageContext(req, res, recipientLanguage(view)), view));
  });

  // What the batch and qualified routes share with these pages: the secret, the link, the answers, the language.
  const shared: SignerPageTools = { secret, tokenOf, basePathOf, csrfFailed, send, origin, pageContext };
  registerBatchRoutes(pages, {
    ...shared,
    codeState,
    codeMessage,
    blobs: deps.blobs,
    list: (token, startedAt, meetingId) => listWaitingEnvelopes(deps.workflow, { token, startedAt, meetingId }),
    sendCode: (token, req) => sendSigningCode(deps.workflow, { token, purpose: 'batch', origin: origin(req) }),
    sign: (token, envelopeIds, code, req, continuing) => signBatch(deps.workflow, { token, envelopeIds, code, continuing, origin: origin(req) }),
    clock: deps.clock,
    envelope: (token, envelopeId, startedAt) => getBatchEnvelope(deps.workflow, { token, envelopeId, startedAt }),
    setBatchReceipt: (res, token, value, maxAge) => void res.append('Set-Cookie', cookie(BATCH_RECEIPT_COOKIE, value, basePathOf(token), maxAge)),
    batchReceipt: (req) => parseCookies(req.get('cookie'))[BATCH_RECEIPT_COOKIE],
    recordRead: (token, read, req) => recordDocumentRead(deps.workflow, { token, ...read, origin: origin(req) }),
    reads: (organisationId, recipientIds) => documentReads(deps.workflow, organisationId, recipientIds),
  });

  registerQualifiedRoutes(pages, {
    ...shared,
    giveReceipt: (res, token, envelope, recipientId) => giveReceipt(res, token, 'signed', envelope, recipientId),
    organisationOf: async (token) => {
      const organisation = await organisationOfLink(deps.workflow, token);
      return organisation ? { name: organisation.name, slug: organisation.slug, logo: organisationHasLogo(organisation) } : null;
    },
    cscProviders: deps.config.cscProviders,
    remoteLink: {
      remember: (res, token) => void res.append('Set-Cookie', cookie(REMOTE_LINK_COOKIE, encodeURIComponent(token), REMOTE_LINK_PATH, QUALIFIED_SESSION_MINUTES * 60)),
      recall: async (req) => {
        const value = parseCookies(req.get('cookie'))[REMOTE_LINK_COOKIE];
        let token = '';
        try {
          token = value ? decodeURIComponent(value) : '';
        } catch {
          return null;
        }
        const link = token ? await lookupLink(token) : null;
        return link ? { token, organisationName: link.organisationName, language: link.language } : null;
      },
      forget: (res) => void res.append('Set-Cookie', cookie(REMOTE_LINK_COOKIE, '', REMOTE_LINK_PATH, 0)),
    },
    present: (options) => presentSigningCertificate(deps.workflow, options),
    complete: (options) => completeQualifiedSignature(deps.workflow, options),
    startRemote: (options) => startRemoteSigning(deps.workflow, options),
    remoteCallback: (options) => remoteSigningCallback(deps.workflow, options),
    remoteRefused: (options) => remoteSigningRefused(deps.workflow, options),
  });

  pages.use(async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const appError = toAppError(error);
    const fields = { code: appError.code, status: appError.status, detail: appError.detail };
    if (appError.status >= 500) req.log.error({ ...fields, err: error }, appError.message);
    else req.log.info(fields, appError.message);
    const token = tokenOf(req);
    // The link's organisation names the page (and its language) where the signer has to come back or ask.
    const named = appError.code === 'link_gone' || appError.code === 'timestamp_unavailable' || appError.status === 409;
    const link = named ? await lookupLink(token).catch(() => null) : null;
    const ctx = pageContext(req, res, link?.language);
    const { t } = ctx;
    const page = (title: string, paragraphs: string[], back?: string) =>
      send(res, appError.status, web.messagePage(ctx, { title, paragraphs, organisationName: link?.organisationName, logoPath: link?.organisationLogo ? `${basePathOf(token)}/logo` : null, back }));
    if (appError.code === 'link_not_found') return page(t('notFound.title'), [t('notFound.body')]);
    if (appError.code === 'link_gone') {
      const status = link?.envelopeStatus;
      const what =
        status === 'expired' || status === 'cancelled' || status === 'declined' || status === 'completed'
          ? t(`gone.${status}`)
          : link?.expired ? t('gone.expired') : t('gone.revoked');
      const contact = link?.organisationName ? t('gone.contact', { organisation: link.organisationName }) : t('gone.contactUnknown');
      return page(t('gone.title'), [what, contact]);
    }
    if (appError.code === 'csrf_invalid') return page(t('csrf.title'), [t('csrf.body')], token ? basePathOf(token) : undefined);
    if (appError.code === 'timestamp_unavailable') {
      // No TSA answered (issue 9): nothing was signed; the signer may simply come back in a few minutes.
      res.set('Retry-After', '120');
      return page(t('timestamp.title'), [t('timestamp.body')], token ? basePathOf(token) : undefined);
    }
    if (appError.status === 409) {
      const why =
        appError.code === 'recipient_not_active' ? 'conflict.notActive'
        : appError.code === 'qualified_signature_required' ? 'conflict.qualified'
        : appError.code === 'document_not_read' ? 'conflict.notRead'
        : 'conflict.other';
      return page(t('conflict.title'), [t(why)], basePathOf(token));
    }
    return page(t('error.title'), [t('error.body', { requestId: req.id })]);
  });

  router.use('/s', pages);
  return router;
}
