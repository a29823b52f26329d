/**
 * Staff speak their own language (issue 12), over HTTP with a real SMTP server: the language link chosen in the
 * staff app is kept on the account (the next session, without the cookie, speaks it); a user invited in French
 * gets a French invite and reset mail; an English-speaking sender gets the decline notice in English, a French
 * one in French (subject and body). An envelope created through the API (no staff sender) is told to the
 * organisation's notification addresses, in its default language, and shown as a badge to every admin; bad
 * addresses are refused on the settings page with a clear message and nothing saved. SQLite, or PostgreSQL
 * with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createUser, organisationById, upsertPerson, userByEmail, type Person } from '../../../src/store/index.ts';
import { listEnvelopes } from '../../../src/workflow/index.ts';
import { staffTranslator } from '../../../src/web/staff/i18n.ts';
import type { Language } from '../../../src/domain/person.ts';
import { BASE_URL, startE2E, type E2E, type Mail } from '../e2e/harness.ts';
import { fixture } from '../api/helpers.ts';
import { cookieJar } from '../../helpers/cookie-jar.ts';

const PASSWORD = 'correct horse battery staple 42';
const ADMIN = { email: 'sara@zonnebeke.test', name: 'Sara Secretariaat' };
const SECOND_ADMIN = { email: 'piet@zonnebeke.test', name: 'Piet Beheer' };
const EMMA = { email: 'emma@zonnebeke.test', name: 'Emma English' };
const CLAIRE = { email: 'claire@zonnebeke.test', name: 'Claire Français' };
const RESET_LINK = new RegExp(`${BASE_URL.replace(/\./g, '\\.')}/app/password/reset/([A-Za-z0-9_-]{20,})`);
const csrfIn = (page: string, action: string) => new RegExp(`action="${action}"[^>]*>\\s*<input type="hidden" name="_csrf" value="([^"]+)"`).exec(page)?.[1];

describe('staff language and notices of API envelopes (issue 12)', function () {
  this.timeout(180_000);
  let e2e: E2E;
  let director: Person;

  /** A browser of its own: a cookie jar, login, GET and POST with the cookies. */
  const browser = () => {
    const jar = cookieJar();
    const b = {
      jar,
      async get(path: string, status = 200) {
        const res = jar.keep(await request(e2e.app.url).get(path).set('Cookie', jar.header()));
        expect(res.status, `${path}: ${res.text?.slice(0, 300)}`).to.equal(status);
        return res;
      },
      post: (path: string) => request(e2e.app.url).post(path).set('Cookie', jar.header()),
      async login(email: string, password = PASSWORD) {
        const page = await b.get('/app/login');
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
        const res = jar.keep(await b.post('/app/login').type('form').send({ _csrf: csrf, email, password }));
        expect(res.status, res.text.slice(0, 300)).to.equal(303);
      },
      async logout() {
        const page = await b.get('/app');
        const res = await b.post('/app/logout').type('form').send({ _csrf: csrfIn(page.text, '/app/logout')! });
        expect(res.status).to.equal(303);
      },
      /** The number on the notifications badge, read in the page's own words. */
      async badge(lang: Language) {
        const page = await b.get('/app');
        const label = staffTranslator(lang)('nav.notificationsUnread', { count: 999 }).replace('999', '(\\d+)');
        return Number(new RegExp(`aria-label="${label}"`).exec(page.text)?.[1] ?? 0);
      },
    };
    return b;
  };
  const lang = (page: string) => /<html lang="(\w+)">/.exec(page)?.[1];
  const mailsTo = async (to: string, subjectStart: string): Promise<Mail[]> => (await e2e.mails({ to })).filter((m) => m.subject.startsWith(subjectStart));

  /** Sends one decision to the director through the staff form, as `as`; answers the new envelope's id. */
  const send = async (as: ReturnType<typeof browser>, title: string) => {
    const page = await as.get('/app/send');
    const csrf = /<form id="send-form"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const deadline = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const res = await as
      .post('/app/send')
      .field('_csrf', csrf)
      .field('mode', 'perDocument')
      .field('deadline', deadline)
      .field('person-0', director.id)
      .field('role-0', 'signer')
      .field('order-0', '1')
      .field('title-0', title)
      .attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, res.text.slice(0, 500)).to.equal(303);
    const items = (await listEnvelopes(e2e.app.deps.workflow, { organisationId: e2e.organisation.id, limit: 100 })).items;
    return items.find((e) => e.title === title)!.id;
  };
  /** The director declines the envelope from the link in their mail. */
  const decline = async (envelopeId: string, reason: string) => {
    await e2e.deliver();
    const request = (await e2e.mails({ envelopeId, to: director.email })).find((m) => m.token);
    expect(request, 'a sign request to the director').to.not.equal(undefined);
    expect((await e2e.decline(request!.token!, reason)).status).to.equal(303);
    await e2e.deliver();
  };

  // Logins are rate-limited per address: each user logs in once or twice, their browser is kept between tests.
  const admin = browser();
  let emma: ReturnType<typeof browser>;
  let claire: ReturnType<typeof browser>;

  before(async () => {
    e2e = await startE2E();
    const db = e2e.app.deps.db;
    director = (await upsertPerson(db, e2e.organisation.id, { name: 'An Peeters', email: 'an@zonnebeke.test', function: 'Algemeen directeur' })).person;
    await createUser(db, e2e.organisation.id, { email: ADMIN.email, role: 'admin', name: ADMIN.name, password: PASSWORD });
    await createUser(db, e2e.organisation.id, { email: SECOND_ADMIN.email, role: 'admin', name: SECOND_ADMIN.name, password: PASSWORD });
    await createUser(db, e2e.organisation.id, { email: EMMA.email, role: 'staff', name: EMMA.name, password: PASSWORD });
    await admin.login(ADMIN.email);
  });
  after(async () => {
    await e2e?.close();
  });

  it('a language picked in the app is kept on the account: the next session, in a fresh browser, speaks it', async () => {
    const first = browser();
    await first.login(EMMA.email);
    const dutch = await first.get('/app/send');
    expect(lang(dutch.text), 'Dutch until she picks').to.equal('nl');
    // A bare ?lang= is one view (a report in English, say): it is not kept on the account.
    expect(lang((await first.get('/app?lang=fr')).text)).to.equal('fr');
    expect((await userByEmail(e2e.app.deps.db, e2e.organisation.id, EMMA.email))!.language, 'not kept').to.equal('nl');
    // The header's link, as she clicks it.
    const link = /<a href="([^"]+)" lang="en" hreflang="en">English<\/a>/.exec(dutch.text)![1]!.replace(/&amp;/g, '&');
    expect(link).to.equal('?lang=en&remember=1');
    const english = await first.get(`/app/send${link}`);
    expect(lang(english.text)).to.equal('en');
    expect(english.text).to.include('<span aria-current="true" lang="en">English</span>');
    await first.logout();

    const elsewhere = browser();
    expect(lang((await elsewhere.get('/app/login')).text), 'no cookie: the login page is Dutch').to.equal('nl');
    await elsewhere.login(EMMA.email);
    const page = await elsewhere.get('/app');
    expect(lang(page.text), 'her own language, without the cookie').to.equal('en');
    expect(page.text).to.include(`>${staffTranslator('en')('nav.dashboard')}</a>`);
    expect(lang((await admin.get('/app')).text), 'another user keeps theirs').to.equal('nl');
    // This browser's own choice still goes first: a ?lang= view, then the cookie it leaves.
    expect(lang((await elsewhere.get('/app?lang=fr')).text)).to.equal('fr');
    expect(lang((await elsewhere.get('/app')).text), 'the cookie').to.equal('fr');
    const back = await elsewhere.get('/app?lang=en&remember=1');
    expect(lang(back.text)).to.equal('en');
    emma = elsewhere;
  });

  it('a language picked on the login page is kept on the account it opens; a page only viewed in another is not', async () => {
    const lies = { email: 'lies@zonnebeke.test', name: 'Lies Lefebvre' };
    await createUser(e2e.app.deps.db, e2e.organisation.id, { email: lies.email, role: 'staff', name: lies.name, password: PASSWORD });
    const viewer = browser();
    expect((await viewer.get('/app/login?lang=en')).text, 'a bare ?lang= is one view').not.to.include('name="language"');

    const b = browser();
    const page = await b.get('/app/login?lang=fr&remember=1');
    expect(lang(page.text)).to.equal('fr');
    expect(page.text).to.include('<input type="hidden" name="language" value="fr">');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    // A mistyped password: the form shown again still carries the pick.
    const wrong = await b.post('/app/login').type('form').send({ _csrf: csrf, email: lies.email, password: 'wrong', language: 'fr' });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include('<input type="hidden" name="language" value="fr">');
    expect((await userByEmail(e2e.app.deps.db, e2e.organisation.id, lies.email))!.language).to.equal('nl');
    const res = b.jar.keep(await b.post('/app/login').type('form').send({ _csrf: csrf, email: lies.email, password: PASSWORD, language: 'fr' }));
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    // Her account's now, which a browser without the cookie speaks (the test above).
    expect((await userByEmail(e2e.app.deps.db, e2e.organisation.id, lies.email))!.language).to.equal('fr');
  });

  it('the reset mail is in the account’s language, whatever language the page was asked in', async () => {
    const anonymous = browser();
    const page = await anonymous.get('/app/password/forgot');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    expect((await anonymous.post('/app/password/forgot').type('form').send({ _csrf: csrf, email: EMMA.email })).status).to.equal(200);
    await e2e.deliver();
    const [mail] = await mailsTo(EMMA.email, 'New password for Paraaf');
    expect(mail, 'an English reset mail').to.not.equal(undefined);
    expect(mail!.text).to.include('Dear Emma English,').and.include('Someone asked to reset the password');
    expect(mail!.html).to.include('lang="en');
  });

  it('an admin invites a colleague in French: invite mail in French, and the app speaks French after she sets her password', async () => {
    const users = await admin.get('/app/users');
    expect(users.text).to.include('<label for="user-language">Taal</label>');
    const invited = await admin.post('/app/users').type('form').send({ _csrf: csrfIn(users.text, '/app/users'), name: CLAIRE.name, email: CLAIRE.email, role: 'staff', language: 'fr' });
    expect(invited.status, invited.text.slice(0, 300)).to.equal(303);
    await e2e.deliver();
    const [mail] = await mailsTo(CLAIRE.email, 'Votre compte Paraaf auprès de ');
    expect(mail, 'a French invite').to.not.equal(undefined);
    expect(mail!.subject).to.equal('Votre compte Paraaf auprès de Gemeente Zonnebeke');
    expect(mail!.text).to.include('Bonjour Claire Français,').and.include('Sara Secretariaat a créé un compte Paraaf pour vous');
    const listed = await admin.get('/app/users');
    expect(listed.text).to.match(/claire@zonnebeke\.test<\/td><td data-label="Rol">Medewerker<\/td><td data-label="Taal">Frans<\/td>/);

    claire = browser();
    const token = RESET_LINK.exec(mail!.text)![1]!;
    const form = await claire.get(`/app/password/reset/${token}`);
    const set = await claire.post(`/app/password/reset/${token}`).type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!, password: PASSWORD, confirm: PASSWORD });
    expect(set.status, set.text.slice(0, 300)).to.equal(303);
    await claire.login(CLAIRE.email);
    expect(lang((await claire.get('/app')).text)).to.equal('fr');
  });

  it('a decline is told to an English sender in English and a French sender in French (subject and body)', async () => {
    const emmaId = await send(emma, 'Besluit 1: terrassen');
    await decline(emmaId, 'Het bedrag klopt niet.');
    const [toEmma, ...more] = await e2e.mails({ envelopeId: emmaId, to: EMMA.email });
    expect(more).to.have.length(0);
    expect(toEmma!.subject).to.equal('Declined: Besluit 1: terrassen');
    expect(toEmma!.text).to.include('Dear Emma English,').and.include('An Peeters has declined ‘Besluit 1: terrassen’.').and.include('Het bedrag klopt niet.');
    expect(toEmma!.text).to.include('View the signature request').and.include(`${BASE_URL}/app/envelopes/${emmaId}`);
    expect(toEmma!.html).to.include('lang="en');
    expect(await emma.badge('en')).to.equal(1);

    const claireId = await send(claire, 'Besluit 2: markten');
    await decline(claireId, 'Pas de budget.');
    const toClaire = await e2e.mails({ envelopeId: claireId, to: CLAIRE.email });
    expect(toClaire.map((m) => m.subject)).to.deep.equal(['Refusé : Besluit 2: markten']);
    expect(toClaire[0]!.text).to.include('Bonjour Claire Français,').and.include('An Peeters a refusé « Besluit 2: markten ».').and.include('Pas de budget.').and.include('Voir le dossier');
    expect(toClaire[0]!.html).to.include('lang="fr');
    expect(await claire.badge('fr')).to.equal(1);
  });

  it('bad notification addresses are refused on the settings page with a clear message; nothing is saved', async () => {
    const page = await admin.get('/app/settings');
    expect(page.text).to.include('<h2 id="notices">Meldingen over dossiers uit de API</h2>');
    expect(page.text).to.include('krijgen deze adressen een e-mail en ziet elke beheerder een melding in Paraaf');
    const csrf = csrfIn(page.text, '/app/settings/notices')!;
    const bad = await admin.post('/app/settings/notices').type('form').send({ _csrf: csrf, noticeEmails: 'secretariaat@zonnebeke.test\nnotanaddress', defaultLanguage: 'en' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('<p class="alert" role="alert" id="notice-emails-error">‘notanaddress’ is geen geldig e-mailadres. Verbeter het bij de meldingsadressen; er is niets opgeslagen.</p>');
    expect(bad.text, 'what was typed is kept').to.include('secretariaat@zonnebeke.test\nnotanaddress</textarea>').and.include('aria-invalid="true"');
    const six = Array.from({ length: 6 }, (_, i) => `meldingen${i}@zonnebeke.test`).join(', ');
    const tooMany = await admin.post('/app/settings/notices').type('form').send({ _csrf: csrf, noticeEmails: six, defaultLanguage: 'en' });
    expect(tooMany.status).to.equal(400);
    expect(tooMany.text).to.include('Geef hoogstens 5 meldingsadressen; u gaf er 6. Er is niets opgeslagen.');
    const organisation = await organisationById(e2e.app.deps.db, e2e.organisation.id);
    expect(organisation!.settings).to.not.have.property('noticeEmails');
    expect(organisation!.settings).to.not.have.property('defaultLanguage');
    // A staff member (not an admin) cannot change them.
    expect((await emma.post('/app/settings/notices').type('form').send({ _csrf: csrf, noticeEmails: 'x@zonnebeke.test', defaultLanguage: 'nl' })).status).to.equal(403);
  });

  it('an API envelope that is declined: the notice goes to the notification addresses in the organisation’s language, a badge to each admin', async () => {
    const page = await admin.get('/app/settings');
    const saved = await admin
      .post('/app/settings/notices')
      .type('form')
      .send({ _csrf: csrfIn(page.text, '/app/settings/notices')!, noticeEmails: ' Secretariaat@Zonnebeke.test ;\r\ndossiers@zonnebeke.test ', defaultLanguage: 'en' });
    expect(saved.status, saved.text.slice(0, 300)).to.equal(303);
    const after = await admin.get('/app/settings');
    expect(after.text).to.include('secretariaat@zonnebeke.test\ndossiers@zonnebeke.test</textarea>').and.include('<option value="en" selected>');
    const organisation = await organisationById(e2e.app.deps.db, e2e.organisation.id);
    expect(organisation!.settings.noticeEmails).to.deep.equal(['secretariaat@zonnebeke.test', 'dossiers@zonnebeke.test']);

    const piet = browser();
    await piet.login(SECOND_ADMIN.email);
    const before = { sara: await admin.badge('nl'), piet: await piet.badge('nl'), emma: await emma.badge('en') };

    const created = await e2e.createEnvelope({ title: 'Besluit 3: API', send: true, expiresAt: '2031-06-30T15:00:00+02:00', recipients: [{ name: director.name, email: director.email, role: 'signer' }] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    await decline(id, 'Verkeerde versie.');
    for (const address of ['secretariaat@zonnebeke.test', 'dossiers@zonnebeke.test']) {
      const mails = await e2e.mails({ envelopeId: id, to: address });
      expect(mails.map((m) => m.subject), address).to.deep.equal(['Declined: Besluit 3: API']);
      expect(mails[0]!.text).to.include('Dear Gemeente Zonnebeke,').and.include('An Peeters has declined ‘Besluit 3: API’.').and.include('Verkeerde versie.');
      expect(mails[0]!.text).to.include(`${BASE_URL}/app/envelopes/${id}`);
      expect(mails[0]!.parsed.headers.get('x-paraaf-staff-notice'), 'marked as a staff notice').to.equal('1');
    }
    expect(await admin.badge('nl'), 'Sara (admin)').to.equal(before.sara + 1);
    expect(await piet.badge('nl'), 'Piet (admin)').to.equal(before.piet + 1);
    expect(await emma.badge('en'), 'Emma is no admin').to.equal(before.emma);
    const list = await piet.get('/app/notifications');
    expect(list.text).to.include(`href="/app/envelopes/${id}"`).and.include('Besluit 3: API');
    const queued = (await e2e.audit(id)).filter((e) => e.action === 'mail.queued' && e.details.mail === 'declined').map((e) => e.details.email);
    expect(queued.sort()).to.deep.equal(['dossiers@zonnebeke.test', 'secretariaat@zonnebeke.test']);
  });

  it('an API envelope whose mail bounces: told once to the notification addresses and each admin; a bouncing notification address is only listed', async () => {
    e2e.smtp.rejectRecipients.add('geest@zonnebeke.test');
    e2e.smtp.rejectRecipients.add('dossiers@zonnebeke.test');
    const piet = browser();
    await piet.login(SECOND_ADMIN.email);
    const before = { sara: await admin.badge('nl'), piet: await piet.badge('nl') };
    const created = await e2e.createEnvelope({ title: 'Besluit 5: API', send: true, expiresAt: '2031-06-30T15:00:00+02:00', recipients: [{ name: 'Geest', email: 'geest@zonnebeke.test', role: 'signer' }] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    await e2e.deliver();
    const first = await e2e.app.handle.jobs.noticeDeadMails();
    const second = await e2e.app.handle.jobs.noticeDeadMails();
    expect([first.noticed, second.noticed], 'the sign request, once').to.deep.equal([1, 0]);
    await e2e.deliver();
    const told = await e2e.mails({ envelopeId: id, to: 'secretariaat@zonnebeke.test' });
    expect(told.map((m) => m.subject)).to.deep.equal(['Not delivered: Besluit 5: API']);
    expect(told[0]!.text).to.include('The e-mail to geest@zonnebeke.test about ‘Besluit 5: API’ could not be delivered.').and.include('550');
    expect(await admin.badge('nl')).to.equal(before.sara + 1);
    expect(await piet.badge('nl')).to.equal(before.piet + 1);
    // The notice to dossiers@ bounced too: listed for the admins, never mailed about (it would feed itself).
    const third = await e2e.app.handle.jobs.noticeDeadMails();
    expect(third.noticed).to.equal(1);
    await e2e.deliver();
    expect((await e2e.mails({ envelopeId: id })).filter((m) => m.subject.startsWith('Not delivered')), 'no second notice mail').to.have.length(1);
    expect(await admin.badge('nl')).to.equal(before.sara + 2);
    expect(await e2e.app.handle.jobs.noticeDeadMails()).to.deep.equal({ noticed: 0 });
    e2e.smtp.rejectRecipients.delete('dossiers@zonnebeke.test');
  });

  it('an API envelope that completes: the notification addresses are told (the button opens the dossier), each admin gets a badge', async () => {
    const created = await e2e.createEnvelope({ title: 'Besluit 4: API', send: true, expiresAt: '2031-06-30T15:00:00+02:00', recipients: [{ name: director.name, email: director.email, role: 'signer' }] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const id = created.body.id as string;
    const before = await admin.badge('nl');
    await e2e.deliver();
    const { token } = await e2e.theMail(id, director.email, 'signRequest');
    expect((await e2e.sign(token!)).status).to.equal(303);
    await e2e.deliver();
    const mails = await e2e.mails({ envelopeId: id, to: 'dossiers@zonnebeke.test' });
    expect(mails.map((m) => m.subject)).to.deep.equal(['Signed: Besluit 4: API']);
    expect(mails[0]!.text).to.include('Everyone has signed ‘Besluit 4: API’.').and.include(`${BASE_URL}/app/envelopes/${id}`);
    expect(await admin.badge('nl')).to.equal(before + 1);
  });
});
