/**
 * The qualified-signature routes of the signer pages (issue 13), mounted by signer.ts on its
 * router so they share its headers, language, rate limit and friendly error pages:
 *
 *   POST /s/<token>/qualified/web-eid/certificate  the card's certificate → the hashes to sign (JSON)
 *   POST /s/<token>/qualified/web-eid/signatures   the card's signature values → the result page's URL (JSON)
 *   POST /s/<token>/qualified/csc/<provider>       start remote signing (CSC API v2): to the provider
 *   GET  /s/csc/callback?code&state                the provider sends the signer back here (twice:
 *                                                  once to pick the credential, once to sign)
 *
 * The JSON calls come from /assets/web-eid.js with the sign form's CSRF token in `X-CSRF-Token`
 * and are answered with problem+json on refusal, carrying `text`: what the page shows, in its
 * language. What is checked and stored is the workflow's (presentSigningCertificate and friends).
 */
import type { Request, Response, Router } from 'express';
import type { CscProviderConfig } from '../../config.ts';
import { AppError } from '../../errors.ts';
import * as web from '../../web/index.ts';
import {
  CSC_CALLBACK_PATH,
  isCodeProblem,
  type CompleteQualifiedSignatureOptions,
  type EnvelopeDto,
  type LinkActionResult,
  type PresentedCertificate,
  type PresentSigningCertificateOptions,
  type SignatureAlgorithm,
  type RemoteSigningCallbackOptions,
  type RemoteSigningRefusedOptions,
  type RemoteSigningCallbackResult,
  type StartedRemoteSigning,
  type StartRemoteSigningOptions,
} from '../../workflow/index.ts';
import { verifyCsrfToken } from '../csrf.ts';
import { problemFor, sendProblem, toAppError } from '../problem.ts';
import type { SignerPageTools } from './signer-batch.ts';

export interface QualifiedRouteDeps extends SignerPageTools {
  /** The organisation heading a link's pages (name, logo) and its slug, which decides the providers it offers. */
  organisationOf: (token: string) => Promise<{ name: string; slug: string; logo: boolean } | null>;
  giveReceipt: (res: Response, token: string, envelope: EnvelopeDto, recipientId: string) => void;
  cscProviders: readonly CscProviderConfig[];
  /**
   * The link a remote signing started from, kept in a short-lived cookie for the callback: the
   * provider's answer names no link, and a signer who said no there needs the way back (and the
   * page its organisation and language). Null when there is none or the link is unknown.
   */
  remoteLink: {
    remember: (res: Response, token: string) => void;
    recall: (req: Request) => Promise<{ token: string; organisationName: string | null; language: string | null } | null>;
    forget: (res: Response) => void;
  };
  /** The workflow's use cases (issue 13), with their deps bound. */
  present: (options: PresentSigningCertificateOptions) => Promise<PresentedCertificate>;
  complete: (options: CompleteQualifiedSignatureOptions) => Promise<LinkActionResult>;
  startRemote: (options: StartRemoteSigningOptions) => Promise<StartedRemoteSigning>;
  remoteCallback: (options: RemoteSigningCallbackOptions) => Promise<RemoteSigningCallbackResult>;
  remoteRefused: (options: RemoteSigningRefusedOptions) => Promise<void>;
}

/** Web eID names hash functions as the W3C does. */
const HASH_FUNCTIONS: Record<string, string> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const HASHES_BY_FUNCTION: Record<string, SignatureAlgorithm['hash']> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * Web eID's `supportedSignatureAlgorithms` ({ cryptoAlgorithm ECC | RSA, hashFunction, paddingScheme NONE | PKCS1.5 | PSS })
 * as the schemes and hashes we sign with; entries we do not sign with (SHA-224, SHA3) are left out. Not a list: undefined,
 * and the key's usual algorithm is used.
 */
