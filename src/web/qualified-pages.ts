/**
 * What a signer sees for a step that asks for a qualified signature (issue 13): an explanation in
 * plain words, "Ondertekenen met eID" (the card signs through the Web eID browser extension,
 * driven by /assets/web-eid.js) and one button per remote signing service (CSC API v2) the
 * organisation offers. There is no one-shot button: the server refuses it for this step anyway.
 *
 * Every word the script may show comes from the page (data-text-* attributes), in the page's
 * language, as in signer.js. The eID button needs JavaScript (the extension only talks to a
 * script); without it the page says so and the remote services still work with plain forms.
 */
import { WEB_EID_SCRIPT_PATH } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import type { Translate } from './i18n/index.ts';
import { layout, type PageContext } from './layout.ts';
import { codeField, codeRequestSection, linkPath, logoPathOf, type CodeState, type LinkPageView } from './signer-pages.ts';

export interface QualifiedProvider {
  id: string;
  name: string;
}

export interface QualifiedFormState {
  /** The CSRF token of the signing purpose: sent as a header by the script and as a field by the provider forms. */
  csrf: string;
  /** Remote signing services this organisation offers, in the order configured. */
  providers: readonly QualifiedProvider[];
  /** Present when the envelope asks for a mailed code: one field serves the card and the remote services. */
  code?: CodeState;
}

/** "A, B of C": the providers named in a sentence. */
export function providerList(t: Translate, providers: readonly QualifiedProvider[]): string {
  const names = providers.map((p) => p.name);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${t('qualified.or')} ${names.at(-1)}`;
}

/** The fallback when the extension does not answer: where to get it, then the other ways. */
function alternatives(ctx: PageContext, view: LinkPageView, providers: readonly QualifiedProvider[]): string {
  return providers.length
    ? ctx.t('qualified.eid.alternatives', { providers: providerList(ctx.t, providers), organisation: view.organisationName })
    : ctx.t('qualified.eid.alternativesNone', { organisation: view.organisationName });
}

/** Texts of the script, keyed by what went wrong (Web eID error codes are mapped in web-eid.js). */
const SCRIPT_TEXTS = {
  reading: 'qualified.eid.reading',
  signingAs: 'qualified.eid.signingAs',
  pin: 'qualified.eid.pin',
  saving: 'qualified.eid.saving',
  extensionMissing: 'qualified.eid.extensionMissing',
  nativeMissing: 'qualified.eid.nativeMissing',
  cancelled: 'qualified.eid.cancelled',
  timeout: 'qualified.eid.timeout',
  pinBlocked: 'qualified.eid.pinBlocked',
  cardProblem: 'qualified.eid.cardProblem',
  outdated: 'qualified.eid.outdated',
  insecure: 'qualified.eid.insecure',
  failed: 'qualified.eid.failed',
} as const;

function scriptTexts(ctx: PageContext, view: LinkPageView, providers: readonly QualifiedProvider[]): SafeHtml {
  const attributes = Object.entries(SCRIPT_TEXTS).map(([name, key]) => html` data-text-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${ctx.t(key)}"`);
  return html`${attributes} data-text-alternatives="${alternatives(ctx, view, providers)}"`;
}

/**
 * The qualified variant of the sign form on `GET /s/<token>`. One form holds the mailed code (when
 * asked), the eID button (the script's) and a submit button per remote service (`formaction`), so
 * the code is typed once whichever way the signer chooses.
 */
