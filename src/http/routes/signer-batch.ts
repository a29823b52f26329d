/**
 * The batch routes of the signer pages (issue 4, DESIGN §7 `/s/<token>/batch`), mounted by
 * signer.ts on its router so they share its headers, language, rate limit, form parsing and
 * friendly error pages:
 *
 *   GET  /s/<token>/batch                                   the list of what waits
 *   GET  /s/<token>/batch/meetings/<id>                     the same for one meeting, in agenda order (issue 12)
 *   POST /s/<token>/batch/code                              mail one code for the batch
 *   POST /s/<token>/batch/sign                              sign the ticked ones → summary page
 *   POST /s/<token>/batch/sign-one                          the page's script: one envelope → JSON
 *   GET  /s/<token>/batch/envelopes/<id>/documents/<docId>  a document, for this person only
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { AppError } from '../../errors.ts';
import * as web from '../../web/index.ts';
import { isCodeProblem, MAX_BATCH, type EnvelopeDto, type SignBatchOptions, type SignBatchResult, type WaitingList, type WorkflowDeps } from '../../workflow/index.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { sendBlob } from '../send-blob.ts';
import { csrfToken, verifyCsrfToken } from '../csrf.ts';
import { toAppError } from '../problem.ts';

/** What signer.ts lends the routes it mounts beside its own (batch, qualified): the secret, the link, the answers, the language. */
export interface SignerPageTools {
  secret: Buffer;
  tokenOf: (req: Request) => string;
  basePathOf: (token: string) => string;
  csrfFailed: () => AppError;
  send: (res: Response, status: number, page: string) => void;
  origin: (req: Request) => { ip: string | null; userAgent: string | null };
  pageContext: (req: Request, res: Response, recipientLanguage?: string | null) => web.PageContext;
}

export interface BatchRouteDeps extends SignerPageTools {
  codeState: (token: string, recipientId: string, email: string, purpose: 'link' | 'batch', error?: string) => Promise<web.CodeState>;
  codeMessage: (t: web.Translate, error: AppError) => string;
  blobs: WorkflowDeps['blobs'];
  /** `meetingId`: the meeting page (issue 12), the batch narrowed to one meeting in agenda order. */
  list: (token: string, startedAt?: Date, meetingId?: string) => Promise<WaitingList>;
  sendCode: (token: string, req: Request) => Promise<unknown>;
  sign: (token: string, envelopeIds: string[], code: unknown, req: Request, continuing?: Continuing) => Promise<SignBatchResult>;
  clock: () => Date;
  envelope: (token: string, envelopeId: string, startedAt?: Date) => Promise<EnvelopeDto>;
  /** The batch receipt cookie (path: this link): set after signing, read by the downloads. */
  setBatchReceipt: (res: Response, token: string, value: string, maxAgeSeconds: number) => void;
  batchReceipt: (req: Request) => string | undefined;
  /** Reading before signing (issue 12): a document of a waiting envelope opened (viewer to the last page, or downloaded). */
  recordRead: (token: string, read: { envelopeId: string; documentId: string; how: 'viewed' | 'downloaded'; startedAt?: Date }, req: Request) => Promise<unknown>;
  /** Which documents these recipients have read. */
  reads: (organisationId: string, recipientIds: string[]) => Promise<Map<string, Set<string>>>;
}

type Continuing = NonNullable<SignBatchOptions['continuing']>;

/** How long the script may go on with a batch it started (from its first call; not renewed). */
const TICKET_MINUTES = 30;

/**
 * The batch ticket of `POST …/batch/sign-one`: which batch the next envelope belongs to and the
 * code its first call checked (a code is used up when checked, and the person typed it once for
 * the whole batch). An HMAC with the signer secret, bound to this link, expiring.
 */
function ticketMac(secret: Buffer, token: string, payload: string, purpose: TicketPurpose): Buffer {
  const link = createHash('sha256').update(token, 'utf8').digest('hex');
  return createHmac('sha256', secret).update(`paraaf batch ${purpose}\0${link}\0${payload}`, 'utf8').digest();
}

/**
 * `ticket`: the form field of the script's next call. `receipt`: a cookie given with the results
 * (issue 10), by which the summary's downloads keep working after the batch completed the
 * link's own envelope and the link stopped working; it carries only the batch and its start.
 */
type TicketPurpose = 'ticket' | 'receipt';

function issueTicket(secret: Buffer, token: string, continuing: Continuing, expiresAt: number, purpose: TicketPurpose = 'ticket'): string {
  const payload = Buffer.from(JSON.stringify({ ...continuing, expiresAt }), 'utf8').toString('base64url');
  return `${payload}.${ticketMac(secret, token, payload, purpose).toString('base64url')}`;
}

