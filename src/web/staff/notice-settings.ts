/**
 * The notification addresses on the settings page (issue 12): where the notices of an envelope sent through the
 * API go (it has no staff sender), and the organisation's default language they are written in. A refused
 * address is said at the form, what was typed kept.
 */
import { LANGUAGES, type Language } from '../../domain/person.ts';
import { html, type SafeHtml } from '../html.ts';
import type { StaffCatalogKey } from './i18n.ts';

type T = (key: StaffCatalogKey, values?: Record<string, string | number>) => string;

export interface NoticeFields {
  /** One address a line, as stored or as typed. */
  emails: string;
  language: string;
  max: number;
  /** Why what was typed is refused; nothing was saved. */
  error?: string;
}

export function noticeSection(t: T, csrf: SafeHtml, fields: NoticeFields): SafeHtml {
  const described = fields.error ? 'notice-emails-error notice-emails-help' : 'notice-emails-help';
  const option = (language: Language) => html`<option value="${language}"${language === fields.language ? html` selected` : ''}>${t(`people.languageName.${language}`)}</option>`;
  return html`<h2 id="notices">${t('settings.notices')}</h2>
<p id="notices-intro">${t('settings.noticesIntro')}</p>
<form method="post" action="/app/settings/notices" class="stacked">${csrf}
${fields.error ? html`<p class="alert" role="alert" id="notice-emails-error">${fields.error}</p>` : ''}
<div class="field"><label for="notice-emails">${t('settings.noticeEmails')}</label><textarea id="notice-emails" name="noticeEmails" rows="${String(fields.max)}" cols="40" autocomplete="off" spellcheck="false" aria-describedby="${described}"${fields.error ? html` aria-invalid="true"` : ''}>${fields.emails}</textarea>
<p class="hint" id="notice-emails-help">${t('settings.noticeEmailsHelp', { max: fields.max })}</p></div>
<div class="field"><label for="notice-language">${t('settings.noticeLanguage')}</label><select id="notice-language" name="defaultLanguage" aria-describedby="notice-language-help">${LANGUAGES.map(option)}</select>
<p class="hint" id="notice-language-help">${t('settings.noticeLanguageHelp')}</p></div>
<button type="submit">${t('form.save')}</button></form>`;
}
