/**
 * The delegation register's staff pages (issue 12): `/app/delegations` lists every delegation with its history (who
 * delegated which function to whom, for which documents, from when to when, on which decision, registered and revoked
 * by whom and when) and, for admins, registers one — only for the functions whose signing may be delegated, never for
 * the minutes; `/app/delegations/<id>/revoke` asks before revoking. The frame is mandate-pages.ts's.
 */
import type { Language } from '../../notify/index.ts';
import type { DelegationScope } from '../../domain/mandates.ts';
import { html, type SafeHtml } from '../html.ts';
import { mandateTranslator, type MandateKey, type MandateTranslate } from './mandate-i18n.ts';
import { csrfField, DELEGATIONS_PATH, formState, framed, period, personOptions, sectionNav, selected, type MandatePage, type MandatePageFrame, type PersonChoice } from './mandate-pages.ts';

export interface DelegationView {
  id: string;
  functionName: string;
  delegatorName: string;
  delegateName: string;
  scope: readonly DelegationScope[];
  validFrom: string;
  validUntil: string | null;
  reference: string | null;
  registeredBy: string;
  registeredAt: string;
  revokedBy: string | null;
  revokedAt: string | null;
}

export interface DelegationsView {
  day: string;
  delegations: DelegationView[];
  /** Only the functions whose signing may be delegated. */
  functions: Array<{ id: string; name: string }>;
  people: PersonChoice[];
  /** Date and time as the staff pages write them. */
  dateTime: (iso: string) => string;
}

function delegationStatus(view: DelegationsView, d: DelegationView): MandateKey {
  if (d.revokedAt) return 'delegations.status.revokedShort';
  if (d.validFrom > view.day) return 'delegations.status.future';
  if (d.validUntil !== null && d.validUntil < view.day) return 'delegations.status.expired';
  return 'delegations.status.active';
}

/** The cells that describe one delegation, shared by the register and the revoke confirmation. */
function delegationCells(t: MandateTranslate, frame: MandatePageFrame, view: DelegationsView, d: DelegationView): SafeHtml {
  const scope = d.scope.map((s) => t(`delegations.scope.${s}`)).join(', ');
  return html`<td data-label="${t('delegations.col.delegator')}">${d.delegatorName}</td><td data-label="${t('delegations.col.delegate')}">${d.delegateName}</td><td data-label="${t('delegations.col.scope')}">${scope}</td><td data-label="${t('delegations.col.period')}">${period(t, frame.language, d.validFrom, d.validUntil, 'delegations.period.open')}</td><td data-label="${t('delegations.col.reference')}">${d.reference ?? ''}</td><td data-label="${t('delegations.col.status')}"><span class="status">${t(delegationStatus(view, d))}</span>${d.revokedAt ? html` <span class="by">${t('delegations.status.revoked', { by: t('delegations.by', { name: d.revokedBy ?? '', at: view.dateTime(d.revokedAt) }) })}</span>` : ''} <span class="by">${t('delegations.registeredBy', { by: t('delegations.by', { name: d.registeredBy, at: view.dateTime(d.registeredAt) }) })}</span></td>`;
}

function delegationHead(t: MandateTranslate, action: boolean): SafeHtml {
  const cols: MandateKey[] = ['delegations.col.function', 'delegations.col.delegator', 'delegations.col.delegate', 'delegations.col.scope', 'delegations.col.period', 'delegations.col.reference', 'delegations.col.status'];
  return html`<thead><tr>${cols.map((c) => html`<th scope="col">${t(c)}</th>`)}${action ? html`<th scope="col">${t('delegations.revoke')}</th>` : ''}</tr></thead>`;
}

/** `GET /app/delegations`. */
export function delegationsPage(frame: MandatePageFrame, view: DelegationsView): MandatePage {
  const t = mandateTranslator(frame.language);
  const rows = view.delegations.map((d) => {
    const revoke = frame.admin ? html`<td>${d.revokedAt ? '' : html`<a href="${DELEGATIONS_PATH}/${d.id}/revoke" aria-label="${t('delegations.revokeLabel', { function: d.functionName, name: d.delegateName })}">${t('delegations.revoke')}</a>`}</td>` : '';
    return html`<tr${d.revokedAt ? html` class="past"` : ''}><th scope="row">${d.functionName}</th>${delegationCells(t, frame, view, d)}${revoke}</tr>`;
  });
  const register = view.delegations.length
    ? html`<table class="envelopes delegations"><caption>${t('delegations.register')}</caption>${delegationHead(t, frame.admin)}<tbody>${rows}</tbody></table>`
    : html`<h2>${t('delegations.register')}</h2><p>${t('delegations.none')}</p>`;
  return framed(frame, 'delegations', 'delegations.title', 'delegations.intro', html`${register}${frame.admin ? delegationForm(frame, view) : ''}`);
}

