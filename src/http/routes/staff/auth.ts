/**
 * Login, logout and password reset of the staff app (issue 5). Login and "forgot" are rate
 * limited per IP; a failed login for a known user is an audit event. Wrong passwords count per
 * account (organisation and user) and per IP and account (issue 10): the account's short back-off
 * is in src/store/users.ts, the longer one for the IP that failed in ../../staff/login-throttle.ts,
 * and the page says how long to wait. A right password for one account of an e-mail never counts
 * as a failure on its other accounts.
 */
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../../deps.ts';
import { checkStaffPassword, loginCandidates, passwordLinkIsLive, type User } from '../../../workflow/staff-login-checks.ts';
import { html, isLanguage, type Language, type SafeHtml } from '../../../web/index.ts';
import { staffLayout, staffMessagePage } from '../../../web/staff/layout.ts';
import { passwordLinkUrl, passwordMail } from '../../../web/staff/mails.ts';
import { createTokenBuckets, rateLimit } from '../../rate-limit.ts';
import { createLoginThrottle } from '../../staff/login-throttle.ts';
import { preloginCsrfToken, staffCsrfToken, verifyPreloginCsrf, verifyStaffCsrf } from '../../staff/csrf.ts';
import { chosenLanguage, clearSessionCookie, loadStaff, PASSWORD_CHANGE_PATH, requireStaff, safeNext, sessionCookie, staffLanguageOf, staffOf } from '../../staff/session.ts';
import { acceptRightPassword, changeOwnPassword, logInStaffUser, logOutStaffUser, recordFailedLogin, requestPasswordReset, resetStaffPassword } from '../../../workflow/index.ts';
import { setStaffLanguage } from '../../../workflow/set-staff-language.ts';
import { AppError } from '../../../errors.ts';
import { field, origin, page, staffActor, tOf } from './common.ts';

export const MIN_PASSWORD_LENGTH = 12;
/** Login and "forgot" attempts per IP per minute (token bucket, burst of the same size). */
export const STAFF_AUTH_PER_MINUTE = 10;

