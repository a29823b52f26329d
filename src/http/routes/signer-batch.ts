/**
 * The batch routes of the signer pages (issue 4, DESIGN §7 `/s/<token>/batch`), mounted by
 * signer.ts on its router so they share its headers, language, rate limit, form parsing and
 * friendly error pages:
 *
 *   GET  /s/<token>/batch                                   the list of what waits
 *   POST /s/<token>/batch/code                              mail one code for the batch
 *   POST /s/<token>/batch/sign                              sign the ticked ones → summary page
 *   GET  /s/<token>/batch/envelopes/<id>/documents/<docId>  a document, for this person only
 */
import type { Request, Response, Router } from 'express';
import { AppError } from '../../errors.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import * as web from '../../web/index.ts';
import { isCodeProblem, type EnvelopeDto, type SignBatchResult, type WaitingList } from '../../workflow/index.ts';
import { csrfToken, verifyCsrfToken } from '../csrf.ts';

export interface BatchRouteDeps {
  secret: Buffer;
  tokenOf: (req: Request) => string;
  basePathOf: (token: string) => string;
  csrfFailed: () => AppError;
  send: (res: Response, status: number, page: string) => void;
  origin: (req: Request) => { ip: string | null; userAgent: string | null };
  pageContext: (req: Request, res: Response, recipientLanguage?: string | null) => web.PageContext;
  codeState: (token: string, recipientId: string, email: string, purpose: 'link' | 'batch', error?: string) => Promise<web.CodeState>;
  codeMessage: (t: web.Translate, error: AppError) => string;
  blobs: BlobStore;
  list: (token: string) => Promise<WaitingList>;
  sendCode: (token: string, req: Request) => Promise<unknown>;
  sign: (token: string, envelopeIds: string[], code: unknown, req: Request) => Promise<SignBatchResult>;
  envelope: (token: string, envelopeId: string) => Promise<EnvelopeDto>;
}

/** `envelope=a&envelope=b` arrives as an array, a single one as a string. */
function selectedIds(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64);
}

export function registerBatchRoutes(pages: Router, d: BatchRouteDeps): void {
  const render = async (req: Request, res: Response, status: number, state: Omit<web.BatchFormState, 'csrf' | 'code'> & { codeError?: string } = {}) => {
    const token = d.tokenOf(req);
    const list = await d.list(token);
    const ctx = { ...d.pageContext(req, res, list.recipient.language), languagePath: `${d.basePathOf(token)}/batch` };
    const code = list.requiresCode ? await d.codeState(token, list.recipient.id, list.recipient.email, 'batch', state.codeError) : undefined;
    const view = { organisationName: list.organisationName, basePath: d.basePathOf(token), waiting: list.waiting };
    d.send(res, status, web.batchPage(ctx, view, { ...state, code, csrf: csrfToken(d.secret, token, 'batch') }));
    return ctx;
  };

  pages.get('/:token/batch', async (req, res) => {
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
    let outcome: SignBatchResult;
    try {
      outcome = await d.sign(token, selected, body.code, req);
    } catch (error) {
      if (!(error instanceof AppError) || !isCodeProblem(error.code)) throw error;
      await render(req, res, 400, { selected, codeError: d.codeMessage(t, error) });
      return;
    }
    const list = await d.list(token);
    const ctx = { ...d.pageContext(req, res, list.recipient.language), languagePath: `${d.basePathOf(token)}/batch` };
    d.send(res, 200, web.batchSummaryPage(ctx, { organisationName: list.organisationName, basePath: d.basePathOf(token) }, outcome.results));
  });

  pages.get('/:token/batch/envelopes/:envelopeId/documents/:docId', async (req, res) => {
    const envelope = await d.envelope(d.tokenOf(req), String(req.params.envelopeId));
    const document = envelope.documents.find((doc) => doc.id === req.params.docId);
    if (!document) throw new AppError('document_not_found', 404, 'This envelope has no such document.');
    if (!document.currentRevision) throw new Error(`document ${document.id} has no revision`);
    const pdf = await d.blobs.get(document.currentRevision.sha256);
    res.attachment(document.name.toLowerCase().endsWith('.pdf') ? document.name : `${document.name}.pdf`).type('application/pdf').send(pdf);
  });
}
