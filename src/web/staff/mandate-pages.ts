/**
 * The staff pages of functions, mandates, absences and delegations (issue 12): `/app/functions` (each function with
 * who signs today, its substitutes and its mandates; add a function, add or end a mandate), `/app/absences` (mark a
 * person absent and see who then signs in their place; withdraw) and `/app/functions/import` (the mandate database's
 * CSV: a dry run, then the import), and the frame they share with the delegation register (delegation-pages.ts).
 * Every member of staff sees them; only an admin gets the forms. Server-rendered, usable without JavaScript.
 */
import type { Language } from '../../notify/index.ts';
import { DECISION_BODIES } from '../../workflow/index.ts';
import type { FunctionOverview } from '../../workflow/directory-mandates.ts';
import type { MandateImportChange, MandateImportReport } from '../../workflow/import-mandates.ts';
import { html, type SafeHtml } from '../html.ts';
import { meetingTranslator, type MeetingKey } from './meeting-i18n.ts';
import { importProblemText, mandateDay, mandateTranslator, type MandateKey, type MandateTranslate } from './mandate-i18n.ts';

export const FUNCTIONS_PATH = '/app/functions';
export const ABSENCES_PATH = '/app/absences';
export const DELEGATIONS_PATH = '/app/delegations';
export const IMPORT_PATH = '/app/functions/import';

export type MandateSection = 'functions' | 'absences' | 'delegations' | 'import';

/** A person to choose in a form: the active people of the directory. */
export interface PersonChoice {
  id: string;
  name: string;
  function: string | null;
}

/** What every page of this group shows around its own content. */
export interface MandatePageFrame {
  language: Language;
  admin: boolean;
  csrf: string;
  /** A confirmation after a change (already translated). */
  notice: string | null;
  /** Which form refused its input, its message, and the values to show again. */
  failed: { form: string; message: string; values: Record<string, string> } | null;
}

export interface MandatePage {
  title: string;
  body: SafeHtml;
}

export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

/** The section's own navigation: the four pages, the import for admins only. */
export function sectionNav(t: MandateTranslate, active: MandateSection, admin: boolean): SafeHtml {
  const items: Array<[MandateSection, string, MandateKey]> = [
    ['functions', FUNCTIONS_PATH, 'functions.title'],
    ['absences', ABSENCES_PATH, 'absences.title'],
    ['delegations', DELEGATIONS_PATH, 'delegations.title'],
    ...(admin ? ([['import', IMPORT_PATH, 'import.nav']] as Array<[MandateSection, string, MandateKey]>) : []),
  ];
  return html`<nav class="section-nav" aria-label="${t('mandates.sections')}"><ul>${items.map(([section, href, key]) =>
    section === active ? html`<li><a href="${href}" aria-current="page">${t(key)}</a></li>` : html`<li><a href="${href}">${t(key)}</a></li>`,
  )}</ul></nav>`;
}

/** The frame of each page: section navigation, heading, intro, the notice and, for staff who are not admins, why there are no forms. */
export function framed(frame: MandatePageFrame, section: MandateSection, titleKey: MandateKey, intro: MandateKey, content: SafeHtml): MandatePage {
  const t = mandateTranslator(frame.language);
  const title = t(titleKey);
  const body = html`${sectionNav(t, section, frame.admin)}
<h1>${title}</h1>
<p>${t(intro)}</p>
${frame.notice ? html`<p class="notice" role="status">${frame.notice}</p>` : ''}
${frame.failed ? html`<div class="alert" role="alert"><p>${frame.failed.message}</p><p><a href="#${frame.failed.form}-error">${t('mandates.toForm')}</a></p></div>` : ''}
${frame.admin ? '' : html`<p class="hint">${t('mandates.readOnly')}</p>`}
${content}`;
  return { title: frame.failed ? t('error.title', { title }) : title, body };
}

/** A form's refusal, above its fields, and the values it had. */
export function formState(frame: MandatePageFrame, form: string): { error: SafeHtml | ''; value: (name: string, fallback?: string) => string } {
  const failed = frame.failed?.form === form ? frame.failed : null;
  return {
    error: failed ? html`<p class="field-error" id="${form}-error" tabindex="-1">${failed.message}</p>` : '',
    value: (name, fallback = '') => failed?.values[name] ?? fallback,
  };
}

export const selected = (on: boolean) => (on ? html` selected` : '');