export function qualifiedSection(ctx: PageContext, view: LinkPageView, state: QualifiedFormState): SafeHtml {
  const { providers, code } = state;
  const base = linkPath(view.basePath, 'qualified');
  const explain = providers.length ? ctx.t('qualified.explain', { providers: providerList(ctx.t, providers) }) : ctx.t('qualified.explainEidOnly');
  const cscPath = (p: QualifiedProvider) => linkPath(base, 'csc', p.id);
  // Without a provider nothing posts: a stray Enter in the code field just reloads the page.
  const formTarget = providers[0] ? html`method="post" action="${cscPath(providers[0])}"` : html`method="get" action="${view.basePath}"`;
  return html`${code ? codeRequestSection(ctx, code) : ''}<section aria-labelledby="qualified-heading" id="qualified" class="qualified">
<h2 id="qualified-heading">${ctx.t('qualified.heading')}</h2>
<p id="qualified-explain">${explain}</p>
<form ${formTarget} id="qualified-form" data-requires-code="${code ? 'true' : 'false'}">
<input type="hidden" name="_csrf" value="${state.csrf}">
${code ? codeField(ctx, code) : ''}
<div id="web-eid" data-certificate-url="${linkPath(base, 'web-eid', 'certificate')}" data-signatures-url="${linkPath(base, 'web-eid', 'signatures')}" data-csrf="${state.csrf}" data-lang="${ctx.language}"${scriptTexts(ctx, view, providers)}>
<h3 id="web-eid-heading">${ctx.t('qualified.eid.heading')}</h3>
<p id="web-eid-steps">${ctx.t('qualified.eid.steps')}</p>
<noscript><p class="notice">${ctx.t('qualified.eid.noScript')}</p></noscript>
<div id="web-eid-problem" class="error" role="alert"></div>
<p id="web-eid-status" role="status"></p>
<button type="button" class="primary" id="web-eid-sign" aria-describedby="web-eid-steps" hidden>${ctx.t('qualified.eid.button')}</button>
</div>
${
  providers.length
    ? html`<div id="csc">
<h3 id="csc-heading">${ctx.t('qualified.csc.heading')}</h3>
<p id="csc-explain">${ctx.t('qualified.csc.explain')}</p>
${providers.map((p) => html`<p><button type="submit" class="tertiary csc-button" formaction="${cscPath(p)}" data-provider="${p.id}" aria-describedby="csc-explain">${ctx.t('qualified.csc.button', { provider: p.name })}</button></p>`)}
</div>`
    : ''
}
</form>
</section>
<script type="module" src="${WEB_EID_SCRIPT_PATH}"></script>`;
}

/**
 * After `POST /s/<token>/qualified/csc/<provider>` without the script: the provider's page is on
 * another origin, and the CSP's form-action 'self' stops a form from being redirected there, so
 * the signer follows a plain link (the script goes there itself).
 */
export function cscContinuePage(ctx: PageContext, view: Pick<LinkPageView, 'organisationName' | 'organisationLogo' | 'basePath'>, options: { provider: string; url: string }): string {
  const title = ctx.t('qualified.csc.continueTitle', { provider: options.provider });
  const body = html`<h1>${title}</h1>
<p>${ctx.t('qualified.csc.continueBody', { provider: options.provider })}</p>
<p><a href="${options.url}" id="csc-continue" rel="noreferrer">${ctx.t('qualified.csc.continue', { provider: options.provider })}</a></p>
<p><a href="${view.basePath}">${ctx.t('error.back')}</a></p>`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: logoPathOf(view), body });
}

/** Words for a refusal of the qualified routes, by error code (the server's own message stays English). */
export function qualifiedProblemText(t: Translate, code: string): string {
  switch (code) {
    case 'certificate_not_qualified':
    case 'document_changed':
    case 'revocation_unavailable':
      return t(`qualified.error.${code}`);
    case 'certificate_revocation_unknown':
      return t('qualified.error.revocation_unavailable');
    case 'session_expired':
    case 'session_used':
    case 'session_not_found':
      return t('qualified.error.session_expired');
    case 'certificate_untrusted':
    case 'certificate_invalid':
    case 'certificate_expired':
    case 'certificate_revoked':
    case 'certificate_unsuitable':
    case 'certificate_unsupported':
      return t('qualified.error.certificate_invalid');
    case 'timestamp_unavailable':
      return t('timestamp.body');
    case 'recipient_not_active':
      return t('conflict.notActive');
    default:
      return t('qualified.error.other');
  }
}
