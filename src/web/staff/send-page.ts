/**
 * The body of `/app/send` (issue 5): a multipart form that works without JavaScript (file picker
 * with `multiple`, a route select, a fixed number of person rows, no placement: the signature page
 * is added). src/web/static/staff-send.js enhances it: drag and drop, a title per document,
 * search-as-you-type in the directory, placing each signer's box on the rendered page (pdf.js) and
 * upload progress. Every text the script shows comes from data-* attributes of this page.
 */
import { SIGNATURE_LEVELS, type SignatureLevel } from '../../domain/routing.ts';
import { PDFJS_PATHS, STAFF_SEND_SCRIPT_PATH, STAFF_SEND_STYLESHEET_PATH } from '../assets.ts';
import { html, type SafeHtml } from '../html.ts';
import type { SendCatalogKey, SendTranslate } from './send-i18n.ts';

export const PERSON_ROWS = 6;
export type RecipientRole = 'signer' | 'approver' | 'cc';
export const RECIPIENT_ROLES: readonly RecipientRole[] = ['signer', 'approver', 'cc'];
export { SIGNATURE_LEVELS, type SignatureLevel };

export interface SendRouteOption {
  id: string;
  name: string;
  /** "An Peeters (ondertekent) → Bart Claes (ondertekent)". */
  summary: string;
  /** For the script's placement step: who is in the route. */
  steps: Array<{ personId: string; name: string; role: RecipientRole; signatureLevel?: SignatureLevel }>;
}

export interface SendPersonOption {
  id: string;
  name: string;
  email: string;
  function: string | null;
}

export interface SendFormValues {
  mode: 'perDocument' | 'single';
  title: string;
  message: string;
  deadline: string;
  route: string;
  /** The line above the signature page's blocks ("Namens de gemeenteraad", issue 12); empty: from the route's body. */
  onBehalfOf: string;
  /** For every signer, unless their route step says 'qualified' (issue 13). */
  signatureLevel: SignatureLevel;
  rows: Array<{ person: string; role: RecipientRole; order: string }>;
}

export interface SendPageView {
  t: SendTranslate;
  routes: SendRouteOption[];
  people: SendPersonOption[];
  values: SendFormValues;
  errors: string[];
  minDeadline: string;
  maxDeadline: string;
  maxFiles: number;
  maxFileMb: number;
  searchUrl: string;
  action: string;
  csrf: string;
}

/** The texts staff-send.js needs, as `data-text-<name>` attributes. */
const SCRIPT_TEXTS: Record<string, SendCatalogKey> = {
  remove: 'send.remove',
  documentTitle: 'send.documentTitle',
  noResults: 'send.people.noResults',
  results: 'send.people.results',
  add: 'send.people.add',
  person: 'send.person',
  page: 'send.placement.page',
  placed: 'send.placement.placed',
  clear: 'send.placement.clear',
  renderFailed: 'send.placement.failed',
  progressStatus: 'send.progress.status',
  progressBusy: 'send.progress.busy',
  progressFailed: 'send.progress.failed',
  errors: 'send.errors',
  roleSigner: 'send.role.signer',
  roleApprover: 'send.role.approver',
  roleCc: 'send.role.cc',
};

function dataTexts(t: SendTranslate): SafeHtml {
  return html`${Object.entries(SCRIPT_TEXTS).map(([name, key]) => html` data-text-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${t(key)}"`)}`;
}

function personRow(view: SendPageView, index: number): SafeHtml {
  const { t } = view;
  const row = view.values.rows[index] ?? { person: '', role: 'signer', order: String(index + 1) };
  const n = index + 1;
  return html`<fieldset class="person-row" data-row="${index}">
<legend>${t('send.person', { number: n })}</legend>
<div class="field"><label for="person-${index}">${t('send.person', { number: n })}</label>
<select id="person-${index}" name="person-${index}" data-role="person">
<option value="">${t('send.person.none')}</option>
${view.people.map((p) => html`<option value="${p.id}"${p.id === row.person ? html` selected` : ''}>${p.name}${p.function ? ` – ${p.function}` : ''} (${p.email})</option>`)}
</select></div>
<div class="field"><label for="role-${index}">${t('send.role')}</label>
<select id="role-${index}" name="role-${index}" data-role="role">
${RECIPIENT_ROLES.map((role) => html`<option value="${role}"${role === row.role ? html` selected` : ''}>${t(`send.role.${role}`)}</option>`)}
</select></div>
<div class="field"><label for="order-${index}">${t('send.order')}</label>
<input type="number" id="order-${index}" name="order-${index}" data-role="order" min="1" max="50" step="1" inputmode="numeric" value="${row.order}"></div>
</fieldset>`;
}

