/**
 * Bodies of the staff follow-up pages (issue 5): the dashboard (`/app`), the envelope page with
 * its timeline, recipients, failed mails, actions and downloads, and the cancel confirmation.
 * Server-rendered, every value escaped by `html`, no inline script or style (strict CSP); every
 * form posts with the session's CSRF token. The frame (header, navigation) is staffLayout's.
 */
import { ENVELOPE_STATUSES, isFinal } from '../../domain/envelope-state.ts';
import { computeRouting } from '../../domain/routing.ts';
import type { AuditEventRecord } from '../../store/audit-event-repository.ts';
import type { DashboardPage, EnvelopeDto, EnvelopeMail, MeetingDto, RecipientDto } from '../../workflow/index.ts';
import { CORRECTABLE_RECIPIENT_STATUSES } from '../../workflow/index.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Language } from '../i18n/index.ts';
import { staffTranslator } from './i18n.ts';
import { meetingItemLabel, meetingTranslator } from './meeting-i18n.ts';
import { resendSection } from './resend-form.ts';
import { followDate, followDateTime, followNl, followTranslator, type FollowCatalogKey, type FollowTranslate } from './follow-i18n.ts';
import { timelineItems } from './timeline.ts';

export const APP_PATH = '/app';

export function envelopePath(id: string): string {
  return `${APP_PATH}/envelopes/${encodeURIComponent(id)}`;
}

export interface DashboardFilters {
  q: string;
  status: string;
  signer: string;
  /** The decision body (signing route name) it was sent with. */
  body: string;
  from: string;
  to: string;
  /** Only the items of this meeting (issue 12): the id behind a row's meeting label. */
  meeting: string;
}

export const NO_FILTERS: DashboardFilters = { q: '', status: '', signer: '', body: '', from: '', to: '', meeting: '' };

function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

function time(iso: string, language: Language, text: string = followDateTime(iso, language)): SafeHtml {
  return html`<time datetime="${iso}">${text}</time>`;
}

function statusLabel(t: FollowTranslate, status: string): string {
  return t(`status.${status}` as FollowCatalogKey);
}

function recipientStatusLabel(t: FollowTranslate, status: string): string {
  return t(`recipientStatus.${status}` as FollowCatalogKey);
}

