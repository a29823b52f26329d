/**
 * The pages a recipient sees through their link (DESIGN §7 "Signer pages"): the envelope with
 * its documents and the sign/approve and decline forms, the result after signing, the page
 * after declining. Forms post to our own origin with a CSRF token and work without JavaScript.
 */
import type { EnvelopeDto, RecipientDto } from '../workflow/index.ts';
import { html, type SafeHtml } from './html.ts';
import { colonIn } from '../notify/index.ts';
import { formatBrussels } from './i18n/index.ts';
import { layout, type PageContext } from './layout.ts';
import { documentViewer, readState, signaturePlacements } from './enhancements.ts';
import { qualifiedSection, type QualifiedFormState } from './qualified-pages.ts';

/** The header logo of a link page: served below the link itself, so it names no organisation. */
export function logoPathOf(view: Pick<LinkPageView, 'organisationLogo' | 'basePath'>): string | null {
  return view.organisationLogo ? `${view.basePath}/logo` : null;
}

export interface LinkPageView {
  organisationName: string;
  /** The organisation has a logo: the header shows `<basePath>/logo`. */
  organisationLogo?: boolean;
  envelope: EnvelopeDto;
  recipientId: string;
  /** `/s/<token>`: every link and form of the page is below it. */
  basePath: string;
}

/** The second factor on a sign form (issue 4). */
export interface CodeState {
  /** `code` form: the CSRF token of the "send me a code" form. */
  csrf: string;
  /** Where the "send me a code" form posts. */
  action: string;
  email: string;
  validMinutes: number;
  /** A code that can still be typed: the page says where it went and until when. */
  live: { expiresAt: string } | null;
  error?: string;
}

export interface LinkFormState {
  csrf: { sign: string; decline: string };
  /** Present when the envelope asks for a mailed code before signing. */
  code?: CodeState;
  /** Other envelopes wait for this person: the `/batch` page is offered. */
  batchOffered?: boolean;
  consentError?: string;
  reasonError?: string;
  reason?: string;
  /** The step asks for a qualified signature (issue 13): the eID button and the remote services replace the sign form. */
  qualified?: QualifiedFormState;
  /** Reading before signing (issue 12): the ids of the documents this signer has opened. */
  readDocumentIds?: ReadonlySet<string>;
}

export function linkPath(basePath: string, ...parts: string[]): string {
  return [basePath, ...parts.map(encodeURIComponent)].join('/');
}

function recipientOf(view: LinkPageView): RecipientDto {
  const recipient = view.envelope.recipients.find((r) => r.id === view.recipientId);
  if (!recipient) throw new Error(`recipient ${view.recipientId} is not on envelope ${view.envelope.id}`);
  return recipient;
}

function verbOf(recipient: RecipientDto): 'sign' | 'approve' | 'view' {
  return recipient.role === 'signer' ? 'sign' : recipient.role === 'approver' ? 'approve' : 'view';
}

/** What a signer who has yet to sign needs to read every document first (issue 12): what is read, and the form token the viewer posts with. */
interface Reading {
  read: ReadonlySet<string>;
  csrf: string;
}

function documentList(ctx: PageContext, view: LinkPageView, withViewer = false, reading?: Reading): SafeHtml {
  const items = view.envelope.documents.map((document) => {
    const pages = document.pageCount === null ? '' : `, ${document.pageCount === 1 ? ctx.t('view.pages.one') : ctx.t('view.pages.other', { count: document.pageCount })}`;
    const url = linkPath(view.basePath, 'documents', document.id);
    const done = reading?.read.has(document.id) ?? false;
    const read = reading ? { url: `${url}/read`, csrf: reading.csrf, done } : undefined;
    return html`<li data-document-id="${document.id}"><a href="${url}" download>${ctx.t('view.download', { name: document.name })}</a> <span class="hint">(${ctx.t('view.pdf')}${pages})</span>${reading ? html` ${readState(ctx, `read-${document.id}`, done)}` : ''}${withViewer ? documentViewer(ctx, { id: `viewer-${document.id}`, url, name: document.name, placements: signaturePlacements(recipientOf(view), document.id), open: true, read }) : ''}</li>`;
  });
  return html`<ul class="documents">${items}</ul>`;
}

function recipientList(ctx: PageContext, view: LinkPageView): SafeHtml {
  const items = [...view.envelope.recipients]
    .sort((a, b) => a.routingOrder - b.routingOrder)
    .map((r) => {
      const you = r.id === view.recipientId ? html` <strong>${ctx.t('view.you')}</strong>` : '';
      const fn = r.function ? `, ${r.function}` : '';
      return html`<li>${r.name}${fn}${you}${colonIn(ctx.language)} ${ctx.t(`role.${r.role}`)} – ${ctx.t(`status.${r.status}`)}</li>`;
    });
  return html`<ul class="recipients">${items}</ul>`;
}

/**
 * What the signature will say of this signer (issue 12), as the appearance writes it: "Piet Claeys, wnd. algemeen
 * directeur"; for a delegate the statement first, "Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd
 * secretariaat". Null for a recipient named without a function, whose signature says only their name.
 */