export function personOptions(t: MandateTranslate, people: readonly PersonChoice[], chosen: string): SafeHtml {
  return html`<option value="">${t('mandates.person.choose')}</option>${people.map(
    (p) => html`<option value="${p.id}"${selected(p.id === chosen)}>${p.name}${p.function ? ` – ${p.function}` : ''}</option>`,
  )}`;
}

export function period(t: MandateTranslate, language: Language, from: string, until: string | null, open: MandateKey = 'mandates.period.open'): string {
  return until === null ? t(open, { from: mandateDay(from, language) }) : t('mandates.period', { from: mandateDay(from, language), until: mandateDay(until, language) });
}

/** A function inside a sentence, from the acting function substituteFunction writes: "wnd. algemeen directeur" → "algemeen directeur". */
export function functionInSentence(actingFunction: string): string {
  return actingFunction.replace(/^wnd\. /, '');
}

// ---- /app/functions ----

export interface FunctionsView {
  day: string;
  functions: FunctionOverview[];
  people: PersonChoice[];
  /** "wnd. algemeen directeur" for each function id (substituteFunction). */
  acting: Record<string, string>;
}

function todayBlock(t: MandateTranslate, fn: FunctionOverview, acting: string): SafeHtml {
  const signer = fn.signer;
  const who = !signer
    ? fn.holder || fn.substitutes.length
      ? t('functions.today.everyoneAbsent')
      : t('functions.today.vacant')
    : signer.capacity === 'holder'
      ? t('functions.today.holder', { name: signer.person.name })
      : t('functions.today.substitute', { name: signer.person.name, acting });
  const absent = signer?.capacity === 'substitute' && fn.holder ? html` ${t('functions.today.absent', { name: fn.holder.person.name })}` : '';
  return html`<p class="signs-today"><strong>${who}</strong>${absent}</p>`;
}