function readTicket(secret: Buffer, token: string, value: unknown, now: Date, purpose: TicketPurpose = 'ticket'): (Continuing & { expiresAt: number }) | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  const [payload, mac, ...rest] = value.split('.');
  if (!payload || !mac || rest.length) return null;
  const expected = ticketMac(secret, token, payload, purpose);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const ticket = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Continuing & { expiresAt: number };
    return typeof ticket.expiresAt === 'number' && ticket.expiresAt * 1000 > now.getTime() ? ticket : null;
  } catch {
    return null;
  }
}

/** When a batch began, from its ticket or receipt (older tickets carry none). */
function startOf(continuing: Continuing | null | undefined): Date | undefined {
  return typeof continuing?.startedAt === 'number' && Number.isFinite(continuing.startedAt) ? new Date(continuing.startedAt) : undefined;
}

/** `envelope=a&envelope=b` arrives as an array, a single one as a string. */
function selectedIds(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64);
}

/** `…/batch/meetings/<id>` (the page) or the form's `meeting` field (its posts): the meeting page of issue 12. */
function meetingOf(req: Request): string | undefined {
  const value = req.params.meetingId ?? (req.body as Record<string, unknown> | undefined)?.meeting;
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined;
}

export function registerBatchRoutes(pages: Router, d: BatchRouteDeps): void {
  const giveReceipt = (res: Response, token: string, batch: Continuing, startedAt: Date) => {
    const expiresAt = Math.floor(startedAt.getTime() / 1000) + TICKET_MINUTES * 60;
    const maxAge = expiresAt - Math.floor(d.clock().getTime() / 1000);
    if (maxAge > 0) d.setBatchReceipt(res, token, issueTicket(d.secret, token, { batchId: batch.batchId, batchSize: batch.batchSize, startedAt: batch.startedAt }, expiresAt, 'receipt'), maxAge);
  };
  const render = async (req: Request, res: Response, status: number, state: Omit<web.BatchFormState, 'csrf' | 'code'> & { codeError?: string } = {}) => {
    const token = d.tokenOf(req);
    const meetingId = meetingOf(req);
    const list = await d.list(token, undefined, meetingId);
    const ctx = { ...d.pageContext(req, res, list.recipient.language), languagePath: `${d.basePathOf(token)}/batch${meetingId ? `/meetings/${encodeURIComponent(meetingId)}` : ''}` };
    const code = list.requiresCode ? await d.codeState(token, list.recipient.id, list.recipient.email, 'batch', state.codeError) : undefined;
    const organisationId = list.waiting[0]?.envelope.organisationId;
    const readDocumentIds = organisationId ? await d.reads(organisationId, list.waiting.map((w) => w.recipientId)) : new Map<string, Set<string>>();
    const view = { organisationName: list.organisationName, organisationLogo: list.organisationLogo, basePath: d.basePathOf(token), waiting: list.waiting, linkRecipientId: list.recipient.id, meeting: list.meeting, readDocumentIds };
    d.send(res, status, web.batchPage(ctx, view, { ...state, code, csrf: csrfToken(d.secret, token, 'batch') }));
    return ctx;
  };

  pages.get('/:token/batch', async (req, res) => {
    await render(req, res, 200);
  });

  pages.get('/:token/batch/meetings/:meetingId', async (req, res) => {
    await render(req, res, 200);
  });

  pages.post('/:token/batch/code', async (req, res) => {
    const token = d.tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(d.secret, token, 'batchCode', body._csrf)) throw d.csrfFailed();
    try {
      await d.sendCode(token, req);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'code_rate_limited') throw error;
      await render(req, res, 429, { codeError: d.pageContext(req, res).t('code.code_rate_limited') });
      return;
    }
    res.redirect(303, `${d.basePathOf(token)}/batch#code`);
  });

  pages.post('/:token/batch/sign', async (req, res) => {
    const token = d.tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(d.secret, token, 'batch', body._csrf)) throw d.csrfFailed();
    const selected = selectedIds(body.envelope);
    const t = d.pageContext(req, res).t;
    if (selected.length === 0) return void (await render(req, res, 400, { selected, selectError: t('batch.selectMissing') }));
    if (body.consent !== 'ja') return void (await render(req, res, 400, { selected, consentError: t('batch.consentMissing') }));
    const startedAt = d.clock();
    let outcome: SignBatchResult;
    try {
      outcome = await d.sign(token, selected, body.code, req);
    } catch (error) {
      if (!(error instanceof AppError) || !isCodeProblem(error.code)) throw error;
      await render(req, res, 400, { selected, codeError: d.codeMessage(t, error) });
      return;
    }
    giveReceipt(res, token, { batchId: outcome.batchId, batchSize: outcome.results.length, startedAt: startedAt.getTime() }, startedAt);
    // The batch may have completed the link's own envelope: the summary still speaks for it.
    const list = await d.list(token, startedAt);
    const ctx = { ...d.pageContext(req, res, list.recipient.language), languagePath: `${d.basePathOf(token)}/batch` };
    d.send(res, 200, web.batchSummaryPage(ctx, { organisationName: list.organisationName, organisationLogo: list.organisationLogo, basePath: d.basePathOf(token) }, outcome.results));
  });

  /**
   * The script's way to sign a batch (issue 4, "progress shown"): the same form fields as
   * `batch/sign` but one envelope per call, answered in JSON, so the page can count. The first
   * call starts the batch; its answer carries a ticket the next calls send back, so the envelopes
   * share one batch in the audit trail and one mailed code. Without JavaScript the form posts to
   * `batch/sign` as before.
   */
  pages.post('/:token/batch/sign-one', async (req, res) => {
    const token = d.tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // The page says in which language it speaks, so that the words of the answer match it.
    const t = web.isLanguage(body.lang) ? web.translator(body.lang) : d.pageContext(req, res).t;
    const refuse = (status: number, error: string, message: string) => res.status(status).json({ error, message });
    if (!verifyCsrfToken(d.secret, token, 'batch', body._csrf)) return void refuse(403, 'csrf_invalid', t('csrf.body'));
    const [envelopeId, ...others] = selectedIds(body.envelope);
    if (!envelopeId || others.length) return void refuse(400, 'select_missing', t('batch.selectMissing'));
    if (body.consent !== 'ja') return void refuse(400, 'consent_missing', t('batch.consentMissing'));
    const now = d.clock();
    let continuing: Continuing;
    let expiresAt: number;
    if (body.ticket !== undefined && body.ticket !== '') {
      const ticket = readTicket(d.secret, token, body.ticket, now);
      if (!ticket) return void refuse(403, 'ticket_invalid', t('csrf.body'));
      ({ expiresAt, ...continuing } = ticket);
    } else {
      const total = Number(body.total);
      continuing = { batchId: randomUUID(), batchSize: Number.isInteger(total) && total >= 1 && total <= MAX_BATCH ? total : 1, startedAt: now.getTime() };
      expiresAt = Math.floor(now.getTime() / 1000) + TICKET_MINUTES * 60;
    }
    let outcome: SignBatchResult;
    try {
      outcome = await d.sign(token, [envelopeId], body.code, req, continuing);
    } catch (error) {
      const appError = toAppError(error);
      if (isCodeProblem(appError.code)) return void refuse(400, appError.code, d.codeMessage(t, appError));
      if (appError.status >= 500) throw error;
      return void refuse(appError.status, appError.code, web.batchReasonText(t, appError.code));
    }
    const next: Continuing = {
      batchId: outcome.batchId,
      batchSize: continuing.batchSize,
      ...(continuing.startedAt !== undefined ? { startedAt: continuing.startedAt } : {}),
      ...(outcome.verifiedCode ? { verifiedCode: outcome.verifiedCode } : {}),
    };
    const started = startOf(continuing);
    if (started) giveReceipt(res, token, next, started);
    const result = outcome.results[0]!;
    res.json({
      envelopeId: result.envelopeId,
      title: result.title,
      signed: result.signed,
      ...(result.signed
        ? { documents: result.envelope.documents.map((doc) => ({ name: doc.name, url: web.linkPath(`${d.basePathOf(token)}/batch`, 'envelopes', result.envelopeId, 'documents', doc.id), label: t('view.download', { name: doc.name }) })) }
        : { reason: result.reason, reasonText: web.batchReasonText(t, result.reason) }),
      ticket: issueTicket(d.secret, token, next, expiresAt),
    });
  });

  pages.get('/:token/batch/envelopes/:envelopeId/documents/:docId', async (req, res) => {
    const token = d.tokenOf(req);
    const receipt = readTicket(d.secret, token, d.batchReceipt(req), d.clock(), 'receipt');
    const envelope = await d.envelope(token, String(req.params.envelopeId), startOf(receipt));
    const document = envelope.documents.find((doc) => doc.id === req.params.docId);
    if (!document) throw new AppError('document_not_found', 404, 'This envelope has no such document.');
    if (!document.currentRevision) throw new Error(`document ${document.id} has no revision`);
    // Reading before signing (issue 12): a download counts as reading; the viewer's own fetch (`?view`) does not.
    if (req.query.view === undefined) await d.recordRead(token, { envelopeId: envelope.id, documentId: document.id, how: 'downloaded', startedAt: startOf(receipt) }, req);
    const pdf = await d.blobs.open(document.currentRevision.sha256);
    res.set('Content-Disposition', attachmentDisposition(document.name.toLowerCase().endsWith('.pdf') ? document.name : `${document.name}.pdf`)).type('application/pdf');
    await sendBlob(req, res, pdf, document.currentRevision.size);
  });

  /** The viewer's script on the batch page, once it has shown a document's last page (issue 12). */
  pages.post('/:token/batch/envelopes/:envelopeId/documents/:docId/read', async (req, res) => {
    const token = d.tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(d.secret, token, 'batch', body._csrf)) throw d.csrfFailed();
    await d.recordRead(token, { envelopeId: String(req.params.envelopeId), documentId: String(req.params.docId), how: 'viewed' }, req);
    res.json({ read: true });
  });
}
