/**
 * The staff meeting pages (issue 12): `/app/meetings` lists the meetings and creates one; `/app/meetings/<id>`
 * shows its agenda (editable while in draft), uploads its decisions and minutes in bulk with one signing route,
 * sends it in one action after a confirmation, and once sent reminds everyone still waiting in one action. Server-rendered, usable without JavaScript.
 */
import type { Language } from '../../notify/index.ts';
import { DECISION_BODIES, type EnvelopeDto, type MeetingDto, type MeetingSummaryDto } from '../../workflow/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { followDate, followTranslator } from './follow-i18n.ts';
import { meetingTranslator, type MeetingKey } from './meeting-i18n.ts';

export const MEETINGS_PATH = '/app/meetings';
const KINDS = ['decision', 'minutes', 'other'] as const;

function errors(list: readonly string[]): SafeHtml | '' {
  return list.length ? html`<div class="error-summary" role="alert" tabindex="-1" id="meeting-errors"><ul>${list.map((e) => html`<li>${e}</li>`)}</ul></div>` : '';
}

export interface MeetingCreateValues {
  body: string;
  bodyLabel: string;
  title: string;
  date: string;
}

/** `GET /app/meetings`: the list, newest sitting first, and the form for a new one. */
export function meetingsListPage(language: Language, view: { meetings: MeetingSummaryDto[]; values: MeetingCreateValues; errors: string[]; csrf: string }): { title: string; body: SafeHtml } {
  const t = meetingTranslator(language);
  const rows = view.meetings.map(
    (m) => html`<tr><td data-label="${t('meetings.col.date')}">${followDate(`${m.meetingDate}T12:00:00Z`, language)}</td><td><a href="${MEETINGS_PATH}/${m.id}">${m.title}</a></td><td data-label="${t('meetings.col.body')}">${t(`meetings.body.${m.body}` as MeetingKey)}${m.body === 'other' && m.bodyLabel ? html`: ${m.bodyLabel}` : ''}</td><td data-label="${t('meetings.col.items')}">${String(m.envelopeCount)}</td><td data-label="${t('meetings.col.status')}">${t(`meetings.status.${m.status}`)}</td></tr>`,
  );
  const options = DECISION_BODIES.map((b) => html`<option value="${b}"${view.values.body === b ? ' selected' : ''}>${t(`meetings.body.${b}` as MeetingKey)}</option>`);
  const body = html`<h1>${t('meetings.title')}</h1>
<p>${t('meetings.intro')}</p>
${
  view.meetings.length
    ? html`<table class="envelopes meetings"><caption>${t('meetings.list')}</caption>
<thead><tr><th scope="col">${t('meetings.col.date')}</th><th scope="col">${t('meetings.col.title')}</th><th scope="col">${t('meetings.col.body')}</th><th scope="col">${t('meetings.col.items')}</th><th scope="col">${t('meetings.col.status')}</th></tr></thead>
<tbody>${rows}</tbody></table>`
    : html`<p class="empty">${t('meetings.none')}</p>`
}
<h2 id="create-heading">${t('meetings.create')}</h2>
${errors(view.errors)}
<form method="post" action="${MEETINGS_PATH}" aria-labelledby="create-heading" id="meeting-create">
<input type="hidden" name="_csrf" value="${view.csrf}">
<div class="field"><label for="meeting-body">${t('meetings.body')}</label><select id="meeting-body" name="body">${options}</select></div>
<div class="field"><label for="meeting-body-label">${t('meetings.bodyLabel')}</label><input type="text" id="meeting-body-label" name="bodyLabel" maxlength="200" value="${view.values.bodyLabel}"></div>
<div class="field"><label for="meeting-date">${t('meetings.date')}</label><input type="date" id="meeting-date" name="date" required value="${view.values.date}"></div>
<div class="field"><label for="meeting-title">${t('meetings.meetingTitle')}</label><input type="text" id="meeting-title" name="title" required maxlength="500" aria-describedby="meeting-title-hint" value="${view.values.title}"><p class="hint" id="meeting-title-hint">${t('meetings.meetingTitle.hint')}</p></div>
<p><button type="submit" class="primary" id="meeting-create-button">${t('meetings.createButton')}</button></p>
</form>`;
  return { title: t('meetings.title'), body };
}

export interface MeetingDetailView {
  meeting: MeetingDto & { envelopes: EnvelopeDto[] };
  routes: Array<{ id: string; name: string }>;
  /** Who signs the routes' function steps on the meeting's date, with the delegation choices (issue 12; send-page.ts). */
  signers?: SafeHtml | '';
  /** The route chosen, by default the one named after the body. */
  route: string;
  deadline: string;
  minDeadline: string;
  errors: string[];
  notice: string | null;
  csrf: string;
}