export function sendPage(view: SendPageView): SafeHtml {
  const { t, values } = view;
  const errorSummary = view.errors.length
    ? html`<div class="error-summary" role="alert" tabindex="-1" id="send-errors"><h2>${t('send.errors')}</h2><ul>${view.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
    : html`<div class="error-summary" role="alert" tabindex="-1" id="send-errors" hidden></div>`;
  return html`<h1>${t('send.title')}</h1>
<p>${t('send.intro')}</p>
${errorSummary}
<form id="send-form" class="send-form" method="post" action="${view.action}" enctype="multipart/form-data" novalidate
 data-search-url="${view.searchUrl}" data-pdfjs="${PDFJS_PATHS.library}" data-pdfjs-worker="${PDFJS_PATHS.worker}" data-pdfjs-fonts="${PDFJS_PATHS.standardFonts}"
 data-stylesheet="${STAFF_SEND_STYLESHEET_PATH}" data-max-files="${view.maxFiles}"${dataTexts(t)}>
<input type="hidden" name="_csrf" value="${view.csrf}">
<fieldset>
<legend>${t('send.documents')}</legend>
<div class="field"><label for="documents">${t('send.files')}</label>
<p class="hint" id="documents-hint">${t('send.files.hint')}</p>
<input type="file" id="documents" name="documents" accept="application/pdf,.pdf" multiple required aria-describedby="documents-hint"></div>
<div class="drop-zone" id="drop-zone" hidden><p>${t('send.drop')}</p></div>
<div id="file-list" class="file-list" hidden><h2>${t('send.selected')}</h2><ul></ul></div>
<fieldset>
<legend>${t('send.mode')}</legend>
<div class="choice"><input type="radio" id="mode-perDocument" name="mode" value="perDocument"${values.mode === 'perDocument' ? html` checked` : ''}><label for="mode-perDocument">${t('send.mode.perDocument')}</label></div>
<div class="choice"><input type="radio" id="mode-single" name="mode" value="single"${values.mode === 'single' ? html` checked` : ''}><label for="mode-single">${t('send.mode.single')}</label></div>
</fieldset>
<div class="field"><label for="title">${t('send.envelopeTitle')}</label>
<p class="hint" id="title-hint">${t('send.envelopeTitle.hint')}</p>
<input type="text" id="title" name="title" maxlength="500" value="${values.title}" aria-describedby="title-hint"></div>
<div class="field"><label for="message">${t('send.message')}</label>
<textarea id="message" name="message" rows="4" maxlength="5000">${values.message}</textarea></div>
<div class="field"><label for="deadline">${t('send.deadline')}</label>
<input type="date" id="deadline" name="deadline" required min="${view.minDeadline}" max="${view.maxDeadline}" value="${values.deadline}"></div>
</fieldset>
<fieldset>
<legend>${t('send.recipients')}</legend>
<div class="field"><label for="signatureLevel">${t('send.level')}</label>
<p class="hint" id="signatureLevel-hint">${t('send.level.hint')}</p>
<select id="signatureLevel" name="signatureLevel" aria-describedby="signatureLevel-hint">
${SIGNATURE_LEVELS.map((level) => html`<option value="${level}"${level === values.signatureLevel ? html` selected` : ''}>${t(`send.level.${level}`)}</option>`)}
</select></div>
<div class="field"><label for="route">${t('send.route')}</label>
<select id="route" name="route">
<option value="">${t('send.route.none')}</option>
${view.routes.map((r) => html`<option value="${r.id}" data-steps="${JSON.stringify(r.steps)}"${r.id === values.route ? html` selected` : ''}>${r.name}: ${r.summary}</option>`)}
</select></div>
<div class="field"><label for="onBehalfOf">${t('send.onBehalfOf')}</label>
<p class="hint" id="onBehalfOf-hint">${t('send.onBehalfOf.hint')}</p>
<input type="text" id="onBehalfOf" name="onBehalfOf" maxlength="200" value="${values.onBehalfOf}" aria-describedby="onBehalfOf-hint"></div>
<fieldset id="people">
<legend>${t('send.people')}</legend>
<p class="hint">${t('send.people.hint')}</p>
<div class="people-search" id="people-search" hidden>
<label for="people-search-input">${t('send.people.search')}</label>
<p class="hint" id="people-search-hint">${t('send.people.searchHint')}</p>
<input type="search" id="people-search-input" autocomplete="off" role="combobox" aria-expanded="false" aria-controls="people-search-results" aria-autocomplete="list" aria-describedby="people-search-hint">
<ul id="people-search-results" role="listbox" aria-label="${t('send.people.search')}" hidden></ul>
<p id="people-search-status" class="visually-hidden" role="status" aria-live="polite"></p>
</div>
<div id="person-rows">
${Array.from({ length: PERSON_ROWS }, (_, i) => personRow(view, i))}
</div>
</fieldset>
</fieldset>
<section class="placement" id="placement" hidden aria-labelledby="placement-heading">
<h2 id="placement-heading">${t('send.placement')}</h2>
<p class="hint">${t('send.placement.hint')}</p>
<p>${t('send.placement.instructions')}</p>
<div class="placement-controls">
<label for="placement-document">${t('send.placement.document')}</label> <select id="placement-document"></select>
<label for="placement-signer">${t('send.placement.signer')}</label> <select id="placement-signer"></select>
<button type="button" data-action="previous">${t('send.placement.previous')}</button>
<span class="placement-page" aria-live="polite"></span>
<button type="button" data-action="next">${t('send.placement.next')}</button>
</div>
<p class="placement-message" hidden></p>
<div class="placement-canvas"><canvas></canvas><div class="placement-boxes"></div></div>
<ul class="placement-list"></ul>
<div id="placement-fields"></div>
</section>
<div class="progress" id="send-progress" hidden>
<label for="send-progress-bar">${t('send.progress')}</label>
<progress id="send-progress-bar" max="100" value="0"></progress>
<p class="progress-status" role="status" aria-live="polite"></p>
</div>
<p><button type="submit">${t('send.submit')}</button></p>
</form>
<script type="module" src="${STAFF_SEND_SCRIPT_PATH}"></script>`;
}