function delegationForm(frame: MandatePageFrame, view: DelegationsView): SafeHtml {
  const t = mandateTranslator(frame.language);
  const { error, value } = formState(frame, 'delegation');
  if (view.functions.length === 0) return html`<h2>${t('delegations.add')}</h2><p>${t('delegations.noneDelegable')}</p>`;
  if (view.people.length === 0) return html`<h2>${t('delegations.add')}</h2><p>${t('mandates.noPeople')}</p>`;
  const scope = frame.failed?.form === 'delegation' ? (value('scope') ? value('scope').split(',') : []) : ['decision'];
  const fnId = value('functionId');
  return html`<h2 id="add-delegation">${t('delegations.add')}</h2>
<form method="post" action="${DELEGATIONS_PATH}" class="stacked" aria-labelledby="add-delegation">${csrfField(frame.csrf)}${error}
<div class="field"><label for="delegation-function">${t('delegations.function')}</label><select id="delegation-function" name="functionId" required aria-describedby="delegation-function-hint">${view.functions.map((fn) => html`<option value="${fn.id}"${selected(fn.id === fnId)}>${fn.name}</option>`)}</select><p class="hint" id="delegation-function-hint">${t('delegations.function.hint')}</p></div>
<div class="field"><label for="delegation-delegate">${t('delegations.delegate')}</label><select id="delegation-delegate" name="delegatePersonId" required>${personOptions(t, view.people, value('delegatePersonId'))}</select></div>
<fieldset aria-describedby="delegation-scope-hint"><legend>${t('delegations.scope')}</legend>
${(['decision', 'other'] as const).map((s) => html`<div class="checkbox"><input type="checkbox" id="delegation-scope-${s}" name="scope" value="${s}"${scope.includes(s) ? html` checked` : ''}> <label for="delegation-scope-${s}">${t(`delegations.scope.${s}`)}</label></div>`)}
<p class="hint" id="delegation-scope-hint">${t('delegations.scope.hint')}</p></fieldset>
<div class="field"><label for="delegation-from">${t('delegations.from')}</label><input type="date" id="delegation-from" name="validFrom" required value="${value('validFrom', view.day)}"></div>
<div class="field"><label for="delegation-until">${t('delegations.until')}</label><input type="date" id="delegation-until" name="validUntil" value="${value('validUntil')}"></div>
<div class="field"><label for="delegation-reference">${t('delegations.reference')}</label><input type="text" id="delegation-reference" name="reference" maxlength="500" aria-describedby="delegation-reference-hint" value="${value('reference')}"><p class="hint" id="delegation-reference-hint">${t('delegations.reference.hint')}</p></div>
<button type="submit">${t('delegations.addButton')}</button></form>`;
}

/** `GET /app/delegations/<id>/revoke`: the delegation and one button. */
export function revokeDelegationPage(frame: MandatePageFrame, view: DelegationsView, d: DelegationView): MandatePage {
  const t = mandateTranslator(frame.language);
  const body = html`${sectionNav(t, 'delegations', frame.admin)}
<h1>${t('delegations.confirm.title')}</h1>
<table class="envelopes delegations"><caption>${t('delegations.confirm.caption')}</caption>${delegationHead(t, false)}<tbody><tr><th scope="row">${d.functionName}</th>${delegationCells(t, frame, view, d)}</tr></tbody></table>
<p>${t('delegations.confirm.question')}</p>
<form method="post" action="${DELEGATIONS_PATH}/${d.id}/revoke">${csrfField(frame.csrf)}<button type="submit" class="danger">${t('delegations.confirm.button')}</button></form>
<p><a href="${DELEGATIONS_PATH}">${t('delegations.confirm.cancel')}</a></p>`;
  return { title: t('delegations.confirm.title'), body };
}
