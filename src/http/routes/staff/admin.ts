/**
 * The admin pages of the staff app (issue 5): users (invite with a set-password mail, change a
 * colleague's role and language, deactivate, reactivate), the directory of people (search, add,
 * edit, deactivate, CSV import with a report per line), and the organisation settings (name, logo,
 * default expiry, mailed code, signing-route templates in `organisations.settings.routes`). Every
 * query is scoped to the staff member's organisation: another organisation's id is simply not found
 * (404). Every change is an audit event.
 */
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import type { Deps } from '../../../deps.ts';
import { AppError, ValidationError } from '../../../errors.ts';
import { parsePeopleCsv } from '../../../cli/people.ts';
import { isLanguage, LANGUAGES, normaliseEmail, validatePerson, type Language } from '../../../domain/person.ts';
import { SIGNATURE_LEVELS, type SignatureLevel } from '../../../domain/routing.ts';
import { mailLogoOf, organisationOf, peopleOf, personOf, staffUserOf, staffUsersOf, USER_ROLES, type Person, type UpsertOutcome, type User, type UserRole } from '../../../workflow/staff-directory.ts';
import {
  addPerson,
  changeStaffUser,
  deactivateDirectoryPerson,
  deactivateStaffUser,
  deleteSigningRoute,
  editPerson,
  importPeople,
  inviteStaffUser,
  reactivateStaffUser,
  ROUTE_ROLES,
  routesOf,
  saveSigningRoute,
  updateOrganisationSettings,
  type RouteRole,
  type SigningRoute,
  type StaffRequest,
} from '../../../workflow/index.ts';
import { html } from '../../../web/index.ts';
import { passwordLinkUrl, passwordMail } from '../../../web/staff/mails.ts';
import { reminderFields, reminderSettings } from '../../../web/staff/reminder-settings.ts';
import { noticeSection } from '../../../web/staff/notice-settings.ts';
import type { StaffCatalogKey } from '../../../web/staff/i18n.ts';
import { routeFunctionsOf } from '../../../workflow/signing-routes.ts';
import { checkNoticeEmails, MAX_NOTICE_EMAILS, noticeEmailsOf, organisationLanguageOf } from '../../../workflow/update-organisation-settings.ts';
import { staffCsrfToken, verifyStaffCsrf } from '../../staff/csrf.ts';
import { requireAdmin, requireStaff, staffOf } from '../../staff/session.ts';
import { receiveUpload } from '../../upload.ts';
import { field, origin, page, staffActor, tOf } from './common.ts';

export const MAX_LOGO_BYTES = 200 * 1024;
const MAX_CSV_BYTES = 2 * 1024 * 1024;
const MAX_ROUTE_STEPS = 10;
/** The value of a route step's select naming a function rather than a person (issue 12). */
const FUNCTION_STEP = 'function:';
export { ROUTE_ROLES, routesOf, type RouteRole, type SigningRoute };

const notFound = () => new AppError('not_found', 404, 'Not found in this organisation.');

