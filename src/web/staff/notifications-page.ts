/** The staff member's notifications (issue 12): newest first, new ones marked, each with its envelope. */
import { html, type SafeHtml } from '../html.ts';
import type { Language } from '../i18n/index.ts';
import type { StaffNotification } from '../../workflow/index.ts';
import { followDateTime } from './follow-i18n.ts';
import { staffTranslator } from './i18n.ts';

function text(t: ReturnType<typeof staffTranslator>, n: StaffNotification): string {
  const d = n.details as { title?: string; declinedBy?: string; reason?: string; email?: string };
  const values = { title: d.title ?? '', name: d.declinedBy ?? '', reason: d.reason ?? '', email: d.email ?? '' };
  return t(`notifications.${n.kind}`, values);
}

export function notificationsBody(language: Language, notifications: readonly StaffNotification[]): { title: string; body: SafeHtml } {
  const t = staffTranslator(language);
  const items = notifications.map(
    (n) => html`<li${n.readAt === null ? html` class="unread"` : ''}>${n.readAt === null ? html`<span class="badge">${t('notifications.new')}</span> ` : ''}${text(t, n)}
<time datetime="${n.createdAt}">${followDateTime(n.createdAt, language)}</time>
${n.envelopeId ? html`<a href="/app/envelopes/${n.envelopeId}">${t('notifications.open')}<span class="visually-hidden">: ${String((n.details as { title?: string }).title ?? '')}</span></a>` : ''}</li>`,
  );
  const body = html`<h1>${t('notifications.title')}</h1>
<p>${t('notifications.intro')}</p>
${notifications.length === 0 ? html`<p>${t('notifications.none')}</p>` : html`<ul class="notification-list">${items}</ul>`}`;
  return { title: t('notifications.title'), body };
}
