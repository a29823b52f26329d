/**
 * The frame of every staff page (issue 5): `lang`, a skip link, the organisation (and its logo)
 * in the header, the navigation, a logout form, the language switch, a main landmark, a footer,
 * one stylesheet from our own origin. No inline scripts or styles: the strict CSP holds.
 */
import { html, SafeHtml } from '../html.ts';
import type { Language } from '../../notify/index.ts';
import { staffTranslator } from './i18n.ts';
import { mandateTranslator } from './mandate-i18n.ts';

export const STAFF_STYLESHEET_PATH = '/assets/staff.css';
export const STAFF_LANGUAGE_COOKIE = 'paraaf_lang';

/** Who is logged in (src/http/staff/session.ts fills it). */
export interface StaffPrincipal {
  userId: string;
  organisationId: string;
  organisationName: string;
  role: 'admin' | 'staff';
  name: string;
  email: string;
  /** SHA-256 of the session cookie value (the sessions row id). */
  sessionId: string;
  /** True when the organisation has a logo (served at /app/logo). Optional for principals built elsewhere. */
  hasLogo?: boolean;
  /** The password was chosen by someone else (the CLI): every page leads to /app/password/change first. */
  mustChangePassword?: boolean;
  /** Unread notifications (issue 12): the badge in the header. */
  unreadNotifications?: number;
  /** The user's own language (issue 12): the app's once logged in, unless a language link was just followed. */
  language?: Language;
}

export type StaffSection = 'dashboard' | 'send' | 'meetings' | 'mandates' | 'people' | 'users' | 'settings' | 'notifications';

export interface StaffLayoutOptions {
  lang: Language;
  staff: StaffPrincipal | null;
  title: string;
  active?: StaffSection;
  /** Already-escaped html (a string, or the output of an `html` template). */
  body: string | SafeHtml;
  /** The CSRF token for the logout form; without it no logout button is shown. */
  csrf?: string;
}

const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { nl: 'Nederlands', en: 'English', fr: 'Français' };
const LANGUAGES: readonly Language[] = ['nl', 'en', 'fr'];

export function staffLayout(options: StaffLayoutOptions): string {
  const t = staffTranslator(options.lang);
  const staff = options.staff;
  const navItem = (section: StaffSection, href: string, label: string) =>
    options.active === section ? html`<li><a href="${href}" aria-current="page">${label}</a></li>` : html`<li><a href="${href}">${label}</a></li>`;
  const nav = staff
    ? html`<nav class="staff-nav" aria-label="${t('nav.label')}"><ul>
${navItem('dashboard', '/app', t('nav.dashboard'))}
${navItem('send', '/app/send', t('nav.send'))}
${navItem('meetings', '/app/meetings', t('nav.meetings'))}
${navItem('mandates', '/app/functions', mandateTranslator(options.lang)('mandates.nav'))}
${navItem('people', '/app/people', t('nav.people'))}
${staff.role === 'admin' ? navItem('users', '/app/users', t('nav.users')) : ''}
${staff.role === 'admin' ? navItem('settings', '/app/settings', t('nav.settings')) : ''}
</ul></nav>`
    : '';
  const unread = staff?.unreadNotifications ?? 0;
  // The badge (issue 12): a link whose name says how many are new; the number is shown, the words are for screen readers.
  const notifications = staff
    ? html`<a href="/app/notifications" class="notifications-link"${options.active === 'notifications' ? html` aria-current="page"` : ''}${unread > 0 ? html` aria-label="${t('nav.notificationsUnread', { count: unread })}"` : ''}>${t('nav.notifications')}${unread > 0 ? html` <span class="badge" aria-hidden="true">${unread > 99 ? '99+' : String(unread)}</span>` : ''}</a>`
    : '';
  const account = staff
    ? html`<div class="account">${notifications}<span>${t('nav.signedInAs', { name: staff.name })}</span>
${options.csrf ? html`<form method="post" action="/app/logout" class="logout"><input type="hidden" name="_csrf" value="${options.csrf}"><button type="submit">${t('nav.logout')}</button></form>` : ''}</div>`
    : '';
  // The language links point at the current page with `?lang=` (the cookie) and `remember=1`: for a logged-in
  // user the choice becomes their own (issue 12, src/http/staff/session.ts), where a bare `?lang=` is one view.
  const languages = html`<nav class="languages" aria-label="${t('page.language')}"><ul>${LANGUAGES.map((language) =>
    language === options.lang
      ? html`<li><span aria-current="true" lang="${language}">${LANGUAGE_NAMES[language]}</span></li>`
      : html`<li><a href="?lang=${language}&amp;remember=1" lang="${language}" hreflang="${language}">${LANGUAGE_NAMES[language]}</a></li>`,
  )}</ul></nav>`;
  const organisation = staff
    ? html`<p class="organisation">${staff.hasLogo ? html`<img src="/app/logo" alt="${t('settings.logoAlt', { organisation: staff.organisationName })}" class="logo"> ` : ''}<span>${staff.organisationName}</span></p>`
    : html`<p class="organisation"><span>Paraaf</span></p>`;
  const page = html`<!doctype html>
<html lang="${options.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${options.title}${staff ? ` – ${staff.organisationName}` : ' – Paraaf'}</title>
<link rel="stylesheet" href="${STAFF_STYLESHEET_PATH}">
</head>
<body>
<a class="skip-link" href="#main">${t('page.skip')}</a>
<header class="staff-header">
<div class="bar">${organisation}${account}${languages}</div>
${nav}
</header>
<main id="main" tabindex="-1">
${typeof options.body === 'string' ? new SafeHtml(options.body) : options.body}
</main>
<footer class="staff-footer"><p>${t('page.footer')}</p></footer>
</body>
</html>
`;
  return page.value;
}

/** A page that only tells something (errors, notices). */
export function staffMessagePage(options: { lang: Language; staff: StaffPrincipal | null; title: string; paragraphs: string[]; back?: string; csrf?: string }): string {
  const t = staffTranslator(options.lang);
  const body = html`<h1>${options.title}</h1>
${options.paragraphs.map((p) => html`<p>${p}</p>`)}
${options.back ? html`<p><a href="${options.back}">${t('error.back')}</a></p>` : ''}`;
  return staffLayout({ lang: options.lang, staff: options.staff, title: options.title, body: body.value, csrf: options.csrf });
}