function agendaRow(language: Language, envelope: EnvelopeDto, index: number, editable: boolean): SafeHtml {
  const t = meetingTranslator(language);
  const status = followTranslator(language)(`status.${envelope.status}`);
  if (!editable) {
    return html`<tr data-envelope-id="${envelope.id}"><td data-label="${t('meetings.item.number')}">${envelope.agendaItem ?? ''}</td><td><a href="/app/envelopes/${envelope.id}">${envelope.title}</a></td><td data-label="${t('meetings.item.kind')}">${t(`meetings.kind.${envelope.kind ?? 'decision'}`)}</td><td data-label="${t('meetings.item.status')}">${status}</td></tr>`;
  }
  const name = envelope.documents[0]?.name ?? envelope.title;
  const kinds = KINDS.map((k) => html`<option value="${k}"${(envelope.kind ?? 'decision') === k ? ' selected' : ''}>${t(`meetings.kind.${k}`)}</option>`);
  return html`<tr data-envelope-id="${envelope.id}">
<td><input type="hidden" name="envelope-${index}" value="${envelope.id}"><input type="text" class="agenda-number" id="item-${index}" name="item-${index}" maxlength="50" size="4" aria-label="${t('meetings.item.numberOf', { name })}" value="${envelope.agendaItem ?? ''}"></td>
<td><input type="text" id="title-${index}" name="title-${index}" maxlength="500" required aria-label="${t('meetings.item.titleOf', { name })}" value="${envelope.title}"></td>
<td><select id="kind-${index}" name="kind-${index}" aria-label="${t('meetings.item.kindOf', { name })}">${kinds}</select></td>
<td data-label="${t('meetings.item.status')}">${status}</td></tr>`;
}

/** `GET /app/meetings/<id>`. */
export function meetingDetailPage(language: Language, view: MeetingDetailView): { title: string; body: SafeHtml } {
  const t = meetingTranslator(language);
  const { meeting } = view;
  const draft = meeting.status === 'draft';
  const drafts = meeting.envelopes.filter((e) => e.status === 'draft');
  const path = `${MEETINGS_PATH}/${meeting.id}`;
  const head = html`<thead><tr><th scope="col">${t('meetings.item.number')}</th><th scope="col">${t('meetings.item.title')}</th><th scope="col">${t('meetings.item.kind')}</th><th scope="col">${t('meetings.item.status')}</th></tr></thead>`;
  const rows = meeting.envelopes.map((e, i) => agendaRow(language, e, i, draft && e.status === 'draft'));
  const table = html`<table class="envelopes agenda"><caption>${t('meetings.items')}</caption>${head}<tbody>${rows}</tbody></table>`;
  const agenda = meeting.envelopes.length === 0
    ? html`<p class="empty">${t('meetings.items.none')}</p>`
    : draft && drafts.length
      ? html`<form method="post" action="${path}/agenda" id="meeting-agenda"><input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="count" value="${String(meeting.envelopes.length)}">${table}<p><button type="submit" id="meeting-agenda-save">${t('meetings.saveAgenda')}</button></p></form>`
      : table;
  const routeOptions = view.routes.map((r) => html`<option value="${r.id}"${view.route === r.id ? ' selected' : ''}>${r.name}</option>`);
  const upload = draft
    ? html`<h2 id="upload-heading">${t('meetings.upload')}</h2>
<form method="post" action="${path}/documents" enctype="multipart/form-data" aria-labelledby="upload-heading" id="meeting-upload">
<input type="hidden" name="_csrf" value="${view.csrf}">
<div class="field"><label for="meeting-files">${t('meetings.upload.files')}</label><input type="file" id="meeting-files" name="documents" accept="application/pdf,.pdf" multiple required aria-describedby="meeting-files-hint"><p class="hint" id="meeting-files-hint">${t('meetings.upload.hint')}</p></div>
<div class="field"><label for="meeting-route">${t('meetings.upload.route')}</label><select id="meeting-route" name="route" required><option value="">${t('meetings.upload.route.none')}</option>${routeOptions}</select></div>
${view.signers ?? ''}
<div class="field"><label for="meeting-deadline">${t('meetings.upload.deadline')}</label><input type="date" id="meeting-deadline" name="deadline" required min="${view.minDeadline}" value="${view.deadline}"></div>
<p><button type="submit" id="meeting-upload-button">${t('meetings.upload.button')}</button></p>
</form>`
    : '';
  const send = draft && drafts.length
    ? html`<h2 id="send-heading">${t('meetings.send')}</h2>
<form method="post" action="${path}/send" aria-labelledby="send-heading" id="meeting-send">
<input type="hidden" name="_csrf" value="${view.csrf}">
<p>${t('meetings.send.explain', { count: drafts.length })}</p>
<div class="field checkbox"><input type="checkbox" id="meeting-send-confirm" name="confirm" value="ja" required><label for="meeting-send-confirm">${t('meetings.send.confirm')}</label></div>
<p><button type="submit" class="primary" id="meeting-send-button">${t('meetings.send.button')}</button></p>
</form>`
    : '';
  const remind = meeting.status === 'sent' && meeting.envelopes.some((e) => e.status === 'sent' || e.status === 'in_progress')
    ? html`<h2 id="remind-heading">${t('meetings.remind')}</h2>
<form method="post" action="${path}/remind" aria-labelledby="remind-heading" id="meeting-remind">
<input type="hidden" name="_csrf" value="${view.csrf}">
<p>${t('meetings.remind.explain')}</p>
<p><button type="submit" id="meeting-remind-button">${t('meetings.remind.button')}</button></p>
</form>`
    : '';
  const body = html`<p><a href="${MEETINGS_PATH}">${t('meetings.back')}</a></p>
<h1>${meeting.title}</h1>
<p>${meeting.bodyName} · ${followDate(`${meeting.meetingDate}T12:00:00Z`, language)} · ${t(`meetings.status.${meeting.status}`)}</p>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${errors(view.errors)}
${agenda}
${upload}
${send}
${remind}`;
  return { title: meeting.title, body };
}