export function registerAdminRoutes(router: Router, deps: Deps): void {
  const admin = Router();
  admin.use(requireStaff(deps), requireAdmin, verifyStaffCsrf(deps));
  const now = () => deps.clock();
  const org = async (res: Response) => (await organisationOf(deps.workflow, staffOf(res).organisationId)) ?? (() => { throw notFound(); })();
  const csrf = (res: Response) => html`<input type="hidden" name="_csrf" value="${staffCsrfToken(deps, res)}">`;
  const notice = (text?: string) => (text ? html`<p class="notice" role="status">${text}</p>` : '');
  const alert = (text?: string) => (text ? html`<p class="alert" role="alert">${text}</p>` : '');
  const staffRequest = (req: Request, res: Response): StaffRequest => ({ organisationId: staffOf(res).organisationId, actor: staffActor(res), origin: origin(req) });

  // ---- users ----
  const usersPage = async (req: Request, res: Response, status: number, state: { notice?: string; error?: string; form?: Record<string, string> } = {}) => {
    const t = tOf(res);
    const staff = staffOf(res);
    const users = await staffUsersOf(deps.workflow, staff.organisationId);
    const statusOf = (u: (typeof users)[number]) =>
      u.disabledAt ? t('users.status.disabled') : u.lockedUntil && Date.parse(u.lockedUntil) > now().getTime() ? t('users.status.locked') : u.hasPassword ? t('users.status.active') : t('users.status.invited');
    const form = state.form ?? {};
    page(deps, res, status, {
      title: state.error ? t('page.errorTitle', { title: t('users.title') }) : t('users.title'),
      active: 'users',
      body: html`<h1>${t('users.title')}</h1>
<p>${t('users.intro')}</p>
${notice(state.notice)}${alert(state.error)}
<table class="cards"><caption class="hint">${t('users.title')}</caption>
<thead><tr><th scope="col">${t('users.name')}</th><th scope="col">${t('users.email')}</th><th scope="col">${t('users.role')}</th><th scope="col">${t('users.language')}</th><th scope="col">${t('users.status')}</th><th scope="col">${t('users.actions')}</th></tr></thead>
<tbody>${users.map(
        (u) => html`<tr><th scope="row">${u.name ?? ''}</th><td data-label="${t('users.email')}">${u.email}</td><td data-label="${t('users.role')}">${t(`users.role.${u.role}`)}</td><td data-label="${t('users.language')}">${t(`people.languageName.${u.language}`)}</td><td data-label="${t('users.status')}">${statusOf(u)}</td><td><a href="/app/users/${u.id}" aria-label="${t('users.editLabel', { email: u.email })}">${t('users.edit')}</a> ${
          u.disabledAt
            ? html`<form method="post" action="/app/users/${u.id}/reactivate" class="inline">${csrf(res)}<button type="submit" class="secondary" aria-label="${t('users.reactivateLabel', { email: u.email })}">${t('users.reactivate')}</button></form>`
            : u.id !== staff.userId
              ? html`<form method="post" action="/app/users/${u.id}/deactivate" class="inline">${csrf(res)}<button type="submit" class="danger" aria-label="${t('users.deactivateLabel', { email: u.email })}">${t('users.deactivate')}</button></form>`
              : ''
        }</td></tr>`,
      )}</tbody></table>
<h2 id="invite">${t('users.add')}</h2>
<form method="post" action="/app/users" class="stacked">${csrf(res)}
<div class="field"><label for="user-name">${t('users.name')}</label><input type="text" id="user-name" name="name" autocomplete="off" maxlength="200" value="${form.name ?? ''}"></div>
<div class="field"><label for="user-email">${t('users.email')} ${t('form.required')}</label><input type="email" id="user-email" name="email" autocomplete="off" required value="${form.email ?? ''}"></div>
<div class="field"><label for="user-role">${t('users.role')}</label><select id="user-role" name="role">
<option value="staff"${form.role === 'admin' ? '' : html` selected`}>${t('users.role.staff')}</option>
<option value="admin"${form.role === 'admin' ? html` selected` : ''}>${t('users.role.admin')}</option></select></div>
<div class="field"><label for="user-language">${t('users.language')}</label><select id="user-language" name="language" aria-describedby="user-language-help">${languageOptions(res, form.language ?? organisationLanguageOf(await org(res)))}</select>
<p class="hint" id="user-language-help">${t('users.languageHelp')}</p></div>
<button type="submit">${t('users.invite')}</button></form>`,
    });
  };

  admin.get('/users', (req, res) => usersPage(req, res, 200, { notice: typeof req.query.notice === 'string' ? req.query.notice.slice(0, 200) : undefined }));

  admin.post('/users', async (req, res) => {
    const t = tOf(res);
    const staff = staffOf(res);
    const form = { name: field(req.body, 'name').trim(), email: field(req.body, 'email').trim(), role: field(req.body, 'role'), language: field(req.body, 'language') };
    const role = form.role === 'admin' ? 'admin' : 'staff';
    const language: Language = isLanguage(form.language) ? form.language : 'nl';
    if (!normaliseEmail(form.email)) return usersPage(req, res, 400, { error: t('users.emailInvalid'), form });
    const organisation = await org(res);
    try {
      await inviteStaffUser(deps.workflow, {
        ...staffRequest(req, res),
        email: form.email,
        role,
        name: form.name || null,
        language,
        mail: (user, token) =>
          passwordMail({
            kind: 'invite',
            // In the new user's language (issue 12), not the inviting admin's.
            lang: user.language,
            to: { name: user.name ?? user.email, email: user.email },
            organisationName: organisation.name,
            inviter: staff.name,
            url: passwordLinkUrl(deps.config.baseUrl, token),
            logo: mailLogoOf(organisation.settings),
          }),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'user_exists') return usersPage(req, res, 409, { error: t('users.exists'), form });
      throw error;
    }
    res.redirect(303, `/app/users?notice=${encodeURIComponent(t('users.invited', { email: normaliseEmail(form.email)! }))}`);
  });

  admin.post('/users/:id/deactivate', async (req, res) => {
    const t = tOf(res);
    let user;
    try {
      user = await deactivateStaffUser(deps.workflow, { ...staffRequest(req, res), userId: String(req.params.id) });
    } catch (error) {
      if (error instanceof AppError && error.code === 'user_is_self') return usersPage(req, res, 409, { error: t('users.notSelf') });
      if (error instanceof AppError && error.code === 'last_admin') return usersPage(req, res, 409, { error: t('users.lastAdmin') });
      throw error;
    }
    res.redirect(303, `/app/users?notice=${encodeURIComponent(t('users.deactivated', { email: user.email }))}`);
  });

  const userOr404 = async (res: Response, id: unknown) => (await staffUserOf(deps.workflow, staffOf(res).organisationId, String(id))) ?? (() => { throw notFound(); })();
  const userPage = async (res: Response, status: number, user: User, error?: string) => {
    const t = tOf(res);
    const self = user.id === staffOf(res).userId;
    const title = t('users.editTitle', { name: user.name ?? user.email });
    page(deps, res, status, {
      title: error ? t('page.errorTitle', { title }) : title,
      active: 'users',
      body: html`<h1>${title}</h1>${user.name ? html`<p>${user.email}</p>` : ''}${alert(error)}
<form method="post" action="/app/users/${user.id}" class="stacked">${csrf(res)}
<div class="field"><label for="user-role">${t('users.role')}</label><select id="user-role" name="role" aria-describedby="user-role-help"${self ? html` disabled` : ''}>
${USER_ROLES.map((r) => html`<option value="${r}"${r === user.role ? html` selected` : ''}>${t(`users.role.${r}`)}</option>`)}</select>
<p class="hint" id="user-role-help">${self ? t('users.ownRole') : t('users.roleHelp')}</p></div>
<div class="field"><label for="user-language">${t('users.language')}</label><select id="user-language" name="language">${languageOptions(res, user.language)}</select></div>
<button type="submit">${t('form.save')}</button></form>
<p><a href="/app/users">${t('error.back')}</a></p>`,
    });
  };

  admin.get('/users/:id', async (req, res) => userPage(res, 200, await userOr404(res, req.params.id)));

  admin.post('/users/:id', async (req, res) => {
    const t = tOf(res);
    const user = await userOr404(res, req.params.id);
    const requested = field(req.body, 'role');
    const language = field(req.body, 'language');
    // One's own role is not in the form (its select is disabled): kept as it is.
    const role = requested === '' && user.id === staffOf(res).userId ? user.role : requested;
    if (!USER_ROLES.includes(role as UserRole) || !isLanguage(language)) return userPage(res, 400, user, t('users.invalid'));
    try {
      await changeStaffUser(deps.workflow, { ...staffRequest(req, res), userId: user.id, role: role as UserRole, language });
    } catch (error) {
      if (error instanceof AppError && error.code === 'own_role') return userPage(res, 409, user, t('users.ownRole'));
      if (error instanceof AppError && error.code === 'last_admin') return userPage(res, 409, user, t('users.lastAdmin'));
      throw error;
    }
    res.redirect(303, `/app/users?notice=${encodeURIComponent(t('users.changed', { email: user.email }))}`);
  });

  admin.post('/users/:id/reactivate', async (req, res) => {
    const t = tOf(res);
    const user = await reactivateStaffUser(deps.workflow, { ...staffRequest(req, res), userId: String(req.params.id) });
    res.redirect(303, `/app/users?notice=${encodeURIComponent(t('users.reactivated', { email: user.email }))}`);
  });

  // ---- people ----
  const languageOptions = (res: Response, selected: string) => {
    const t = tOf(res);
    return LANGUAGES.map((l) => html`<option value="${l}"${l === selected ? html` selected` : ''}>${t(`people.languageName.${l}` as StaffCatalogKey)}</option>`);
  };
  const personForm = (res: Response, action: string, values: Partial<Person>, submit: string) => {
    const t = tOf(res);
    return html`<form method="post" action="${action}" class="stacked">${csrf(res)}
<div class="field"><label for="person-name">${t('people.name')} ${t('form.required')}</label><input type="text" id="person-name" name="name" required maxlength="200" value="${values.name ?? ''}"></div>
<div class="field"><label for="person-email">${t('people.email')} ${t('form.required')}</label><input type="email" id="person-email" name="email" required value="${values.email ?? ''}"></div>
<div class="field"><label for="person-function">${t('people.function')}</label><input type="text" id="person-function" name="function" maxlength="200" value="${values.function ?? ''}"></div>
<div class="field"><label for="person-language">${t('people.language')}</label><select id="person-language" name="language">${languageOptions(res, values.language ?? 'nl')}</select></div>
<button type="submit">${submit}</button></form>`;
  };

  interface ImportReport {
    counts: Record<UpsertOutcome, number>;
    skipped: { line: number; reason: string }[];
  }
  const peoplePage = async (req: Request, res: Response, status: number, state: { notice?: string; error?: string; form?: Partial<Person>; report?: ImportReport } = {}) => {
    const t = tOf(res);
    const staff = staffOf(res);
    const q = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase().slice(0, 100) : '';
    const all = req.query.inactive === '1';
    const people = (await peopleOf(deps.workflow, staff.organisationId, { includeInactive: all })).filter(
      (p) => !q || [p.name, p.email, p.function ?? ''].some((v) => v.toLowerCase().includes(q)),
    );
    const report = state.report;
    page(deps, res, status, {
      title: state.error ? t('page.errorTitle', { title: t('people.title') }) : t('people.title'),
      active: 'people',
      body: html`<h1>${t('people.title')}</h1>
<p>${t('people.intro')}</p>
${notice(state.notice)}${alert(state.error)}
${report
  ? html`<section aria-labelledby="import-report" class="notice" role="status"><h2 id="import-report">${t('people.importReport')}</h2>
<p>${t('people.importCounts', { ...report.counts, skipped: report.skipped.length })}</p>
${report.skipped.length ? html`<ul>${report.skipped.map((s) => html`<li>${t('people.importLine', { line: s.line, reason: s.reason })}</li>`)}</ul>` : ''}</section>`
  : ''}
<form method="get" action="/app/people" role="search"><div class="field"><label for="q">${t('people.searchLabel')}</label><input type="search" id="q" name="q" value="${q}"></div>
<div class="field checkbox"><input type="checkbox" id="inactive" name="inactive" value="1"${all ? html` checked` : ''}> <label for="inactive">${t('people.showInactive')}</label></div>
<button type="submit" class="secondary">${t('people.search')}</button></form>
${people.length === 0
  ? html`<p>${t('people.none')}</p>`
  : html`<table class="cards"><caption class="hint">${t('people.title')}</caption><thead><tr><th scope="col">${t('people.name')}</th><th scope="col">${t('people.email')}</th><th scope="col">${t('people.function')}</th><th scope="col">${t('people.language')}</th><th scope="col">${t('people.status')}</th><th scope="col">${t('users.actions')}</th></tr></thead>
<tbody>${people.map(
      (p) => html`<tr><th scope="row">${p.name}</th><td data-label="${t('people.email')}">${p.email}</td><td data-label="${t('people.function')}">${p.function ?? ''}</td><td data-label="${t('people.language')}">${p.language}</td><td data-label="${t('people.status')}">${p.active ? t('people.active') : t('people.inactive')}</td>
<td><a href="/app/people/${p.id}" aria-label="${t('people.editLabel', { name: p.name })}">${t('people.edit')}</a></td></tr>`,
    )}</tbody></table>`}
<h2>${t('people.add')}</h2>
${personForm(res, '/app/people', state.form ?? {}, t('people.add'))}
<h2>${t('people.import')}</h2>
<p class="hint" id="import-help">${t('people.importHelp')}</p>
<form method="post" action="/app/people/import" enctype="multipart/form-data" class="stacked">${csrf(res)}
<div class="field"><label for="csv">${t('people.importFile')}</label><input type="file" id="csv" name="file" accept=".csv,text/csv" required aria-describedby="import-help"></div>
<button type="submit">${t('people.importSubmit')}</button></form>`,
    });
  };
  const personInput = (body: unknown) => ({ name: field(body, 'name'), email: field(body, 'email'), function: field(body, 'function'), language: field(body, 'language') || 'nl' });

  admin.get('/people', (req, res) => peoplePage(req, res, 200, { notice: typeof req.query.notice === 'string' ? req.query.notice.slice(0, 200) : undefined }));

  admin.post('/people', async (req, res) => {
    const t = tOf(res);
    const input = personInput(req.body);
    const valid = validatePerson(input);
    const form = { ...input, language: input.language as Language };
    if (!valid.ok) return peoplePage(req, res, 400, { error: `${t('people.invalid')} (${valid.errors.join('; ')})`, form });
    let person: Person;
    try {
      person = await addPerson(deps.workflow, { ...staffRequest(req, res), person: valid.person });
    } catch (error) {
      if (error instanceof AppError && error.code === 'person_exists') return peoplePage(req, res, 409, { error: t('people.exists'), form });
      throw error;
    }
    res.redirect(303, `/app/people?notice=${encodeURIComponent(t('people.created', { name: person.name }))}`);
  });

  const personPage = async (req: Request, res: Response, status: number, person: Person, error?: string, form?: Partial<Person>) => {
    const t = tOf(res);
    page(deps, res, status, {
      title: error ? t('page.errorTitle', { title: t('people.editTitle', { name: person.name }) }) : t('people.editTitle', { name: person.name }),
      active: 'people',
      body: html`<h1>${t('people.editTitle', { name: person.name })}</h1>${alert(error)}
${personForm(res, `/app/people/${person.id}`, form ?? person, t('form.save'))}
${person.active ? html`<form method="post" action="/app/people/${person.id}/deactivate">${csrf(res)}<button type="submit" class="danger">${t('people.deactivate')}</button></form>` : ''}
<p><a href="/app/people">${t('error.back')}</a></p>`,
    });
  };
  const personOr404 = async (res: Response, id: unknown) => (await personOf(deps.workflow, staffOf(res).organisationId, String(id))) ?? (() => { throw notFound(); })();

  admin.get('/people/:id', async (req, res) => personPage(req, res, 200, await personOr404(res, req.params.id)));

  admin.post('/people/:id', async (req, res) => {
    const t = tOf(res);
    const person = await personOr404(res, req.params.id);
    const input = personInput(req.body);
    let updated: Person;
    try {
      updated = await editPerson(deps.workflow, { ...staffRequest(req, res), personId: person.id, person: input });
    } catch (error) {
      if (error instanceof ValidationError) return personPage(req, res, 400, person, error.message, { ...input, language: input.language as Language });
      throw error;
    }
    res.redirect(303, `/app/people?notice=${encodeURIComponent(t('people.updated', { name: updated.name }))}`);
  });

  admin.post('/people/:id/deactivate', async (req, res) => {
    const t = tOf(res);
    const person = await deactivateDirectoryPerson(deps.workflow, { ...staffRequest(req, res), personId: String(req.params.id) });
    res.redirect(303, `/app/people?notice=${encodeURIComponent(t('people.deactivated', { name: person.name }))}`);
  });

  // Multipart forms: the file is read into memory (small limits), then the CSRF field is checked.
  const csvUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5 } }).single('file');
  const logoUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 5 } }).single('logo');

  const uploadThenCsrf = (upload: typeof csvUpload) => [
    (req: Request, res: Response, next: (e?: unknown) => void) => {
      receiveUpload(upload, req, res).then(() => next(), (error: unknown) => {
        if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') {
          res.locals.uploadTooLarge = true;
          return next();
        }
        next(error);
      });
    },
    verifyStaffCsrf(deps),
  ];

  const importRouter = Router();
  importRouter.post('/people/import', requireStaff(deps), requireAdmin, ...uploadThenCsrf(csvUpload), async (req: Request, res: Response) => {
    const t = tOf(res);
    const file = (req as Request & { file?: Express.Multer.File }).file;
    if (res.locals.uploadTooLarge || !file) return peoplePage(req, res, 400, { error: t('people.importFailed', { reason: res.locals.uploadTooLarge ? '> 2 MB' : '—' }) });
    let parsed;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(file.buffer);
      parsed = parsePeopleCsv(text);
    } catch (error) {
      const reason = error instanceof AppError ? (error.detail ?? error.message) : 'UTF-8';
      return peoplePage(req, res, 422, { error: t('people.importFailed', { reason }) });
    }
    const counts = await importPeople(deps.workflow, { ...staffRequest(req, res), people: parsed.valid.map((line) => line.person), skipped: parsed.invalid.length });
    await peoplePage(req, res, 200, { report: { counts, skipped: parsed.invalid } });
  });

  // ---- settings ----
  const settingsPage = async (req: Request, res: Response, status: number, state: { notice?: string; error?: string; noticeForm?: { emails: string; language: string } } = {}) => {
    const t = tOf(res);
    const organisation = await org(res);
    const s = organisation.settings;
    const routes = routesOf(organisation);
    const logo = s.logo as { sha256?: string } | undefined;
    page(deps, res, status, {
      title: state.error ? t('page.errorTitle', { title: t('settings.title') }) : t('settings.title'),
      active: 'settings',
      body: html`<h1>${t('settings.title')}</h1>${notice(state.notice)}${state.noticeForm ? '' : alert(state.error)}
<h2>${t('settings.organisation')}</h2>
<form method="post" action="/app/settings" class="stacked">${csrf(res)}
<div class="field"><label for="org-name">${t('settings.name')}</label><input type="text" id="org-name" name="name" required maxlength="200" value="${organisation.name}"></div>
<div class="field"><label for="expiry">${t('settings.expiry')}</label><input type="number" id="expiry" name="defaultExpiryDays" min="1" max="365" required value="${String(typeof s.defaultExpiryDays === 'number' ? s.defaultExpiryDays : 30)}"></div>
<div class="field checkbox"><input type="checkbox" id="require-code" name="requireCode" value="1"${s.requireCode === true ? html` checked` : ''}> <label for="require-code">${t('settings.requireCode')}</label></div>
${reminderFields(t, s)}
<button type="submit">${t('form.save')}</button></form>
${noticeSection(t, csrf(res), state.noticeForm ? { ...state.noticeForm, error: state.error, max: MAX_NOTICE_EMAILS } : { emails: noticeEmailsOf(organisation).join('\n'), language: organisationLanguageOf(organisation), max: MAX_NOTICE_EMAILS })}
<h2>${t('settings.logo')}</h2>
${logo?.sha256 ? html`<p>${t('settings.logoCurrent')} <img src="/app/logo" alt="${t('settings.logoAlt', { organisation: organisation.name })}" class="logo"></p>` : ''}
<p class="hint" id="logo-help">${t('settings.logoHelp')}</p>
<form method="post" action="/app/settings/logo" enctype="multipart/form-data" class="stacked">${csrf(res)}
<div class="field"><label for="logo">${t('settings.logoFile')}</label><input type="file" id="logo" name="logo" accept="image/png,image/svg+xml" required aria-describedby="logo-help"></div>
<button type="submit">${t('settings.logoUpload')}</button></form>
${logo?.sha256 ? html`<form method="post" action="/app/settings/logo/delete">${csrf(res)}<button type="submit" class="danger">${t('settings.logoRemove')}</button></form>` : ''}
<h2>${t('settings.routes')}</h2>
<p>${t('settings.routesIntro')}</p>
${routes.length === 0 ? html`<p>${t('settings.routesNone')}</p>` : html`<ul>${routes.map((r) => html`<li><a href="/app/settings/routes/${r.id}" aria-label="${t('settings.routeEditLabel', { name: r.name })}">${r.name}</a> (${r.steps.length})</li>`)}</ul>`}
<p><a href="/app/settings/routes/new">${t('settings.routeAdd')}</a></p>`,
    });
  };

  admin.post('/settings/notices', async (req, res) => {
    const t = tOf(res);
    const typed = field(req.body, 'noticeEmails').slice(0, 4000);
    const language = field(req.body, 'defaultLanguage');
    const checked = checkNoticeEmails(typed);
    if (!checked.ok || !isLanguage(language)) {
      const error = !checked.ok
        ? checked.reason === 'invalid'
          ? t('settings.noticeEmailsInvalid', { value: checked.value })
          : t('settings.noticeEmailsTooMany', { max: MAX_NOTICE_EMAILS, count: checked.count })
        : t('error.invalid.title');
      return settingsPage(req, res, 400, { error, noticeForm: { emails: typed, language } });
    }
    const noticeEmails = checked.emails.length > 0 ? checked.emails : null;
    await updateOrganisationSettings(deps.workflow, { ...staffRequest(req, res), settings: { noticeEmails, defaultLanguage: language } });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('form.saved'))}`);
  });

  admin.get('/settings', (req, res) => settingsPage(req, res, 200, { notice: typeof req.query.notice === 'string' ? req.query.notice.slice(0, 200) : undefined }));

  admin.post('/settings', async (req, res) => {
    const t = tOf(res);
    const name = field(req.body, 'name').trim();
    const days = Number(field(req.body, 'defaultExpiryDays'));
    if (!name || name.length > 200) return settingsPage(req, res, 400, { error: t('settings.name') });
    if (!Number.isInteger(days) || days < 1 || days > 365) return settingsPage(req, res, 400, { error: t('settings.expiryInvalid') });
    const requireCode = field(req.body, 'requireCode') === '1';
    const reminders = reminderSettings(req.body);
    if (reminders === null) return settingsPage(req, res, 400, { error: t('settings.remindersInvalid') });
    await updateOrganisationSettings(deps.workflow, { ...staffRequest(req, res), name, settings: { defaultExpiryDays: days, requireCode, ...(reminders ? { reminders } : {}) } });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('form.saved'))}`);
  });

  const logoRouter = Router();
  logoRouter.post('/settings/logo', requireStaff(deps), requireAdmin, ...uploadThenCsrf(logoUpload), async (req: Request, res: Response) => {
    const t = tOf(res);
    const file = (req as Request & { file?: Express.Multer.File }).file;
    const type = file && !res.locals.uploadTooLarge ? logoType(file.buffer) : null;
    if (!file || !type) return settingsPage(req, res, 400, { error: t('settings.logoInvalid') });
    const stored = await deps.blobs.put(file.buffer);
    const logo = { sha256: stored.sha256, contentType: type, size: file.buffer.length };
    await updateOrganisationSettings(deps.workflow, { ...staffRequest(req, res), settings: { logo } });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('form.saved'))}`);
  });

  admin.post('/settings/logo/delete', async (req, res) => {
    const t = tOf(res);
    await updateOrganisationSettings(deps.workflow, { ...staffRequest(req, res), settings: { logo: null } });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('form.saved'))}`);
  });

  // ---- signing routes ----
  const routePage = async (req: Request, res: Response, status: number, route: SigningRoute | null, error?: string) => {
    const t = tOf(res);
    const people = await peopleOf(deps.workflow, staffOf(res).organisationId);
    // Issue 12: a step names a function (resolved on the day to its holder or substitute) or a person.
    const functions = await routeFunctionsOf(deps.workflow, staffOf(res).organisationId);
    const steps = [...(route?.steps ?? [])];
    while (steps.length < Math.min(MAX_ROUTE_STEPS, (route?.steps.length ?? 0) + 3)) steps.push({ personId: '', role: 'signer', order: steps.length + 1 });
    const title = route?.id ? t('settings.routeEdit', { name: route.name }) : t('settings.routeAdd');
    page(deps, res, status, {
      title: error ? t('page.errorTitle', { title }) : title,
      active: 'settings',
      body: html`<h1>${title}</h1>${alert(error)}
<form method="post" action="/app/settings/routes/${route?.id || 'new'}" class="stacked">${csrf(res)}
<div class="field"><label for="route-name">${t('settings.routeName')} ${t('form.required')}</label><input type="text" id="route-name" name="name" required maxlength="200" value="${route?.name ?? ''}"></div>
<p class="hint">${t('settings.stepsHelp')}</p>
<div class="steps">${steps.map(
        (step, i) => html`<fieldset class="step"><legend>${t('settings.step', { n: i + 1 })}</legend>
<div class="field"><label for="step-person-${i}">${functions.length ? t('settings.stepWho') : t('settings.stepPerson')}</label><select id="step-person-${i}" name="step_person_${i}"><option value="">${t('settings.stepNone')}</option>${
          functions.length
            ? html`<optgroup label="${t('settings.stepFunctions')}">${functions.map(
                (f) => html`<option value="${FUNCTION_STEP}${f.id}"${f.id === step.functionId ? html` selected` : ''}>${f.name}</option>`,
              )}</optgroup><optgroup label="${t('settings.stepPeople')}">`
            : ''
        }${people.map(
          (p) => html`<option value="${p.id}"${p.id === step.personId ? html` selected` : ''}>${p.name}${p.function ? ` – ${p.function}` : ''}</option>`,
        )}${functions.length ? html`</optgroup>` : ''}</select></div>
<div class="field"><label for="step-role-${i}">${t('settings.stepRole')}</label><select id="step-role-${i}" name="step_role_${i}">${ROUTE_ROLES.map(
          (r) => html`<option value="${r}"${r === step.role ? html` selected` : ''}>${t(`role.${r}`)}</option>`,
        )}</select></div>
<div class="field"><label for="step-order-${i}">${t('settings.stepOrder')}</label><input type="number" id="step-order-${i}" name="step_order_${i}" min="1" max="${MAX_ROUTE_STEPS}" value="${String(step.order)}"></div>
<div class="field"><label for="step-level-${i}">${t('settings.stepLevel')}</label><select id="step-level-${i}" name="step_level_${i}">${SIGNATURE_LEVELS.map(
          (level) => html`<option value="${level}"${level === (step.signatureLevel ?? 'advanced') ? html` selected` : ''}>${t(`level.${level}`)}</option>`,
        )}</select></div>
</fieldset>`,
      )}</div>
<button type="submit">${t('form.save')}</button></form>
${route?.id ? html`<form method="post" action="/app/settings/routes/${route.id}/delete">${csrf(res)}<button type="submit" class="danger">${t('settings.routeDelete')}</button></form>` : ''}
<p><a href="/app/settings">${t('error.back')}</a></p>`,
    });
  };
  const routeOr404 = async (res: Response, id: unknown) => {
    const route = routesOf(await org(res)).find((r) => r.id === id);
    if (!route) throw notFound();
    return route;
  };

  admin.get('/settings/routes/new', (req, res) => routePage(req, res, 200, null));
  admin.get('/settings/routes/:id', async (req, res) => routePage(req, res, 200, await routeOr404(res, req.params.id)));

  const saveRoute = async (req: Request, res: Response, existingId: string | null) => {
    const t = tOf(res);
    const staff = staffOf(res);
    const name = field(req.body, 'name').trim().slice(0, 200);
    const steps: SigningRoute['steps'] = [];
    for (let i = 0; i < MAX_ROUTE_STEPS; i++) {
      const chosen = field(req.body, `step_person_${i}`);
      if (!chosen) continue;
      // A function (issue 12) is checked by saveSigningRoute (404 when not the organisation's); a person here.
      let who: { personId: string } | { functionId: string };
      if (chosen.startsWith(FUNCTION_STEP)) who = { functionId: chosen.slice(FUNCTION_STEP.length) };
      else {
        const person = await personOf(deps.workflow, staff.organisationId, chosen);
        if (!person) throw notFound();
        who = { personId: person.id };
      }
      const role = field(req.body, `step_role_${i}`) as RouteRole;
      const order = Number(field(req.body, `step_order_${i}`) || steps.length + 1);
      const level = field(req.body, `step_level_${i}`) as SignatureLevel;
      steps.push({
        ...who,
        role: ROUTE_ROLES.includes(role) ? role : 'signer',
        order: Number.isInteger(order) && order >= 1 && order <= MAX_ROUTE_STEPS ? order : steps.length + 1,
        // Only a signer signs; an approver's step keeps no level (saveSigningRoute refuses one).
        ...(level === 'qualified' && role === 'signer' ? { signatureLevel: level } : {}),
      });
    }
    const draft: SigningRoute = { id: existingId ?? '', name, steps };
    if (!name || steps.length === 0) return routePage(req, res, 400, draft, t('settings.routeInvalid'));
    await saveSigningRoute(deps.workflow, { ...staffRequest(req, res), routeId: existingId, name, steps });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('settings.routeSaved', { name }))}`);
  };
  admin.post('/settings/routes/new', (req, res) => saveRoute(req, res, null));
  admin.post('/settings/routes/:id', async (req, res) => saveRoute(req, res, (await routeOr404(res, req.params.id)).id));
  admin.post('/settings/routes/:id/delete', async (req, res) => {
    const t = tOf(res);
    const route = await deleteSigningRoute(deps.workflow, { ...staffRequest(req, res), routeId: String(req.params.id) });
    res.redirect(303, `/app/settings?notice=${encodeURIComponent(t('settings.routeDeleted', { name: route.name }))}`);
  });

  // ---- the logo, for every staff member of the organisation ----
  router.get('/logo', requireStaff(deps), async (_req, res) => {
    const organisation = await org(res);
    const logo = organisation.settings.logo as { sha256?: string; contentType?: string } | undefined;
    if (!logo?.sha256) throw notFound();
    const bytes = await deps.blobs.get(logo.sha256);
    res
      .set({ 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox", 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=300' })
      .type(logo.contentType === 'image/svg+xml' ? 'image/svg+xml' : 'image/png')
      .send(bytes);
  });

  // Multipart routes first (their CSRF check needs the parsed body), then the urlencoded ones.
  router.use(importRouter);
  router.use(logoRouter);
  // Only the admin paths go through the admin gate; `/people/search` belongs to the send page (any staff).
  router.use((req, res, next) => (ADMIN_PATH.test(req.path) && req.path !== '/people/search' ? admin(req, res, next) : next()));
}

const ADMIN_PATH = /^\/(?:users|people|settings)(?:\/|$)/;

/** `image/png` by its signature, `image/svg+xml` for an SVG document without scripts; else null. */
export function logoType(bytes: Buffer): 'image/png' | 'image/svg+xml' | null {
  if (bytes.length === 0 || bytes.length > MAX_LOGO_BYTES) return null;
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (!/^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return null;
  if (/<script|\son\w+\s*=|javascript:|<foreignObject|<!ENTITY/i.test(text)) return null;
  return 'image/svg+xml';
}