export function registerAuthRoutes(router: Router, deps: Deps): void {
  const buckets = createTokenBuckets({ name: 'staff-auth', perMinute: STAFF_AUTH_PER_MINUTE, clock: deps.clock, store: deps.rateLimits });
  const throttle = createLoginThrottle({ clock: deps.clock, store: deps.rateLimits });
  const limited = rateLimit(buckets, (_req, res, seconds) => {
    const t = tOf(res);
    res.status(429).type('html').send(staffMessagePage({ lang: staffLanguageOf(res), staff: null, title: t('error.rateLimit.title'), paragraphs: [t('error.rateLimit.body', { seconds })] }));
  });
  const anonymous = (res: Response, status: number, title: string, body: SafeHtml) =>
    res.status(status).type('html').send(staffLayout({ lang: staffLanguageOf(res), staff: null, title, body: body.value }));

  interface LoginState {
    email?: string;
    next?: string;
    error?: string;
    notice?: string;
    organisations?: { id: string; name: string }[];
    /** A language picked on this page (its header's links): kept on the account the login opens. */
    language?: Language;
  }
  const loginPage = (req: Request, res: Response, status: number, state: LoginState) => {
    const t = tOf(res);
    const csrf = preloginCsrfToken(deps, req, res);
    const title = state.error ? t('page.errorTitle', { title: t('login.title') }) : t('login.title');
    const body = html`<h1>${t('login.title')}</h1>
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
${state.error ? html`<p class="alert" role="alert" id="login-error">${state.error}</p>` : ''}
${state.organisations ? html`<p>${t('login.chooseOrganisation')}</p>` : ''}
<form method="post" action="/app/login" class="stacked">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="next" value="${state.next ?? '/app'}">
${state.language ? html`<input type="hidden" name="language" value="${state.language}">` : ''}
<div class="field"><label for="email">${t('login.email')}</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${state.email ?? ''}"${state.error ? html` aria-describedby="login-error"` : ''}></div>
${state.organisations
  ? html`<div class="field"><label for="organisation">${t('login.organisation')}</label>
<select id="organisation" name="organisation" required>${state.organisations.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</select></div>`
  : ''}
<div class="field"><label for="password">${t('login.password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required></div>
<button type="submit">${t('login.submit')}</button>
</form>
<p><a href="/app/password/forgot">${t('login.forgot')}</a></p>`;
    anonymous(res, status, title, body);
  };

  router.get('/login', async (req, res) => {
    const t = tOf(res);
    if (await loadStaff(deps, req)) return res.redirect(303, safeNext(req.query.next));
    const notice = req.query.expired ? t('login.expired') : req.query.loggedOut ? t('login.loggedOut') : req.query.passwordSet ? t('login.passwordSet') : undefined;
    loginPage(req, res, 200, { next: safeNext(req.query.next), notice, language: chosenLanguage(res) });
  });

  router.post('/login', limited, verifyPreloginCsrf(deps), async (req, res) => {
    const t = tOf(res);
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    const chosen = field(req.body, 'organisation');
    const next = safeNext(field(req.body, 'next'));
    const picked = field(req.body, 'language');
    const language = isLanguage(picked) ? picked : undefined;
    const now = deps.clock();
    const candidates = await loginCandidates(deps.workflow, email);
    const failed = (status = 401, error = t('login.failed')) => loginPage(req, res, status, { email, next, error, language });
    if (candidates.length === 0 || !password) {
      // Same work as a real check, so timing does not tell which addresses exist.
      await checkStaffPassword(deps.workflow, '00000000-0000-0000-0000-000000000000', email, password || 'x');
      return failed();
    }
    let tried = candidates;
    if (chosen) tried = candidates.filter((c) => c.organisationId === chosen);
    if (tried.length === 0) return failed();

    const ip = req.ip ?? 'unknown';
    type Candidate = (typeof tried)[number];
    const matching: { candidate: Candidate; user: User }[] = [];
    const wrong: Candidate[] = [];
    const waiting: { candidate: Candidate; until: number }[] = [];
    for (const candidate of tried) {
      // This IP failed too often for this account: not checked, not counted.
      const ipUntil = await throttle.waitUntil(ip, candidate.organisationId, candidate.id);
      if (ipUntil > 0) {
        waiting.push({ candidate, until: ipUntil });
        continue;
      }
      const check = await checkStaffPassword(deps.workflow, candidate.organisationId, email, password, now);
      if (check.result === 'ok') matching.push({ candidate, user: check.user });
      else if (check.result === 'wrong') wrong.push(candidate);
      else if (check.result === 'backoff') waiting.push({ candidate, until: Date.parse(check.until) });
    }
    if (matching.length > 0) {
      // The right password for one account: the others of this e-mail were not the one meant, nothing counts against them.
      // One account: its failure count starts over in the transaction that opens the session (below).
      if (matching.length > 1) await acceptRightPassword(deps.workflow, matching.map((m) => m.user));
      for (const { candidate } of matching) await throttle.succeeded(ip, candidate.organisationId, candidate.id);
    } else {
      const refused = waiting.map((w) => w.candidate);
      for (const candidate of wrong) {
        const accountUntil = await recordFailedLogin(deps.workflow, { user: candidate, reason: 'password', origin: origin(req) });
        const ipUntil = await throttle.failed(ip, candidate.organisationId, candidate.id);
        const until = Math.max(accountUntil ? Date.parse(accountUntil) : 0, ipUntil);
        if (until > now.getTime()) waiting.push({ candidate, until });
      }
      for (const candidate of refused) await recordFailedLogin(deps.workflow, { user: candidate, reason: 'locked', origin: origin(req) });
      const until = Math.max(0, ...waiting.map((w) => w.until));
      const lockedMinutes = Math.ceil((until - now.getTime()) / 60_000);
      if (lockedMinutes > 0 && tried.length === 1) res.set('Retry-After', String(Math.ceil((until - now.getTime()) / 1000)));
      return lockedMinutes > 0 && tried.length === 1 ? failed(423, t('login.locked', { minutes: lockedMinutes })) : failed();
    }
    if (matching.length > 1) {
      return loginPage(req, res, 200, { email, next, language, organisations: matching.map(({ candidate: m }) => ({ id: m.organisationId, name: m.organisationName })) });
    }
    const user = matching[0]!.candidate;
    const { token } = await logInStaffUser(deps.workflow, { user: matching[0]!.user, origin: origin(req) });
    // Picked on the login page: as a pick in the app would, it becomes the account's (issue 12), for its mails and other browsers.
    if (language && language !== matching[0]!.user.language) await setStaffLanguage(deps.workflow, { organisationId: user.organisationId, userId: user.id, language });
    res.append('Set-Cookie', sessionCookie(deps, token));
    // A password someone else chose (the CLI's one-time password) is replaced before anything else.
    res.redirect(303, user.mustChangePassword ? `${PASSWORD_CHANGE_PATH}?next=${encodeURIComponent(next)}` : next);
  });

  router.post('/logout', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const staff = staffOf(res);
    await logOutStaffUser(deps.workflow, { organisationId: staff.organisationId, userId: staff.userId, sessionId: staff.sessionId, actor: staffActor(res), origin: origin(req) });
    res.append('Set-Cookie', clearSessionCookie(deps));
    res.redirect(303, '/app/login?loggedOut=1');
  });

  const forgotPage = (req: Request, res: Response, status: number, notice?: string) => {
    const t = tOf(res);
    const csrf = preloginCsrfToken(deps, req, res);
    anonymous(res, status, t('forgot.title'), html`<h1>${t('forgot.title')}</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : html`<p>${t('forgot.intro')}</p>`}
<form method="post" action="/app/password/forgot" class="stacked">
<input type="hidden" name="_csrf" value="${csrf}">
<div class="field"><label for="email">${t('login.email')}</label>
<input type="email" id="email" name="email" autocomplete="username" required></div>
<button type="submit">${t('forgot.submit')}</button>
</form>
<p><a href="/app/login">${t('login.title')}</a></p>`);
  };

  router.get('/password/forgot', (req, res) => forgotPage(req, res, 200));

  router.post('/password/forgot', limited, verifyPreloginCsrf(deps), async (req, res) => {
    const t = tOf(res);
    await requestPasswordReset(deps.workflow, {
      email: field(req.body, 'email').trim(),
      mail: (user, token) =>
        passwordMail({
          kind: 'reset',
          // In the account's own language (issue 12), whatever language the page was asked in.
          lang: user.language,
          to: { name: user.name ?? user.email, email: user.email },
          organisationName: user.organisationName,
          url: passwordLinkUrl(deps.config.baseUrl, token),
          logo: user.organisationLogo,
        }),
      origin: origin(req),
    });
    forgotPage(req, res, 200, t('forgot.sent'));
  });

  /** The new password and its confirmation, as the reset and the first-login change ask them; `errorId` describes the first. */
  const newPasswordFields = (t: ReturnType<typeof tOf>, errorId?: string) => html`<div class="field"><label for="password">${t('reset.password', { min: MIN_PASSWORD_LENGTH })}</label>
<input type="password" id="password" name="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required${errorId ? html` aria-describedby="${errorId}"` : ''}></div>
<div class="field"><label for="confirm">${t('reset.confirm')}</label>
<input type="password" id="confirm" name="confirm" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required></div>`;
  const resetPage = (req: Request, res: Response, status: number, token: string, error?: string) => {
    const t = tOf(res);
    const csrf = preloginCsrfToken(deps, req, res);
    anonymous(res, status, error ? t('page.errorTitle', { title: t('reset.title') }) : t('reset.title'), html`<h1>${t('reset.title')}</h1>
${error ? html`<p class="alert" role="alert" id="reset-error">${error}</p>` : ''}
<form method="post" action="/app/password/reset/${token}" class="stacked">
<input type="hidden" name="_csrf" value="${csrf}">
${newPasswordFields(t, error ? 'reset-error' : undefined)}
<button type="submit">${t('reset.submit')}</button>
</form>`);
  };
  const invalidLink = (res: Response) => {
    const t = tOf(res);
    res.status(410).type('html').send(staffMessagePage({ lang: staffLanguageOf(res), staff: null, title: t('reset.title'), paragraphs: [t('reset.invalid')], back: '/app/password/forgot' }));
  };

  router.get('/password/reset/:token', async (req, res) => {
    res.set('Referrer-Policy', 'no-referrer');
    const token = String(req.params.token);
    if (!(await passwordLinkIsLive(deps.workflow, token))) return invalidLink(res);
    resetPage(req, res, 200, token);
  });

  router.post('/password/reset/:token', limited, verifyPreloginCsrf(deps), async (req, res) => {
    const t = tOf(res);
    const token = String(req.params.token);
    // A dead link is 410 before the form is checked; the use case checks it again as it uses it.
    if (!(await passwordLinkIsLive(deps.workflow, token))) return invalidLink(res);
    const password = field(req.body, 'password');
    if ([...password].length < MIN_PASSWORD_LENGTH) return resetPage(req, res, 400, token, t('reset.tooShort', { min: MIN_PASSWORD_LENGTH }));
    if (password !== field(req.body, 'confirm')) return resetPage(req, res, 400, token, t('reset.mismatch'));
    if (!(await resetStaffPassword(deps.workflow, { token, password, origin: origin(req) }))) return invalidLink(res);
    res.redirect(303, '/app/login?passwordSet=1');
  });

  /** Only while the password must be changed (issue 10); otherwise there is nothing to do here. */
  const changePage = (req: Request, res: Response, status: number, next: string, error?: string) => {
    const t = tOf(res);
    page(deps, res, status, {
      title: error ? t('page.errorTitle', { title: t('change.title') }) : t('change.title'),
      body: html`<h1>${t('change.title')}</h1>
${error ? html`<p class="alert" role="alert" id="change-error">${error}</p>` : html`<p>${t('change.intro')}</p>`}
<form method="post" action="${PASSWORD_CHANGE_PATH}" class="stacked">
<input type="hidden" name="_csrf" value="${staffCsrfToken(deps, res)}">
<input type="hidden" name="next" value="${next}">
${newPasswordFields(t, error ? 'change-error' : undefined)}
<button type="submit">${t('change.submit')}</button>
</form>`,
    });
  };

  router.get('/password/change', requireStaff(deps), (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!staffOf(res).mustChangePassword) return res.redirect(303, safeNext(req.query.next));
    changePage(req, res, 200, safeNext(req.query.next));
  });

  router.post('/password/change', requireStaff(deps), verifyStaffCsrf(deps), async (req, res) => {
    const t = tOf(res);
    const staff = staffOf(res);
    const next = safeNext(field(req.body, 'next'));
    if (!staff.mustChangePassword) return res.redirect(303, next);
    const password = field(req.body, 'password');
    if ([...password].length < MIN_PASSWORD_LENGTH) return changePage(req, res, 400, next, t('reset.tooShort', { min: MIN_PASSWORD_LENGTH }));
    if (password !== field(req.body, 'confirm')) return changePage(req, res, 400, next, t('reset.mismatch'));
    try {
      await changeOwnPassword(deps, { organisationId: staff.organisationId, userId: staff.userId, sessionId: staff.sessionId, password, actor: staffActor(res), origin: origin(req) });
    } catch (error) {
      if (error instanceof AppError && error.code === 'password_unchanged') return changePage(req, res, 400, next, t('change.same'));
      throw error;
    }
    res.redirect(303, next);
  });
}