export function signsAsText(recipient: Pick<RecipientDto, 'name' | 'function' | 'actingStatement'>): string | null {
  const named = recipient.function ? `${recipient.name}, ${recipient.function}` : recipient.name;
  if (recipient.actingStatement) return `${recipient.actingStatement} — ${named}`;
  return recipient.function ? named : null;
}

/** "Uw handtekening vermeldt: …", the description of the sign button (aria-describedby `id`). */
export function signsAsLine(ctx: PageContext, id: string, text: string): SafeHtml {
  return html`<p class="signs-as" id="${id}">${ctx.t('signsAs.label')} <strong>${text}</strong></p>`;
}

export function problem(id: string, message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="error" id="${id}" role="alert">${message}</p>` : '';
}

/** "Send me a code", and what happened to the last one. Posts to its own route; works without JavaScript. */
export function codeRequestSection(ctx: PageContext, code: CodeState): SafeHtml {
  return html`<section aria-labelledby="code-heading" id="code" class="code-request" data-code-live="${code.live ? 'true' : 'false'}">
<h2 id="code-heading">${ctx.t('code.heading')}</h2>
<p>${ctx.t('code.explain', { minutes: code.validMinutes })}</p>
${code.live ? html`<p class="notice" id="code-status" role="status">${ctx.t('code.sent', { email: code.email, time: formatBrussels(code.live.expiresAt, ctx.language) })}</p>` : ''}
<form method="post" action="${code.action}" id="code-request-form">
<input type="hidden" name="_csrf" value="${code.csrf}">
<button type="submit" class="${code.live ? 'tertiary' : 'primary'}">${ctx.t(code.live ? 'code.resend' : 'code.send')}</button>
</form>
</section>`;
}

/** The code field inside a sign form; its error is announced and tied to the field. */
export function codeField(ctx: PageContext, code: CodeState): SafeHtml {
  const invalid = code.error !== undefined;
  return html`${problem('code-error', code.error)}
<div class="field code-field">
<label for="code-input">${ctx.t('code.label')}</label>
<input type="text" id="code-input" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" size="8" required${invalid ? html` aria-invalid="true" aria-describedby="code-error"` : ''}>
</div>`;
}

function actionForm(ctx: PageContext, view: LinkPageView, verb: 'sign' | 'approve', state: LinkFormState): SafeHtml {
  const invalid = state.consentError !== undefined;
  const code = verb === 'sign' ? state.code : undefined;
  const signsAs = verb === 'sign' ? signsAsText(recipientOf(view)) : null;
  const describedBy = signsAs ? html` aria-describedby="signs-as"` : '';
  return html`${code ? codeRequestSection(ctx, code) : ''}<section aria-labelledby="action-heading">
<h2 id="action-heading">${ctx.t(`${verb}.heading`)}</h2>
<form method="post" action="${linkPath(view.basePath, 'sign')}" id="sign-form" data-requires-code="${code ? 'true' : 'false'}"${describedBy}>
<input type="hidden" name="_csrf" value="${state.csrf.sign}">
${code ? codeField(ctx, code) : ''}
${signsAs ? signsAsLine(ctx, 'signs-as', signsAs) : ''}
${problem('consent-error', state.consentError)}
<div class="field checkbox">
<input type="checkbox" id="consent" name="consent" value="ja" required${invalid ? html` aria-invalid="true" aria-describedby="consent-error"` : ''}>
<label for="consent">${ctx.t(`${verb}.consent`)}</label>
</div>
<button type="submit" class="primary"${describedBy}>${ctx.t(`${verb}.button`)}</button>
</form>
</section>`;
}

function declineForm(ctx: PageContext, view: LinkPageView, state: LinkFormState): SafeHtml {
  const invalid = state.reasonError !== undefined;
  return html`<section aria-labelledby="decline-heading">
<h2 id="decline-heading">${ctx.t('decline.heading')}</h2>
<p id="decline-explain">${ctx.t('decline.explain')}</p>
<form method="post" action="${linkPath(view.basePath, 'decline')}">
<input type="hidden" name="_csrf" value="${state.csrf.decline}">
${problem('reason-error', state.reasonError)}
<div class="field">
<label for="reason">${ctx.t('decline.reason')}</label>
<textarea id="reason" name="reason" rows="4" required aria-describedby="${invalid ? 'reason-error decline-explain' : 'decline-explain'}"${invalid ? html` aria-invalid="true"` : ''}>${state.reason ?? ''}</textarea>
</div>
<button type="submit" class="secondary">${ctx.t('decline.button')}</button>
</form>
</section>`;
}

/** `GET /s/<token>`: what to sign, from whom, by when, who else takes part, and the two forms. */
export function linkPage(ctx: PageContext, view: LinkPageView, state: LinkFormState): string {
  const { envelope } = view;
  const recipient = recipientOf(view);
  const verb = verbOf(recipient);
  const title = ctx.t(`view.title.${verb}`, { title: envelope.title });
  const hasError = state.consentError !== undefined || state.reasonError !== undefined || state.code?.error !== undefined;
  // Reading before signing (issue 12): only a signer who has yet to sign reads to be allowed to.
  const reading = verb === 'sign' && recipient.status !== 'signed' ? { read: state.readDocumentIds ?? new Set<string>(), csrf: state.csrf.sign } : undefined;
  const body = html`<h1>${envelope.title}</h1>
<p>${ctx.t(`view.intro.${verb}`, { organisation: view.organisationName })}</p>
${envelope.message ? html`<h2>${ctx.t('view.message')}</h2><p class="message">${envelope.message}</p>` : ''}
${envelope.expiresAt ? html`<p class="deadline">${ctx.t('view.deadline', { deadline: formatBrussels(envelope.expiresAt, ctx.language) })}</p>` : ''}
<h2>${ctx.t('view.documents')}</h2>
${reading ? html`<p class="notice" id="read-explain">${ctx.t('read.explain')}</p>` : ''}
${documentList(ctx, view, true, reading)}
<h2>${ctx.t('view.recipients')}</h2>
${recipientList(ctx, view)}
${state.batchOffered ? html`<p class="batch-offer">${ctx.t('view.batch')} <a href="${linkPath(view.basePath, 'batch')}" id="batch-link">${ctx.t('view.batchLink')}</a></p>` : ''}
${verb === 'view' ? '' : html`${verb === 'sign' && state.qualified ? qualifiedWithSignsAs(ctx, view, state.qualified) : actionForm(ctx, view, verb, state)}
${declineForm(ctx, view, state)}`}`;
  return layout(ctx, { title: hasError ? ctx.t('page.errorTitle', { title }) : title, organisationName: view.organisationName, logoPath: logoPathOf(view), body });
}

/** A qualified step signs with the eID or a remote service, not the form: the line stands above those. */
function qualifiedWithSignsAs(ctx: PageContext, view: LinkPageView, qualified: QualifiedFormState): SafeHtml {
  const signsAs = signsAsText(recipientOf(view));
  return html`${signsAs ? signsAsLine(ctx, 'signs-as', signsAs) : ''}${qualifiedSection(ctx, view, qualified)}`;
}

/** After signing or approving: what, when, and the documents to download. */
export function donePage(ctx: PageContext, view: LinkPageView): string {
  const recipient = recipientOf(view);
  const verb = recipient.role === 'approver' ? 'approve' : 'sign';
  const at = recipient.completedAt ?? view.envelope.updatedAt;
  const title = ctx.t(`done.title.${verb}`);
  const body = html`<h1>${title}</h1>
<p>${ctx.t(`done.what.${verb}`, { title: view.envelope.title, organisation: view.organisationName, date: formatBrussels(at, ctx.language) })}</p>
<p>${ctx.t(view.envelope.status === 'completed' ? 'done.completed' : 'done.waiting')}</p>
<h2>${ctx.t('done.documents')}</h2>
<p class="hint">${ctx.t('done.downloadNote')}</p>
${documentList(ctx, view)}
<h2>${ctx.t('view.recipients')}</h2>
${recipientList(ctx, view)}`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: logoPathOf(view), body });
}

/** `POST /s/<token>/decline`: the second step. Repeats the reason; only "Ja, weigeren" declines. */
export function declineConfirmPage(ctx: PageContext, view: LinkPageView, state: { reason: string; csrf: string }): string {
  const title = ctx.t('declineConfirm.title');
  const body = html`<h1>${title}</h1>
<p>${ctx.t('declineConfirm.what', { title: view.envelope.title, organisation: view.organisationName })}</p>
<h2>${ctx.t('declineConfirm.reason')}</h2>
<p class="message" id="decline-reason">${state.reason}</p>
<form method="post" action="${linkPath(view.basePath, 'decline', 'confirm')}" id="decline-confirm-form">
<input type="hidden" name="_csrf" value="${state.csrf}">
<input type="hidden" name="reason" value="${state.reason}">
<p id="decline-confirm-warning">${ctx.t('declineConfirm.warning')}</p>
<div class="actions">
<button type="submit" class="danger" aria-describedby="decline-confirm-warning">${ctx.t('declineConfirm.button')}</button>
<a class="button-link" href="${view.basePath}">${ctx.t('declineConfirm.back')}</a>
</div>
</form>`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: logoPathOf(view), body });
}

/** After declining: what happened and the reason given. */
export function declinedPage(ctx: PageContext, view: LinkPageView): string {
  const recipient = recipientOf(view);
  const title = ctx.t('declined.title');
  const body = html`<h1>${title}</h1>
<p>${ctx.t('declined.what', { title: view.envelope.title, organisation: view.organisationName })}</p>
${recipient.declineReason ? html`<p>${ctx.t('declined.reason')}</p><p class="message">${recipient.declineReason}</p>` : ''}`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: logoPathOf(view), body });
}
