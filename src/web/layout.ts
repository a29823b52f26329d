/**
 * The frame of every signer page: `lang`, a skip link, the organisation as a heading line, a
 * language switch that works without JavaScript, one stylesheet from our own origin. No inline
 * scripts or styles, so the strict CSP in src/http/app.ts holds.
 */
import { SCRIPT_PATH } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import { LANGUAGES, type Language, type Translate } from './i18n/index.ts';

export const STYLESHEET_PATH = '/assets/signer.css';

const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { nl: 'Nederlands', en: 'English', fr: 'Français' };

export interface PageContext {
  language: Language;
  t: Translate;
  /** The page the language links point at (`?lang=` is added): a GET route, never a form action. */
  languagePath: string;
}

export interface LayoutOptions {
  title: string;
  organisationName?: string | null;
  /** Where the organisation's logo is served (`/s/<token>/logo`), when it has one; shown in the header with the name as alt text. */
  logoPath?: string | null;
  body: SafeHtml;
}

function languageSwitch(ctx: PageContext): SafeHtml {
  const items = LANGUAGES.map((language) =>
    language === ctx.language
      ? html`<li><span aria-current="true" lang="${language}">${LANGUAGE_NAMES[language]}</span></li>`
      : html`<li><a href="${ctx.languagePath}?lang=${language}" lang="${language}" hreflang="${language}">${LANGUAGE_NAMES[language]}</a></li>`,
  );
  return html`<nav class="languages" aria-label="${ctx.t('page.language')}"><ul>${items}</ul></nav>`;
}

export function layout(ctx: PageContext, options: LayoutOptions): string {
  const page = html`<!doctype html>
<html lang="${ctx.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${options.title}${options.organisationName ? ` – ${options.organisationName}` : ''}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<script type="module" src="${SCRIPT_PATH}"></script>
</head>
<body>
<a class="skip-link" href="#main">${ctx.t('page.skip')}</a>
<header class="site-header">
<p class="organisation">${options.logoPath && options.organisationName ? html`<img src="${options.logoPath}" alt="${options.organisationName}" class="logo"> ` : ''}${options.organisationName ?? 'Paraaf'}</p>
${languageSwitch(ctx)}
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
<footer class="site-footer"><p>${ctx.t('page.personal')}</p></footer>
</body>
</html>
`;
  return page.value;
}

/** A page that only tells something: errors, link states. */
export function messagePage(ctx: PageContext, options: { title: string; paragraphs: string[]; organisationName?: string | null; logoPath?: string | null; back?: string }): string {
  const body = html`<h1>${options.title}</h1>
${options.paragraphs.map((p) => html`<p>${p}</p>`)}
${options.back ? html`<p><a href="${options.back}">${ctx.t('error.back')}</a></p>` : ''}`;
  return layout(ctx, { title: options.title, organisationName: options.organisationName, logoPath: options.logoPath, body });
}
