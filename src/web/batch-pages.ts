/**
 * The batch pages (issue 4, DESIGN §7 `/s/<token>/batch`): everything that waits for this
 * person as a list of checkboxes, one consent, one code when any envelope asks for one, one
 * button; then a summary of what was signed and what was not, and why. Server-rendered and
 * usable without JavaScript; stable ids, classes and `data-` attributes are the hooks for the
 * viewer and the progress script that come later.
 */
import type { BatchItemResult, EnvelopeDto, MeetingDto, WaitingEnvelope } from '../workflow/index.ts';
import { html, type SafeHtml } from './html.ts';
import { colonIn, formatMeetingDate as formatMeetingDay } from '../notify/index.ts';
import { formatBrussels, type Translate } from './i18n/index.ts';
import { layout, type PageContext } from './layout.ts';
import { batchProgress, documentViewer, readState, signaturePlacements } from './enhancements.ts';
import { codeField, codeRequestSection, linkPath, problem, signsAsLine, signsAsText, type CodeState } from './signer-pages.ts';

export interface BatchPageView {
  organisationName: string;
  /** The organisation has a logo, served at `${basePath}/logo` (issue 12: the batch pages show it like the link page). */
  organisationLogo?: boolean;
  /** `/s/<token>`: the batch page is `${basePath}/batch`. */
  basePath: string;
  waiting: WaitingEnvelope[];
  /** The link's own recipient: its envelope, when it needs a qualified signature, is signed on the link page itself. */
  linkRecipientId?: string;
  /** The meeting page (issue 12): the meeting whose items are listed, in agenda order. */
  meeting?: MeetingDto | null;
  /** Reading before signing (issue 12): per recipient id, the documents they have opened. */
  readDocumentIds?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface BatchFormState {
  csrf: string;
  code?: CodeState;
  /** Envelope ids ticked; all of them by default. */
  selected?: readonly string[];
  selectError?: string;
  consentError?: string;
}

const batchPath = (basePath: string, ...parts: string[]) => linkPath(`${basePath}/batch`, ...parts);

/** What the signer has read of an envelope they still sign, and the form token the viewer posts with (issue 12). */
interface Reading {
  read: ReadonlySet<string>;
  csrf: string;
}

function documentLinks(ctx: PageContext, basePath: string, envelope: EnvelopeDto, viewerFor?: string, reading?: Reading): SafeHtml {
  const items = envelope.documents.map((d) => {
    const url = batchPath(basePath, 'envelopes', envelope.id, 'documents', d.id);
    const done = reading?.read.has(d.id) ?? false;
    const read = reading ? { url: `${url}/read`, csrf: reading.csrf, done } : undefined;
    return html`<li><a href="${url}" download data-document-id="${d.id}">${ctx.t('view.download', { name: d.name })}</a> <span class="hint">(${ctx.t('view.pdf')})</span>${reading ? html` ${readState(ctx, `read-${envelope.id}-${d.id}`, done)}` : ''}${viewerFor ? documentViewer(ctx, { id: `viewer-${envelope.id}-${d.id}`, url, name: d.name, placements: signaturePlacements(envelope.recipients.find((r) => r.id === viewerFor), d.id), open: false, read }) : ''}</li>`;
  });
  return html`<ul class="documents">${items}</ul>`;
}

/** A step at the qualified level (issue 13) needs the eID card or a remote service, one envelope at a time. */
function needsQualified(waiting: WaitingEnvelope): boolean {
  return waiting.envelope.recipients.find((r) => r.id === waiting.recipientId)?.signatureLevel === 'qualified';
}

function deadlineOf(ctx: PageContext, envelope: EnvelopeDto): SafeHtml | '' {
  return envelope.expiresAt ? html`<p class="deadline" id="envelope-${envelope.id}-deadline">${ctx.t('batch.deadline', { deadline: formatBrussels(envelope.expiresAt, ctx.language) })}</p>` : '';
}

/** Listed so that nothing waiting is hidden, but without a checkbox: where to sign it instead. */
function qualifiedItem(ctx: PageContext, view: BatchPageView, waiting: WaitingEnvelope): SafeHtml {
  const { envelope } = waiting;
  const own = waiting.recipientId === view.linkRecipientId;
  return html`<li class="batch-item" data-envelope-id="${envelope.id}" data-qualified="true">
<p class="batch-title" id="envelope-${envelope.id}"><strong>${envelope.title}</strong></p>
${deadlineOf(ctx, envelope)}
<p class="notice">${ctx.t('batch.qualified')} ${own ? html`<a href="${view.basePath}">${ctx.t('batch.qualifiedHere')}</a>` : ctx.t('batch.qualifiedMail')}</p>
${documentLinks(ctx, view.basePath, envelope)}
</li>`;
}

/** What the signature says on this item (issue 12): the line under the signer's own recipient of it. */
function signsAsOf(waiting: WaitingEnvelope): string | null {
  const recipient = waiting.envelope.recipients.find((r) => r.id === waiting.recipientId);
  return recipient ? signsAsText(recipient) : null;
}

/**
 * "Uw handtekening vermeldt: …" once above the button when every item says the same, else per item (a batch
 * with items signed in different capacities); `perItem` false means the single line, or none.
 */
function signsAsPlan(waiting: readonly WaitingEnvelope[]): { perItem: boolean; single: string | null } {
  const texts = new Set(waiting.filter((w) => !needsQualified(w)).map(signsAsOf));
  if (texts.size > 1) return { perItem: true, single: null };
  return { perItem: false, single: [...texts][0] ?? null };
}

function item(ctx: PageContext, view: BatchPageView, waiting: WaitingEnvelope, checked: boolean, csrf: string, perItem: boolean): SafeHtml {
  const { envelope } = waiting;
  if (needsQualified(waiting)) return qualifiedItem(ctx, view, waiting);
  const id = `envelope-${envelope.id}`;
  const deadline = deadlineOf(ctx, envelope);
  const signsAs = perItem ? signsAsOf(waiting) : null;
  const describedBy = [envelope.expiresAt ? `${id}-deadline` : '', signsAs ? `${id}-signs-as` : ''].filter(Boolean).join(' ');
  return html`<li class="batch-item" data-envelope-id="${envelope.id}" data-requires-code="${envelope.requireCode ? 'true' : 'false'}">
<div class="field checkbox">
<input type="checkbox" id="${id}" name="envelope" value="${envelope.id}"${checked ? ' checked' : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
<label for="${id}">${agendaPrefix(envelope)}${envelope.title}</label>
</div>
${deadline}
${signsAs ? signsAsLine(ctx, `${id}-signs-as`, signsAs) : ''}
${documentLinks(ctx, view.basePath, envelope, waiting.recipientId, { read: view.readDocumentIds?.get(waiting.recipientId) ?? new Set<string>(), csrf })}
</li>`;
}

/** "3. " before an item of a meeting. */
function agendaPrefix(envelope: EnvelopeDto): string {
  return envelope.agendaItem ? `${envelope.agendaItem}. ` : '';
}

/** `GET /s/<token>/batch` and the meeting page `GET /s/<token>/batch/meetings/<id>`. */
export function batchPage(ctx: PageContext, view: BatchPageView, state: BatchFormState): string {
  const title = view.meeting ? view.meeting.title : ctx.t('batch.title');
  const hasError = state.selectError !== undefined || state.consentError !== undefined || state.code?.error !== undefined;
  if (view.waiting.length === 0) {
    return layout(ctx, { title, organisationName: view.organisationName, logoPath: batchLogo(view), body: html`<h1>${title}</h1>\n<p id="batch-empty">${ctx.t('batch.none')}</p>` });
  }
  const selected = state.selected ?? view.waiting.filter((w) => !needsQualified(w)).map((w) => w.envelope.id);
  const consentInvalid = state.consentError !== undefined;
  const signsAs = signsAsPlan(view.waiting);
  const body = html`<h1>${title}</h1>
<p>${view.meeting ? ctx.t('batch.meetingIntro', { organisation: view.organisationName, body: view.meeting.bodyName, date: formatMeetingDay(view.meeting.meetingDate, ctx.language) }) : ctx.t('batch.intro', { organisation: view.organisationName })}</p>
<p class="notice" id="read-explain">${ctx.t('read.explain')}</p>
${state.code ? codeRequestSection(ctx, { ...state.code, error: undefined }) : ''}
<form method="post" action="${batchPath(view.basePath, 'sign')}" id="batch-form" data-batch-size="${view.waiting.filter((w) => !needsQualified(w)).length}"${signsAs.single ? html` aria-describedby="signs-as"` : ''}>
<input type="hidden" name="_csrf" value="${state.csrf}">${view.meeting ? html`
<input type="hidden" name="meeting" value="${view.meeting.id}">` : ''}
<fieldset class="batch-list"${state.selectError ? html` aria-describedby="select-error"` : ''}>
<legend><h2 id="batch-heading">${ctx.t('batch.select')}</h2></legend>
${problem('select-error', state.selectError)}
<ul class="batch-items">${view.waiting.map((w) => item(ctx, view, w, selected.includes(w.envelope.id), state.csrf, signsAs.perItem))}</ul>
</fieldset>
${state.code ? codeField(ctx, state.code) : ''}
${signsAs.single ? signsAsLine(ctx, 'signs-as', signsAs.single) : ''}
${problem('consent-error', state.consentError)}
<div class="field checkbox">
<input type="checkbox" id="consent" name="consent" value="ja" required${consentInvalid ? html` aria-invalid="true" aria-describedby="consent-error"` : ''}>
<label for="consent">${ctx.t('batch.consent')}</label>
</div>
<button type="submit" class="primary" id="batch-sign"${signsAs.single ? html` aria-describedby="signs-as"` : ''}>${ctx.t('batch.button')}</button>
</form>
${batchProgress(ctx, view.waiting.filter((w) => !needsQualified(w)).length)}`;
  return layout(ctx, { title: hasError ? ctx.t('page.errorTitle', { title }) : title, organisationName: view.organisationName, logoPath: batchLogo(view), body });
}

function batchLogo(view: Pick<BatchPageView, 'organisationLogo' | 'basePath'>): string | null {
  return view.organisationLogo ? `${view.basePath}/logo` : null;
}

const KNOWN_REASONS = ['envelope_cancelled', 'envelope_declined', 'envelope_expired', 'envelope_completed', 'already_signed', 'timestamp_unavailable', 'qualified_signature_required', 'document_not_read'] as const;

function reasonText(ctx: PageContext, reason: string): string {
  return batchReasonText(ctx.t, reason);
}

/** Why an envelope of a batch was not signed, in the page's words (also for the script's JSON). */
export function batchReasonText(t: Translate, reason: string): string {
  const known = KNOWN_REASONS.find((r) => r === reason);
  return known ? t(`batch.reason.${known}`) : t('batch.reason.other');
}

/** After `POST /s/<token>/batch/sign`: what was signed (with its documents) and what was not, and why. */
export function batchSummaryPage(ctx: PageContext, view: Omit<BatchPageView, 'waiting'>, results: readonly BatchItemResult[]): string {
  const title = ctx.t('batch.summary.title');
  const signed = results.filter((r) => r.signed);
  const failed = results.filter((r) => !r.signed);
  const signedItems = signed.map((r) => html`<li class="batch-result" data-envelope-id="${r.envelopeId}" data-outcome="signed">${r.title}${r.signed ? documentLinks(ctx, view.basePath, r.envelope) : ''}</li>`);
  const failedItems = failed.map((r) => html`<li class="batch-result" data-envelope-id="${r.envelopeId}" data-outcome="failed" data-reason="${r.signed ? '' : r.reason}">${r.title}${colonIn(ctx.language)} ${r.signed ? '' : reasonText(ctx, r.reason)}</li>`);
  const body = html`<h1>${title}</h1>
<section aria-labelledby="signed-heading" id="batch-signed">
<h2 id="signed-heading">${ctx.t('batch.summary.signed', { count: signed.length })}</h2>
${signed.length ? html`<p class="hint">${ctx.t('done.downloadNote')}</p><ul class="batch-results">${signedItems}</ul>` : html`<p>${ctx.t('batch.summary.none')}</p>`}
</section>
<section aria-labelledby="failed-heading" id="batch-failed">
<h2 id="failed-heading">${ctx.t('batch.summary.failed', { count: failed.length })}</h2>
${failed.length ? html`<ul class="batch-results">${failedItems}</ul>` : html`<p>${ctx.t('batch.summary.none')}</p>`}
</section>
<p><a href="${batchPath(view.basePath)}">${ctx.t('batch.back')}</a></p>`;
  return layout(ctx, { title, organisationName: view.organisationName, logoPath: batchLogo(view), body });
}