function mandateRows(t: MandateTranslate, frame: MandatePageFrame, fn: FunctionOverview, day: string): SafeHtml {
  const { language } = frame;
  const rows = fn.mandates.map((m) => {
    const ended = m.endsOn !== null && m.endsOn < day;
    const form = `end-${m.id}`;
    const state = formState(frame, form);
    const end = frame.admin && !ended
      ? html`<form method="post" action="/app/mandates/${m.id}/end" class="end-mandate">${csrfField(frame.csrf)}${state.error}<label class="visually-hidden" for="${form}">${t('functions.end.label', { name: m.person.name })}</label><input type="date" id="${form}" name="endsOn" required min="${m.startsOn}" value="${state.value('endsOn', m.endsOn ?? (day < m.startsOn ? m.startsOn : day))}"> <button type="submit" class="secondary">${t('functions.end.button')}</button></form>`
      : ended ? t('functions.ended') : '';
    const kind = m.kind === 'holder' ? t('functions.kind.holder') : t('functions.kind.substitute', { rank: m.rank });
    return html`<tr${ended ? html` class="past"` : ''}><th scope="row">${m.person.name}${m.person.active ? '' : html` <span class="hint">${t('mandates.inactive')}</span>`}</th><td data-label="${t('functions.col.kind')}">${kind}</td><td data-label="${t('functions.col.period')}">${period(t, language, m.startsOn, m.endsOn)}</td><td data-label="${t('functions.col.source')}">${t(`functions.source.${m.source}`)}</td>${frame.admin ? html`<td>${end}</td>` : ''}</tr>`;
  });
  if (rows.length === 0) return html`<p>${t('functions.history.none')}</p>`;
  return html`<table class="envelopes mandates"><caption>${t('functions.history', { name: fn.name })}</caption>
<thead><tr><th scope="col">${t('functions.col.person')}</th><th scope="col">${t('functions.col.kind')}</th><th scope="col">${t('functions.col.period')}</th><th scope="col">${t('functions.col.source')}</th>${frame.admin ? html`<th scope="col">${t('functions.col.action')}</th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table>`;
}

function functionSection(frame: MandatePageFrame, view: FunctionsView, fn: FunctionOverview): SafeHtml {
  const t = mandateTranslator(frame.language);
  const bodyName = fn.body ? meetingTranslator(frame.language)(`meetings.body.${fn.body}` as MeetingKey) : null;
  const substitutes = fn.substitutes.length
    ? html`<ol class="substitutes">${[...fn.substitutes].sort((a, b) => a.rank - b.rank).map((s) => html`<li value="${String(s.rank)}">${s.person.name}</li>`)}</ol>`
    : html` ${t('functions.substitutes.none')}`;
  const delegated = fn.delegations.filter((d) => d.current);
  return html`<section class="function" aria-labelledby="function-${fn.id}" id="f-${fn.id}">
<h2 id="function-${fn.id}">${fn.name}</h2>
<p class="function-facts">${bodyName ? html`<span>${bodyName}</span> · ` : ''}<span class="tag${fn.delegable ? ' delegable' : ''}">${fn.delegable ? t('functions.delegable') : t('functions.notDelegable')}</span></p>
<h3>${t('functions.today', { day: mandateDay(view.day, frame.language) })}</h3>
${todayBlock(t, fn, view.acting[fn.id] ?? fn.name)}
<div class="substitutes-today"><strong>${t('mandates.label', { label: t('functions.substitutes') })}</strong>${substitutes}</div>
${delegated.length ? html`<p><strong>${t('mandates.label', { label: t('functions.delegations') })}</strong> ${delegated.map((d) => `${d.delegate.name} (${d.scope.map((s) => t(`delegations.scope.${s}`)).join(', ')})`).join('; ')} · <a href="${DELEGATIONS_PATH}">${t('functions.delegations.register')}</a></p>` : ''}
${mandateRows(t, frame, fn, view.day)}
</section>`;
}

function addFunctionForm(frame: MandatePageFrame): SafeHtml {
  const t = mandateTranslator(frame.language);
  const m = meetingTranslator(frame.language);
  const { error, value } = formState(frame, 'function');
  const body = value('body');
  const delegable = value('delegable', 'law');
  return html`<h2 id="add-function">${t('functions.add')}</h2>
<form method="post" action="${FUNCTIONS_PATH}" class="stacked" aria-labelledby="add-function">${csrfField(frame.csrf)}${error}
<div class="field"><label for="function-name">${t('functions.name')}</label><input type="text" id="function-name" name="name" required maxlength="200" aria-describedby="function-name-hint" value="${value('name')}"><p class="hint" id="function-name-hint">${t('functions.name.hint')}</p></div>
<div class="field"><label for="function-body">${t('functions.body')}</label><select id="function-body" name="body"><option value="">${t('functions.body.none')}</option>${DECISION_BODIES.filter((b) => b !== 'other').map(
    (b) => html`<option value="${b}"${selected(body === b)}>${m(`meetings.body.${b}` as MeetingKey)}</option>`,
  )}</select></div>
<div class="field"><label for="function-delegable">${t('functions.delegableChoice')}</label><select id="function-delegable" name="delegable" aria-describedby="function-delegable-hint">${(['law', 'yes', 'no'] as const).map(
    (d) => html`<option value="${d}"${selected(delegable === d)}>${t(`functions.delegableChoice.${d}`)}</option>`,
  )}</select><p class="hint" id="function-delegable-hint">${t('functions.delegableChoice.hint')}</p></div>
<button type="submit">${t('functions.addButton')}</button></form>`;
}

function addMandateForm(frame: MandatePageFrame, view: FunctionsView): SafeHtml {
  const t = mandateTranslator(frame.language);
  if (view.functions.length === 0) return html``;
  const { error, value } = formState(frame, 'mandate');
  if (view.people.length === 0) return html`<h2>${t('mandate.add')}</h2><p>${t('mandates.noPeople')}</p>`;
  const fnId = value('functionId');
  const kind = value('kind', 'holder');
  return html`<h2 id="add-mandate">${t('mandate.add')}</h2>
<form method="post" action="/app/mandates" class="stacked" aria-labelledby="add-mandate">${csrfField(frame.csrf)}${error}
<div class="field"><label for="mandate-function">${t('mandate.function')}</label><select id="mandate-function" name="functionId" required>${view.functions.map((fn) => html`<option value="${fn.id}"${selected(fn.id === fnId)}>${fn.name}</option>`)}</select></div>
<div class="field"><label for="mandate-person">${t('mandate.person')}</label><select id="mandate-person" name="personId" required>${personOptions(t, view.people, value('personId'))}</select></div>
<div class="field"><label for="mandate-kind">${t('mandate.kind')}</label><select id="mandate-kind" name="kind">${(['holder', 'substitute'] as const).map((k) => html`<option value="${k}"${selected(kind === k)}>${t(`mandate.kind.${k}`)}</option>`)}</select></div>
<div class="field"><label for="mandate-rank">${t('mandate.rank')}</label><input type="number" id="mandate-rank" name="rank" min="1" max="99" value="${value('rank', '1')}" aria-describedby="mandate-rank-hint"><p class="hint" id="mandate-rank-hint">${t('mandate.rank.hint')}</p></div>
<div class="field"><label for="mandate-from">${t('mandate.from')}</label><input type="date" id="mandate-from" name="startsOn" required value="${value('startsOn', view.day)}"></div>
<div class="field"><label for="mandate-until">${t('mandate.until')}</label><input type="date" id="mandate-until" name="endsOn" value="${value('endsOn')}"></div>
<button type="submit">${t('mandate.addButton')}</button></form>`;
}

/** `GET /app/functions`. */
export function functionsPage(frame: MandatePageFrame, view: FunctionsView): MandatePage {
  const t = mandateTranslator(frame.language);
  const list = view.functions.length ? view.functions.map((fn) => functionSection(frame, view, fn)) : html`<p>${t('functions.none')}</p>`;
  const forms = frame.admin ? html`${addMandateForm(frame, view)}${addFunctionForm(frame)}` : '';
  return framed(frame, 'functions', 'functions.title', 'functions.intro', html`${list}${forms}`);
}

// ---- /app/absences ----

export interface AbsenceView {
  id: string;
  personName: string;
  startsOn: string;
  endsOn: string;
  reason: string | null;
  withdrawn: boolean;
  /** Who signs each function the absent person holds, on the absence's first day still to come. */
  effects: Array<{ functionName: string; substitute: string | null }>;
}

export interface AbsencesView {
  day: string;
  absences: AbsenceView[];
  people: PersonChoice[];
}

function absenceRow(t: MandateTranslate, frame: MandatePageFrame, a: AbsenceView): SafeHtml {
  const when = period(t, frame.language, a.startsOn, a.endsOn);
  const effects = a.withdrawn
    ? t('absences.withdrawn')
    : a.effects.length
      ? html`<ul class="effects">${a.effects.map((e) => html`<li>${e.substitute ? t('absences.effect.substitute', { name: e.substitute, function: e.functionName }) : t('absences.effect.nobody', { function: e.functionName })}</li>`)}</ul>`
      : t('absences.effect.none');
  const action = frame.admin && !a.withdrawn
    ? html`<td><form method="post" action="${ABSENCES_PATH}/${a.id}/withdraw" class="inline">${csrfField(frame.csrf)}<button type="submit" class="danger" aria-label="${t('absences.withdrawLabel', { name: a.personName, period: when })}">${t('absences.withdraw')}</button></form></td>`
    : frame.admin ? html`<td></td>` : '';
  return html`<tr${a.withdrawn ? html` class="past"` : ''}><th scope="row">${a.personName}</th><td data-label="${t('absences.col.period')}">${when}</td><td data-label="${t('absences.col.reason')}">${a.reason ?? ''}</td><td data-label="${t('absences.col.effect')}">${effects}</td>${action}</tr>`;
}

/** `GET /app/absences`. */
export function absencesPage(frame: MandatePageFrame, view: AbsencesView): MandatePage {
  const t = mandateTranslator(frame.language);
  const table = view.absences.length
    ? html`<table class="envelopes absences"><caption>${t('absences.list')}</caption>
<thead><tr><th scope="col">${t('absences.col.person')}</th><th scope="col">${t('absences.col.period')}</th><th scope="col">${t('absences.col.reason')}</th><th scope="col">${t('absences.col.effect')}</th>${frame.admin ? html`<th scope="col">${t('absences.col.action')}</th>` : ''}</tr></thead>
<tbody>${view.absences.map((a) => absenceRow(t, frame, a))}</tbody></table>`
    : html`<h2>${t('absences.list')}</h2><p>${t('absences.none')}</p>`;
  const { error, value } = formState(frame, 'absence');
  const form = !frame.admin
    ? ''
    : view.people.length === 0
      ? html`<h2>${t('absences.add')}</h2><p>${t('mandates.noPeople')}</p>`
      : html`<h2 id="add-absence">${t('absences.add')}</h2>
<form method="post" action="${ABSENCES_PATH}" class="stacked" aria-labelledby="add-absence">${csrfField(frame.csrf)}${error}
<div class="field"><label for="absence-person">${t('absences.person')}</label><select id="absence-person" name="personId" required>${personOptions(t, view.people, value('personId'))}</select></div>
<div class="field"><label for="absence-from">${t('absences.from')}</label><input type="date" id="absence-from" name="startsOn" required value="${value('startsOn', view.day)}"></div>
<div class="field"><label for="absence-until">${t('absences.until')}</label><input type="date" id="absence-until" name="endsOn" required value="${value('endsOn', view.day)}"></div>
<div class="field"><label for="absence-reason">${t('absences.reason')}</label><input type="text" id="absence-reason" name="reason" maxlength="500" aria-describedby="absence-reason-hint" value="${value('reason')}"><p class="hint" id="absence-reason-hint">${t('absences.reason.hint')}</p></div>
<button type="submit">${t('absences.addButton')}</button></form>`;
  return framed(frame, 'absences', 'absences.title', 'absences.intro', html`${table}${form}`);
}

// ---- /app/functions/import ----

export interface ImportView {
  /** The report of a dry run or of the import, with the uploaded CSV (base64) a dry run's confirmation carries back; null before a file is chosen. */
  report: (MandateImportReport & { csv: string }) | null;
}

function changeText(t: MandateTranslate, language: Language, c: MandateImportChange): string {
  return t('import.change', {
    line: c.line,
    outcome: t(`import.outcome.${c.outcome}`),
    person: c.personName,
    kind: t(`import.kind.${c.kind}`),
    function: c.functionName,
    period: period(t, language, c.startsOn, c.endsOn),
    extra: `${c.personCreated ? t('import.personCreated') : ''}${c.impeded ? t('import.impeded') : ''}`,
  });
}

/** `GET /app/functions/import`, and the dry run's or import's report. */
export function importPage(frame: MandatePageFrame, view: ImportView): MandatePage {
  const t = mandateTranslator(frame.language);
  const report = view.report;
  const { error } = formState(frame, 'import');
  const upload = html`<form method="post" action="${IMPORT_PATH}" enctype="multipart/form-data" class="stacked" id="import-upload">${csrfField(frame.csrf)}${error}
<div class="field"><label for="import-file">${report ? t('import.again') : t('import.file')}</label><input type="file" id="import-file" name="file" accept=".csv,text/csv" required aria-describedby="import-file-hint"><p class="hint" id="import-file-hint">${t('import.file.hint')}</p></div>
<button type="submit"${report?.dryRun ? html` class="secondary"` : ''}>${t('import.dryRun')}</button></form>`;
  if (!report) return framed(frame, 'import', 'import.title', 'import.intro', upload);
  const changes = report.changes.filter((c) => c.outcome !== 'unchanged');
  const summary = html`<section class="import-report" aria-labelledby="import-report">
<h2 id="import-report">${report.dryRun ? t('import.preview') : t('import.result')}</h2>
<p>${t('import.counts', { created: report.mandatesCreated, updated: report.mandatesUpdated, unchanged: report.unchanged, problems: report.problems.length })}</p>
<p>${t('import.countsMore', { functions: report.functionsCreated, people: report.peopleCreated })}${report.skipped ? ` ${t('import.skipped', { skipped: report.skipped })}` : ''}</p>
${changes.length ? html`<h3>${t('import.changes')}</h3><ul class="import-changes">${changes.map((c) => html`<li>${changeText(t, frame.language, c)}</li>`)}</ul>` : html`<p>${t('import.nothing')}</p>`}
${report.problems.length ? html`<h3>${t('import.problems')}</h3><ul class="import-problems">${report.problems.map((p) => html`<li>${t('import.problem', { line: p.line, reason: importProblemText(frame.language, p.message) })}</li>`)}</ul>` : ''}
</section>`;
  const confirm = report.dryRun && changes.length
    ? html`<form method="post" action="${IMPORT_PATH}" enctype="multipart/form-data" id="import-confirm">${csrfField(frame.csrf)}<input type="hidden" name="csv" value="${report.csv}"><input type="hidden" name="confirm" value="1"><button type="submit">${t('import.confirm')}</button></form>`
    : '';
  const done = report.dryRun ? '' : html`<p class="notice" role="status">${t('import.done')}</p>`;
  return framed(frame, 'import', 'import.title', 'import.intro', html`${done}${summary}${confirm}${upload}`);
}