function filterQuery(filters: DashboardFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface DashboardView {
  language: Language;
  filters: DashboardFilters;
  page: DashboardPage;
  /** Set when the filters could not be applied. */
  error?: string;
  /** The decision bodies envelopes were sent with: the body filter's options. */
  bodies?: readonly string[];
  /** The current page's cursor (for the "first page" link). */
  cursor?: string;
  /** How many envelopes "Versturen" just sent (`?sent=N`, issue 12): a confirmation banner. */
  sent?: number;
  /** The meetings of the rows shown (and of the meeting filter), by id: each row names its meeting and agenda item. */
  meetings?: ReadonlyMap<string, Pick<MeetingDto, 'id' | 'body' | 'bodyLabel' | 'meetingDate'>>;
}

/** "Gemeenteraad 3 dec. 2026 – punt 3", a link showing only that meeting's items. */
function meetingLink(view: DashboardView, envelope: EnvelopeDto): SafeHtml | '' {
  const meeting = envelope.meetingId ? view.meetings?.get(envelope.meetingId) : undefined;
  if (!meeting) return '';
  return html`<br><a class="meeting-label" href="${APP_PATH}?meeting=${encodeURIComponent(meeting.id)}">${meetingItemLabel(view.language, meeting, envelope.agendaItem)}</a>`;
}

export function dashboardBody(view: DashboardView): { title: string; body: SafeHtml } {
  const { language, filters, page } = view;
  const t = followTranslator(language);
  const filtered = Object.values(filters).some((v) => v !== '');
  const statusOptions = ENVELOPE_STATUSES.map((status) => html`<option value="${status}"${status === filters.status ? html` selected` : ''}>${statusLabel(t, status)}</option>`);
  const bodies = [...(view.bodies ?? [])];
  if (filters.body && !bodies.includes(filters.body)) bodies.push(filters.body);
  const bodyOptions = bodies.map((body) => html`<option value="${body}"${body === filters.body ? html` selected` : ''}>${body}</option>`);
  const rows = page.items.map(({ envelope, waitingFor }) => {
    const waiting = waitingFor.length > 0 ? waitingFor.map((r, i) => html`${i > 0 ? ', ' : ''}${r.name}`) : t('waiting.nobody');
    return html`<tr>
<th scope="row"><a href="${envelopePath(envelope.id)}">${envelope.title}</a>${meetingLink(view, envelope)}</th>
<td data-label="${t('column.status')}"><span class="status status-${envelope.status}">${statusLabel(t, envelope.status)}</span></td>
<td data-label="${t('column.body')}">${envelope.routeName ?? '—'}</td>
<td data-label="${t('column.waiting')}">${waiting}</td>
<td data-label="${t('column.deadline')}">${envelope.expiresAt ? time(envelope.expiresAt, language, followDate(envelope.expiresAt, language)) : '—'}</td>
<td data-label="${t('column.created')}">${time(envelope.createdAt, language, followDate(envelope.createdAt, language))}</td>
</tr>`;
  });
  const filterMeeting = filters.meeting ? view.meetings?.get(filters.meeting) : undefined;
  const meetingFilter = filters.meeting
    ? html`<p class="meeting-filter"><input type="hidden" name="meeting" value="${filters.meeting}">${filterMeeting ? meetingTranslator(language)('meetings.filter', { meeting: meetingItemLabel(language, filterMeeting, null) }) : ''} <a href="${APP_PATH}${filterQuery({ ...filters, meeting: '' })}">${meetingTranslator(language)('meetings.filter.all')}</a></p>`
    : '';
  const sent = view.sent ?? 0;
  const banner = sent > 0 ? html`<p class="notice" role="status">${staffTranslator(language)(sent === 1 ? 'sent.banner.one' : 'sent.banner.other', { count: sent })}</p>` : '';
  const body = html`<h1>${t('dashboard.title')}</h1>
${banner}
<p>${t('dashboard.intro')}</p>
<form class="filters" method="get" action="${APP_PATH}" role="search">
<fieldset>
<legend>${t('filter.legend')}</legend>
${meetingFilter}
<p><label for="filter-q">${t('filter.search')}</label> <input type="search" id="filter-q" name="q" value="${filters.q}" maxlength="200"></p>
<p><label for="filter-status">${t('filter.status')}</label> <select id="filter-status" name="status"><option value="">${t('filter.status.any')}</option>${statusOptions}</select></p>
<p><label for="filter-body">${t('filter.body')}</label> <select id="filter-body" name="body"><option value="">${t('filter.body.any')}</option>${bodyOptions}</select></p>
<p><label for="filter-signer">${t('filter.signer')}</label> <input type="text" id="filter-signer" name="signer" value="${filters.signer}" maxlength="200" autocomplete="off"></p>
<p><label for="filter-from">${t('filter.from')}</label> <input type="date" id="filter-from" name="from" value="${filters.from}"></p>
<p><label for="filter-to">${t('filter.to')}</label> <input type="date" id="filter-to" name="to" value="${filters.to}"></p>
<p><button type="submit">${t('filter.apply')}</button>${filtered ? html` <a href="${APP_PATH}">${t('filter.reset')}</a>` : ''}</p>
</fieldset>
</form>
${view.error ? html`<p class="error" role="alert">${t('filter.invalid', { detail: view.error })}</p>` : ''}
${
  page.items.length === 0
    ? html`<p class="empty">${t('dashboard.empty')}</p>`
    : html`<table class="envelopes">
<caption>${filtered ? t('dashboard.captionFiltered') : t('dashboard.caption')}</caption>
<thead><tr><th scope="col">${t('column.title')}</th><th scope="col">${t('column.status')}</th><th scope="col">${t('column.body')}</th><th scope="col">${t('column.waiting')}</th><th scope="col">${t('column.deadline')}</th><th scope="col">${t('column.created')}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}
<nav class="pagination" aria-label="${t('dashboard.caption')}">
${view.cursor ? html`<a href="${APP_PATH}${filterQuery(filters)}">${t('dashboard.first')}</a> ` : ''}
${page.nextCursor ? html`<a href="${APP_PATH}${filterQuery(filters, { cursor: page.nextCursor })}" rel="next">${t('dashboard.more')}</a>` : ''}
</nav>`;
  return { title: t('dashboard.title'), body };
}

export type Notice = 'reminded' | 'cancelled' | 'corrected' | 'correctedMailed' | 'retried' | 'resent';
export const NOTICES: readonly Notice[] = ['reminded', 'cancelled', 'corrected', 'correctedMailed', 'retried', 'resent'];

export interface EnvelopeView {
  language: Language;
  csrf: string;
  envelope: EnvelopeDto;
  events: AuditEventRecord[];
  mails: EnvelopeMail[];
  notice?: Notice;
  /** A problem with a posted form, shown at the top. */
  error?: string;
  /** The recipient whose e-mail form had the problem (its form stays open). */
  errorRecipientId?: string;
}

function recipientRows(view: EnvelopeView, t: FollowTranslate): SafeHtml[] {
  const { envelope, language, csrf } = view;
  const open = !isFinal(envelope.status);
  const active = new Set(envelope.status === 'sent' || envelope.status === 'in_progress' ? computeRouting(envelope.recipients).active.map((r) => r.id) : []);
  return [...envelope.recipients]
    .sort((a, b) => a.routingOrder - b.routingOrder || a.position - b.position)
    .map((r) => {
      const since = r.completedAt ?? r.declinedAt ?? r.openedAt ?? r.sentAt;
      const correctable = open && CORRECTABLE_RECIPIENT_STATUSES.includes(r.status);
      const fieldId = `email-${r.id}`;
      const correct = correctable
        ? html`<details class="correct-email"${view.errorRecipientId === r.id ? html` open` : ''}>
<summary>${t('correct.summary', { name: r.name })}</summary>
<form method="post" action="${envelopePath(envelope.id)}/recipients/${r.id}/email">
${csrfField(csrf)}
<p><label for="${fieldId}">${t('correct.label', { name: r.name })}</label>
<input type="email" id="${fieldId}" name="email" required maxlength="320" autocomplete="off" aria-describedby="${fieldId}-hint"></p>
<p id="${fieldId}-hint" class="hint">${t('correct.hint')}</p>
<p><button type="submit">${t('correct.submit')}</button></p>
</form>
</details>`
        : '';
      return html`<tr>
<td data-label="${t('recipients.order')}">${r.routingOrder}</td>
<th scope="row">${r.name}${r.function ? html`<br><span class="function">${r.function}</span>` : ''}</th>
<td data-label="${t('recipients.email')}">${r.email}${correct}</td>
<td data-label="${t('recipients.role')}">${t(`role.${r.role}` as FollowCatalogKey)}</td>
<td data-label="${t('recipients.status')}">${recipientStatusLabel(t, r.status)}${active.has(r.id) ? html` <strong>(${t('recipients.waiting')})</strong>` : ''}${r.declineReason ? html`<br>${r.declineReason}` : ''}</td>
<td data-label="${t('recipients.since')}">${since ? time(since, language) : '—'}</td>
</tr>`;
    });
}

export function envelopeBody(view: EnvelopeView): { title: string; body: SafeHtml } {
  const { envelope, language, csrf } = view;
  const t = followTranslator(language);
  const base = envelopePath(envelope.id);
  const open = envelope.status === 'sent' || envelope.status === 'in_progress';
  const cancellable = envelope.status === 'draft' || open;
  const closed = isFinal(envelope.status);
  const failed = view.mails.filter((m) => m.failed);

  const timeline = timelineItems(t, language, view.events, envelope);
  const mailRows = failed.map(
    (m) => html`<tr>
<th scope="row">${m.to}</th>
<td data-label="${t('mails.kind')}">${t(`mail.${m.mail}` as FollowCatalogKey)}</td>
<td data-label="${t('mails.attempts')}">${m.attempts} (${m.uncertain ? t('mails.uncertain') : m.status === 'dead' ? t('mails.dead') : t('mails.pending')})</td>
<td data-label="${t('mails.error')}">${m.uncertain ? t('mails.uncertainError') : (m.lastError ?? '')}</td>
<td><form method="post" action="${base}/mails/${m.outboxId}/retry">${csrfField(csrf)}<button type="submit" aria-label="${t('mails.retryLabel', { email: m.to })}">${t('mails.retry')}</button></form></td>
</tr>`,
  );
  const documents = envelope.documents.map((d) => {
    const current = envelope.status === 'completed' ? t('downloads.signed', { name: d.name }) : t('downloads.current', { name: d.name });
    return html`<li><a href="${base}/documents/${d.id}" download>${current}</a></li>
<li><a href="${base}/documents/${d.id}/original" download>${t('downloads.original', { name: d.name })}</a></li>`;
  });

  const body = html`<p><a href="${APP_PATH}">${t('envelope.back')}</a></p>
<h1>${envelope.title}</h1>
${view.notice ? html`<p class="notice" role="status">${t(`notice.${view.notice}`)}</p>` : ''}
${view.error ? html`<p class="error" role="alert">${t('error.invalid', { detail: view.error })}</p>` : ''}
<ul class="summary">
<li>${t('envelope.status', { status: statusLabel(t, envelope.status) })}</li>
${envelope.routeName ? html`<li>${t('envelope.body', { body: envelope.routeName })}</li>` : ''}
${envelope.expiresAt ? html`<li>${t('envelope.deadline', { date: followDateTime(envelope.expiresAt, language) })}</li>` : ''}
<li>${t('envelope.created', { date: followDateTime(envelope.createdAt, language) })}</li>
${envelope.cancelReason ? html`<li>${t('envelope.cancelReason', { reason: envelope.cancelReason })}</li>` : ''}
</ul>
${envelope.message ? html`<h2>${t('envelope.message')}</h2><p class="message">${envelope.message}</p>` : ''}
${
  cancellable
    ? html`<section aria-labelledby="actions-title">
<h2 id="actions-title">${t('actions.title')}</h2>
${
  open
    ? html`<form method="post" action="${base}/remind">${csrfField(csrf)}<p><button type="submit" aria-describedby="remind-hint">${t('actions.remind')}</button> <span id="remind-hint" class="hint">${t('actions.remindHint')}</span></p></form>`
    : ''
}
<p><a href="${base}/cancel" class="danger">${t('actions.cancel')}</a></p>
</section>`
    : ''
}
${envelope.status === 'declined' ? resendSection(language, csrf, envelope) : ''}
<section aria-labelledby="recipients-title">
<h2 id="recipients-title">${t('recipients.title')}</h2>
<table class="recipients cards">
<caption>${t('recipients.caption')}</caption>
<thead><tr><th scope="col">${t('recipients.order')}</th><th scope="col">${t('recipients.name')}</th><th scope="col">${t('recipients.email')}</th><th scope="col">${t('recipients.role')}</th><th scope="col">${t('recipients.status')}</th><th scope="col">${t('recipients.since')}</th></tr></thead>
<tbody>
${recipientRows(view, t)}
</tbody>
</table>
</section>
${
  failed.length > 0
    ? html`<section aria-labelledby="mails-title">
<h2 id="mails-title">${t('mails.title')}</h2>
<table class="failed-mails cards">
<caption>${t('mails.caption')}</caption>
<thead><tr><th scope="col">${t('mails.to')}</th><th scope="col">${t('mails.kind')}</th><th scope="col">${t('mails.attempts')}</th><th scope="col">${t('mails.error')}</th><th scope="col">${t('mails.action')}</th></tr></thead>
<tbody>
${mailRows}
</tbody>
</table>
</section>`
    : ''
}
<section aria-labelledby="downloads-title">
<h2 id="downloads-title">${t('downloads.title')}</h2>
<ul class="downloads">
${documents}
${
  closed
    ? html`<li><a href="${base}/audit-report?lang=${language}" download>${t('downloads.report')}</a></li>
<li><a href="${base}/bundle?lang=${language}" download>${t('downloads.bundle')}</a></li>`
    : ''
}
</ul>
${closed ? '' : html`<p class="hint">${t('downloads.reportLater')}</p>`}
</section>
<section aria-labelledby="timeline-title">
<h2 id="timeline-title">${t('timeline.title')}</h2>
${view.events.length > 0 ? html`<ol class="timeline">${timeline}</ol>` : html`<p>${t('timeline.empty')}</p>`}
</section>`;
  return { title: envelope.title, body };
}

export function cancelBody(view: { language: Language; csrf: string; envelope: EnvelopeDto; error?: string }): { title: string; body: SafeHtml } {
  const t = followTranslator(view.language);
  const base = envelopePath(view.envelope.id);
  const body = html`<p><a href="${base}">${t('cancel.back')}</a></p>
<h1>${t('cancel.heading', { title: view.envelope.title })}</h1>
${view.error ? html`<p class="error" role="alert" id="cancel-error">${t('error.invalid', { detail: view.error })}</p>` : ''}
<p>${t('cancel.intro')}</p>
<form method="post" action="${base}/cancel">
${csrfField(view.csrf)}
<p><label for="reason">${t('cancel.reason')}</label><br>
<textarea id="reason" name="reason" rows="4" cols="60" maxlength="2000" required${view.error ? html` aria-describedby="cancel-error" aria-invalid="true"` : ''}></textarea></p>
<p><button type="submit" class="danger">${t('cancel.confirm')}</button> <a href="${base}">${t('cancel.back')}</a></p>
</form>`;
  return { title: t('cancel.title'), body };
}

export function followErrorBody(language: Language, kind: 'notFound' | 'conflict', back?: string): { title: string; body: SafeHtml } {
  const t = followTranslator(language);
  const title = t(kind === 'notFound' ? 'error.notFound.title' : 'error.conflict.title');
  const body = html`<h1>${title}</h1>
<p>${t(kind === 'notFound' ? 'error.notFound.text' : 'error.conflict.text')}</p>
<p><a href="${back ?? APP_PATH}">${back ? t('error.back') : t('envelope.back')}</a></p>`;
  return { title, body };
}
