/**
 * "Correct and resend" on a declined envelope's page (issue 12): the decline's reason, the declining
 * recipient's name and address to correct, one button that sends the same envelope again.
 */
import { html, type SafeHtml } from '../html.ts';
import type { Language } from '../i18n/index.ts';
import type { EnvelopeDto } from '../../workflow/index.ts';
import { staffTranslator } from './i18n.ts';

export function resendSection(language: Language, csrf: string, envelope: EnvelopeDto): SafeHtml {
  const t = staffTranslator(language);
  const declined = envelope.recipients.find((r) => r.status === 'declined');
  if (!declined) return html``;
  return html`<section aria-labelledby="resend-title">
<h2 id="resend-title">${t('resend.title')}</h2>
<p id="resend-hint" class="hint">${t('resend.hint', { name: declined.name })}</p>
<form method="post" action="/app/envelopes/${envelope.id}/resend" class="stacked">
<input type="hidden" name="_csrf" value="${csrf}">
<div class="field"><label for="resend-name">${t('resend.name')}</label><input type="text" id="resend-name" name="name" required maxlength="200" value="${declined.name}"></div>
<div class="field"><label for="resend-email">${t('resend.email')}</label><input type="email" id="resend-email" name="email" required maxlength="320" value="${declined.email}"></div>
<p><button type="submit" aria-describedby="resend-hint">${t('resend.submit')}</button></p>
</form>
</section>`;
}