function webEidAlgorithms(value: unknown): SignatureAlgorithm[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: SignatureAlgorithm[] = [];
  for (const entry of value.slice(0, 64) as Array<Record<string, unknown> | null>) {
    const hash = HASHES_BY_FUNCTION[String(entry?.hashFunction)];
    const scheme = entry?.cryptoAlgorithm === 'ECC' ? 'ecdsa' : entry?.cryptoAlgorithm === 'RSA' ? ({ 'PKCS1.5': 'rsa-pkcs1', PSS: 'rsa-pss' } as const)[String(entry.paddingScheme)] : undefined;
    if (hash && scheme) out.push({ scheme, hash });
  }
  return out;
}
const MAX_CERTIFICATE_BASE64 = 16_384;
const MAX_SIGNATURE_BASE64 = 2_048;
const MAX_DOCUMENTS = 100;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The providers an organisation offers its signers (`organisations: ["*"]` offers one to all). */
export function providersFor(providers: readonly CscProviderConfig[], organisationSlug: string): web.QualifiedProvider[] {
  return providers.filter((p) => p.organisations.includes('*') || p.organisations.includes(organisationSlug)).map((p) => ({ id: p.id, name: p.name }));
}

/** The page's words for a refusal: a code problem as the sign form says it, the rest by code. */
function problemText(t: web.Translate, error: AppError): string {
  if (error.code === 'csrf_invalid') return t('csrf.body');
  if (isCodeProblem(error.code)) {
    const remaining = (error.extensions as { remainingAttempts?: number } | undefined)?.remainingAttempts;
    return t(`code.${error.code as 'code_invalid'}`, remaining === undefined ? {} : { remaining });
  }
  return web.qualifiedProblemText(t, error.code);
}

function base64Field(value: unknown, max: number, code: string, what: string): Buffer {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !BASE64.test(value)) throw new AppError(code, 400, `${what} must be base64.`);
  return Buffer.from(value, 'base64');
}

