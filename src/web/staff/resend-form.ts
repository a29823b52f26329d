/**
 * "Correct and resend" on a declined envelope's page (issue 12): the decline's reason, the declining
 * recipient's name and address to correct, a corrected PDF for any of the documents, one button that
 * sends the same envelope again. Multipart, so the files and the CSRF token travel together.
 */
import { html, type SafeHtml } from '../html.ts';
import type { Language } from '../i18n/index.ts';
import type { EnvelopeDto } from '../../workflow/index.ts';
import { followTranslator } from './follow-i18n.ts';
import { staffTranslator } from './i18n.ts';

/** The form field that carries a corrected file for `documentId` (src/http/routes/staff/follow.ts reads it). */
export function correctedDocumentField(documentId: string): string {
  return `document-${documentId}`;
}

export function resendSection(language: Language, csrf: string, envelope: EnvelopeDto): SafeHtml {
  const t = staffTranslator(language);
  const f = followTranslator(language);
  const declined = envelope.recipients.find((r) => r.status === 'declined');
  if (!declined) return html``;
  const files = envelope.documents.map((d, i) => {
    const id = `resend-document-${i + 1}`;
    return html`<div class="field"><label for="${id}">${f('resend.documents.file', { document: d.name })}</label><input type="file" id="${id}" name="${correctedDocumentField(d.id)}" accept="application/pdf,.pdf" aria-describedby="resend-documents-hint"></div>`;
  });
  return html`<section aria-labelledby="resend-title">
<h2 id="resend-title">${t('resend.title')}</h2>
<p id="resend-hint" class="hint">${t('resend.hint', { name: declined.name })}</p>
<form method="post" enctype="multipart/form-data" action="/app/envelopes/${envelope.id}/resend" class="stacked">
<input type="hidden" name="_csrf" value="${csrf}">
<div class="field"><label for="resend-name">${t('resend.name')}</label><input type="text" id="resend-name" name="name" required maxlength="200" value="${declined.name}"></div>
<div class="field"><label for="resend-email">${t('resend.email')}</label><input type="email" id="resend-email" name="email" required maxlength="320" value="${declined.email}"></div>
<fieldset><legend>${f('resend.documents.legend')}</legend>
<p id="resend-documents-hint" class="hint">${f('resend.documents.hint')}</p>
${files}
</fieldset>
<p><button type="submit" aria-describedby="resend-hint">${t('resend.submit')}</button></p>
</form>
</section>`;
}

/** Why a resend was refused, in the page's language: a corrected file named, or a placement lost; the service's words after it. */
export function resendRefusal(language: Language, error: { code: string; message: string; extensions?: Record<string, unknown> }): string {
  const f = followTranslator(language);
  const file = typeof error.extensions?.file === 'string' ? error.extensions.file : null;
  if (file && error.code.startsWith('pdf_')) return f('resend.refused.file', { file, detail: error.message });
  if (error.code === 'placement_invalid') return f('resend.refused.placement', { detail: error.message });
  return error.message;
}
