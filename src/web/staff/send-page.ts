/**
 * The body of `/app/send` (issue 5): a multipart form that works without JavaScript (file picker
 * with `multiple`, a route select, a fixed number of person rows, no placement: the signature page
 * is added). src/web/static/staff-send.js enhances it: drag and drop, a title per document,
 * search-as-you-type in the directory, placing each signer's box on the rendered page (pdf.js) and
 * upload progress. Every text the script shows comes from data-* attributes of this page.
 */
import { SIGNATURE_LEVELS, type SignatureLevel } from '../../domain/routing.ts';
import type { Language } from '../i18n/index.ts';
import { colonIn } from '../../notify/index.ts';
import type { RouteStepSigners } from '../../workflow/signing-routes.ts';
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
  /** For the script's placement step: who is in the route (for a function step, who signs for it today; `step` its index). */
  steps: Array<{ personId: string; name: string; role: RecipientRole; signatureLevel?: SignatureLevel; step?: number }>;
}

/** Who signs each step of a route with function steps on the day (issue 12), and the delegation chosen per step. */
export interface RouteSignersView {
  routeId: string;
  routeName: string;
  /** YYYY-MM-DD: today, or the meeting's date. */
  day: string;
  steps: RouteStepSigners[];
  /** Step index → the delegation id chosen ('' or absent: in person). */
  chosen: Record<number, string>;
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
  /** Routes with function steps: who signs today (issue 12). */
  signers: RouteSignersView[];
  language: Language;
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

function dataTexts(t: SendTranslate, language: Language): SafeHtml {
  return html`${Object.entries(SCRIPT_TEXTS).map(([name, key]) => html` data-text-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${t(key)}"`)} data-text-colon="${colonIn(language)}"`;
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
 data-stylesheet="${STAFF_SEND_STYLESHEET_PATH}" data-max-files="${view.maxFiles}"${dataTexts(t, view.language)}>
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
${view.routes.map((r) => html`<option value="${r.id}" data-steps="${JSON.stringify(r.steps)}"${r.id === values.route ? html` selected` : ''}>${r.name}${colonIn(view.language)} ${r.summary}</option>`)}
</select></div>
${routeSignersSection(t, view.language, view.signers, { select: 'route', minutesNote: false })}
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

const LOCALES: Record<Language, string> = { nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' };

/** "maandag 7 december 2026"; a day the page names. */
export function dayText(day: string, language: Language): string {
  return new Intl.DateTimeFormat(LOCALES[language], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** "10 december", with its year only when that is not the year of `from`. */
function untilText(day: string, from: string, language: Language): string {
  const sameYear = day.slice(0, 4) === from.slice(0, 4);
  return new Intl.DateTimeFormat(LOCALES[language], { day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }), timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** "Algemeen directeur" → "algemeen directeur" inside a sentence (a word written in capitals keeps them). */
export function inSentence(name: string): string {
  return name.length > 1 && name[1] === name[1]!.toLowerCase() ? name.charAt(0).toLowerCase() + name.slice(1) : name;
}

/** The line that says who signs one step on the day, or why nobody can. */
export function stepSignerText(t: SendTranslate, language: Language, day: string, step: RouteStepSigners): string {
  const fn = step.functionName ?? '';
  switch (step.problem) {
    case 'function_vacant':
      return t('send.signers.vacant', { function: inSentence(fn), day: dayText(day, language) });
    case 'function_everyone_absent':
      return t('send.signers.everyoneAbsent', { function: inSentence(fn), day: dayText(day, language) });
    case 'function_not_found':
      return t('send.signers.functionMissing');
    case 'person_not_found':
      return t('send.signers.personMissing');
    default:
      break;
  }
  const name = step.person?.name ?? '';
  if (step.functionId === null) return step.function ? t('send.signers.holder', { function: step.function, name }) : t('send.signers.person', { name });
  if (step.capacity === 'substitute' && step.absent) {
    return t('send.signers.substitute', { function: step.function ?? fn, name, absent: step.absent.name, until: step.absent.until ? untilText(step.absent.until, day, language) : '' });
  }
  return t('send.signers.holder', { function: step.function ?? fn, name });
}

/**
 * Per route with function steps, who signs each step on the day and, for a delegable function with delegations
 * covering the day, a choice "in person / by delegation". Without JavaScript every such route is shown;
 * staff-send.js shows only the one chosen in the select `select` (`data-route-select`).
 */
export function routeSignersSection(t: SendTranslate, language: Language, routes: readonly RouteSignersView[], options: { select: string; minutesNote: boolean; script?: boolean }): SafeHtml | '' {
  if (routes.length === 0) return '';
  return html`<div class="route-signers" data-route-signers data-route-select="${options.select}">
${routes.map((route) => {
  const id = (i: number) => `delegation-${route.routeId}-${i}`;
  return html`<fieldset class="route-signers-route" data-route-id="${route.routeId}">
<legend>${t('send.signers', { route: route.routeName, day: dayText(route.day, language) })}</legend>
<p class="hint">${t('send.signers.hint')}</p>
<ul class="route-signers-steps">${route.steps.map((step) => html`<li${step.problem ? html` class="problem"` : ''} data-step="${step.index}">${stepSignerText(t, language, route.day, step)}${step.problem ? '' : ` (${t(`send.role.${step.role}`)})`}</li>`)}</ul>
${route.steps
  .filter((step) => step.delegations.length > 0 && step.role !== 'cc')
  .map(
    (step) => html`<div class="field"><label for="${id(step.index)}">${t('send.signers.choice', { function: inSentence(step.functionName ?? '') })}</label>
<select id="${id(step.index)}" name="${id(step.index)}" data-step="${step.index}">
<option value=""${!route.chosen[step.index] ? html` selected` : ''}${step.person ? html` data-person-id="${step.person.id}" data-person-name="${step.person.name}"` : ''}>${step.person ? t('send.signers.self', { name: step.person.name }) : stepSignerText(t, language, route.day, step)}</option>
${step.delegations.map(
  (d) => html`<option value="${d.id}" data-person-id="${d.delegate.id}" data-person-name="${d.delegate.name}"${route.chosen[step.index] === d.id ? html` selected` : ''}>${d.delegate.function ? t('send.signers.delegateFunction', { name: d.delegate.name, function: d.delegate.function }) : t('send.signers.delegate', { name: d.delegate.name })}</option>`,
)}
</select></div>`,
  )}
${options.minutesNote && route.steps.some((s) => s.delegations.length > 0) ? html`<p class="hint">${t('send.signers.minutes')}</p>` : ''}
</fieldset>`;
})}
</div>${options.script ? html`<link rel="stylesheet" href="${STAFF_SEND_STYLESHEET_PATH}"><script type="module" src="${STAFF_SEND_SCRIPT_PATH}"></script>` : ''}`;
}