export function registerQualifiedRoutes(pages: Router, d: QualifiedRouteDeps): void {
  /** The page's language for the words of a JSON answer: the script says which it shows. */
  const translate = (req: Request, res: Response) => {
    const lang = (req.body as Record<string, unknown> | undefined)?.lang;
    return web.isLanguage(lang) ? web.translator(lang) : d.pageContext(req, res).t;
  };
  /** A refusal of a JSON call: problem+json with the page's words in `text`. */
  const refuse = (req: Request, res: Response, error: unknown) => {
    const appError = toAppError(error);
    const fields = { code: appError.code, status: appError.status, detail: appError.detail };
    if (appError.status >= 500) req.log.error({ ...fields, err: error }, appError.message);
    else req.log.info(fields, appError.message);
    sendProblem(res, { ...problemFor(appError, req), text: problemText(translate(req, res), appError) });
  };
  const checkCsrf = (req: Request, token: string, presented: unknown) => {
    if (!verifyCsrfToken(d.secret, token, 'sign', presented)) throw d.csrfFailed();
  };

  // The provider sends the signer back to the URL the workflow registered (CSC_CALLBACK_PATH, below /s like these pages).
  pages.get(CSC_CALLBACK_PATH.replace(/^\/s(?=\/)/, ''), async (req, res) => {
    const link = await d.remoteLink.recall(req);
    const ctx = link ? { ...d.pageContext(req, res, link.language), languagePath: d.basePathOf(link.token) } : d.pageContext(req, res);
    const page = (status: number, text: string) =>
      d.send(res, status, web.messagePage(ctx, { title: ctx.t('qualified.csc.failedTitle'), paragraphs: [text], organisationName: link?.organisationName, back: link ? d.basePathOf(link.token) : undefined }));
    const { state, code, error } = req.query as Record<string, unknown>;
    // RFC 6749 §4.1.2.1: the signer said no at the provider, or the provider could not ask.
    if (typeof error === 'string') {
      if (typeof state === 'string' && state.length <= 256) await d.remoteRefused({ state, error: error.slice(0, 64), origin: d.origin(req) });
      return page(400, ctx.t(error === 'access_denied' ? 'qualified.csc.denied' : 'qualified.csc.failed'));
    }
    if (typeof state !== 'string' || typeof code !== 'string' || !state || !code || state.length > 256 || code.length > 2048) return page(400, ctx.t('qualified.csc.expired'));
    let result: RemoteSigningCallbackResult;
    try {
      result = await d.remoteCallback({ state, code, origin: d.origin(req) });
    } catch (caught) {
      const appError = toAppError(caught);
      if (appError.status >= 500 && !appError.code.startsWith('csc_')) throw caught;
      req.log.info({ code: appError.code, status: appError.status, detail: appError.detail }, appError.message);
      const expired = appError.status === 404 || appError.status === 410;
      const text = expired
        ? ctx.t('qualified.csc.expired')
        : appError.code.startsWith('csc_')
          ? ctx.t('qualified.csc.failed')
          : appError.code.startsWith('certificate_') && appError.code !== 'certificate_revocation_unknown'
            ? ctx.t('qualified.csc.certificate')
            : web.qualifiedProblemText(ctx.t, appError.code);
      return page(appError.status, text);
    }
    if (result.step === 'signed') {
      d.remoteLink.forget(res);
      d.giveReceipt(res, result.token, result.envelope, result.recipientId);
    }
    res.redirect(303, result.redirect);
  });

  pages.post('/:token/qualified/web-eid/certificate', async (req, res) => {
    const token = d.tokenOf(req);
    try {
      checkCsrf(req, token, req.get('x-csrf-token'));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const certificate = base64Field(body.certificate, MAX_CERTIFICATE_BASE64, 'certificate_missing', 'certificate');
      const prepared = await d.present({
        token,
        certificate,
        method: 'web-eid',
        origin: d.origin(req),
        signatureAlgorithms: webEidAlgorithms(body.supportedSignatureAlgorithms),
        ...(body.code !== undefined ? { code: body.code } : {}),
      });
      res.json({
        sessionId: prepared.sessionId,
        signerName: prepared.signerName,
        hashFunction: HASH_FUNCTIONS[prepared.hashAlgorithm] ?? prepared.hashAlgorithm,
        documents: prepared.documents.map((doc) => ({ documentId: doc.documentId, name: doc.name, hash: doc.digest.toString('base64') })),
      });
    } catch (error) {
      refuse(req, res, error);
    }
  });

  pages.post('/:token/qualified/web-eid/signatures', async (req, res) => {
    const token = d.tokenOf(req);
    try {
      checkCsrf(req, token, req.get('x-csrf-token'));
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.sessionId !== 'string' || body.sessionId.length === 0 || body.sessionId.length > 64) throw new AppError('session_missing', 400, 'sessionId is required.');
      if (!Array.isArray(body.signatures) || body.signatures.length === 0 || body.signatures.length > MAX_DOCUMENTS) throw new AppError('signatures_missing', 400, 'signatures must be a non-empty array.');
      const signatures = body.signatures.map((s) => base64Field(s, MAX_SIGNATURE_BASE64, 'signature_invalid', 'each signature'));
      const result = await d.complete({ token, sessionId: body.sessionId, signatures, origin: d.origin(req) });
      d.giveReceipt(res, token, result.envelope, result.recipientId);
      res.json({ redirect: `${d.basePathOf(token)}/done` });
    } catch (error) {
      refuse(req, res, error);
    }
  });

  /**
   * The provider's authorisation page is on another origin. A form may not be redirected there
   * (CSP form-action 'self'), so the script gets the URL as JSON and goes there itself, and a
   * browser without the script gets a page with a link.
   */
  pages.post('/:token/qualified/csc/:providerId', async (req, res) => {
    const token = d.tokenOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const wantsJson = req.accepts(['html', 'json']) === 'json';
    let url: string;
    let view: { organisationName: string; organisationLogo: boolean; basePath: string };
    let providerName: string;
    try {
      if (!verifyCsrfToken(d.secret, token, 'sign', body._csrf)) throw d.csrfFailed();
      const organisation = await d.organisationOf(token);
      const provider = providersFor(d.cscProviders, organisation?.slug ?? '').find((p) => p.id === req.params.providerId);
      if (!organisation || !provider) throw new AppError('provider_not_found', 404, 'This organisation offers no such remote signing service.');
      const started = await d.startRemote({ token, providerId: provider.id, origin: d.origin(req), ...(body.code !== undefined ? { code: body.code } : {}) });
      url = started.redirect;
      view = { organisationName: organisation.name, organisationLogo: organisation.logo, basePath: d.basePathOf(token) };
      providerName = provider.name;
    } catch (error) {
      if (wantsJson) return refuse(req, res, error);
      const appError = toAppError(error);
      // A wrong or missing code: said in the form's words, with the way back to the form.
      if (!isCodeProblem(appError.code)) throw error;
      const ctx = d.pageContext(req, res);
      return d.send(res, 400, web.messagePage(ctx, { title: ctx.t('form.problem'), paragraphs: [problemText(ctx.t, appError)], back: d.basePathOf(token) }));
    }
    d.remoteLink.remember(res, token);
    if (wantsJson) return void res.json({ redirect: url });
    d.send(res, 200, web.cscContinuePage(d.pageContext(req, res), view, { provider: providerName, url }));
  });
}
