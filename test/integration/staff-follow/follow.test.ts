/**
 * Staff follow-up over HTTP (issue 5): staff log in through /app/login, envelopes are created
 * through the API with the organisation's key, then the dashboard, the envelope page and its
 * actions, downloads and the failed-mail retry are driven like a browser without JavaScript.
 * A member of another organisation gets 404 on every one of these routes with our ids.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, createUser, type Organisation } from '../../../src/store/index.ts';
import { listEnvelopeAuditEvents } from '../../../src/store/audit-event-repository.ts';
import { listOutbox } from '../../../src/store/knex-outbox-store.ts';
import type { MailMessage } from '../../../src/notify/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { devPki, fixture } from '../api/helpers.ts';

const BASE_URL = 'https://paraaf.test';
const LINK = /https:\/\/paraaf\.test\/s\/([A-Za-z0-9_-]+)/;
const PASSWORD = 'correct horse battery staple 42';

const cookieOf = (res: request.Response, name: string): string | undefined =>
  ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)![1]!;

describe('staff follow-up /app', function () {
  this.timeout(180_000);
  let app: TestApp;
  let org: Organisation;
  let other: Organisation;
  let key: string;
  let session: string;
  let otherSession: string;
  const ids: { budget: string; mobility: string; draft: string } = { budget: '', mobility: '', draft: '' };

  const api = () => ({ Authorization: `Bearer ${key}` });
  const createEnvelope = async (envelope: Record<string, unknown>): Promise<string> => {
    const res = await request(app.url).post('/api/v1/envelopes').set(api()).field('envelope', JSON.stringify(envelope)).attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const apiEnvelope = async (id: string) => (await request(app.url).get(`/api/v1/envelopes/${id}`).set(api()).expect(200)).body;
  const auditOf = async (id: string): Promise<Array<{ action: string; actor: { kind: string; id: string }; details: Record<string, unknown> }>> =>
    (await request(app.url).get(`/api/v1/envelopes/${id}/audit`).set(api()).expect(200)).body.events;
  /** The stored trail, read without an (audited) export. */
  const storedTrail = (id: string) => listEnvelopeAuditEvents(app.deps.db, org.id, id);
  const mailsTo = async (email: string, envelopeId: string) =>
    (await listOutbox(app.deps.db, org.id, { kind: 'mail' })).filter((row) => {
      const m = row.payload as MailMessage;
      return m.to.email === email && m.headers?.['X-Paraaf-Envelope'] === envelopeId;
    });
  const linkIn = (row: { payload: unknown }) => LINK.exec((row.payload as MailMessage).text)![1]!;

  async function login(email: string): Promise<string> {
    const form = await request(app.url).get('/app/login').expect(200);
    const prelogin = cookieOf(form, 'paraaf_prelogin');
    const res = await request(app.url)
      .post('/app/login')
      .set('Cookie', prelogin ?? '')
      .type('form')
      .send({ email, password: PASSWORD, _csrf: csrfOf(form.text) });
    expect(res.status, res.text.slice(0, 400)).to.equal(303);
    const cookie = cookieOf(res, 'paraaf_session');
    expect(cookie, 'a session cookie').to.be.a('string');
    return cookie!;
  }
  const get = (path: string, cookie = session) => request(app.url).get(path).set('Cookie', cookie);
  const post = (path: string, form: Record<string, string>, cookie = session) => request(app.url).post(path).set('Cookie', cookie).type('form').send(form);
  /** The CSRF token of the staff member's pages. */
  const csrf = async (cookie = session) => csrfOf((await get('/app', cookie).expect(200)).text);

  before(async () => {
    const pki = await devPki();
    app = await bootstrap({ pki, trustAnchors: [pki.rootCertificate], env: { BASE_URL, SIGNER_RATE_LIMIT: '1000', SIGNER_SECRET: 'y'.repeat(40) } });
    org = await createOrganisation(app.deps.db, { slug: `zonnebeke-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    other = await createOrganisation(app.deps.db, { slug: `ieper-${randomUUID().slice(0, 8)}`, name: 'Stad Ieper' });
    key = (await createApiKey(app.deps.db, org.id, { name: 'zaaksysteem' })).plaintext;
    await createUser(app.deps.db, org.id, { email: 'secretariaat@zonnebeke.be', name: 'Sofie Secretariaat', role: 'staff', password: PASSWORD });
    await createUser(app.deps.db, other.id, { email: 'secretariaat@ieper.be', name: 'Ivo Ieper', role: 'staff', password: PASSWORD });
    session = await login('secretariaat@zonnebeke.be');
    otherSession = await login('secretariaat@ieper.be');

    ids.budget = await createEnvelope({
      title: 'Besluit gemeenteraad: budget <2027>',
      body: 'Gemeenteraad',
      recipients: [
        { name: 'An Peeters', email: 'an@zonnebeke.be', role: 'signer', order: 1, function: 'Algemeen directeur' },
        { name: 'Bart Claes', email: 'bart@zonnebeke.be', role: 'signer', order: 2, function: 'Voorzitter' },
      ],
      send: true,
    });
    ids.mobility = await createEnvelope({ title: 'Collegebesluit mobiliteitsplan', body: 'College <b&s>', recipients: [{ name: 'Carla Dewitte', email: 'carla@zonnebeke.be', role: 'signer', order: 1 }], send: true });
    ids.draft = await createEnvelope({ title: 'Notulen OCMW-raad', recipients: [{ name: 'Dirk Vos', email: 'dirk@zonnebeke.be', role: 'signer', order: 1 }] });
  });
  after(async () => {
    await app?.close();
  });

  it('sends a visitor without a session to the login page', async () => {
    const res = await request(app.url).get('/app').expect(303);
    expect(res.headers.location).to.match(/^\/app\/login\?next=/);
  });

  describe('the dashboard', () => {
    it('lists the organisation’s envelopes in an accessible table, with who is waiting', async () => {
      const res = await get('/app').expect(200);
      expect(res.headers['content-type']).to.match(/^text\/html/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.headers['content-security-policy']).to.include("script-src 'self'");
      const page = res.text;
      expect(page).to.include('<html lang="nl"');
      expect(page).to.include('<caption>Dossiers</caption>').and.include('<th scope="col">Wacht op</th>').and.include('<th scope="row">');
      expect(page).to.include('Besluit gemeenteraad: budget &lt;2027&gt;').and.not.include('budget <2027>');
      expect(page).to.include('Collegebesluit mobiliteitsplan').and.include('Notulen OCMW-raad');
      const budgetRow = page.slice(page.indexOf(`/app/envelopes/${ids.budget}`));
      expect(budgetRow.slice(0, budgetRow.indexOf('</tr>'))).to.include('An Peeters').and.include('Verstuurd').and.not.include('Bart Claes');
      expect(page).to.not.match(/<script(?! type="module" src="\/assets\/[a-z-]+\.js"><\/script>)|style=/);
      expect(page).to.not.include('Ieper');
    });

    it('filters by status, title, signer and creation date, in English too', async () => {
      const only = (page: string) => [ids.budget, ids.mobility, ids.draft].filter((id) => page.includes(`/app/envelopes/${id}`));
      expect(only((await get('/app?status=draft').expect(200)).text)).to.deep.equal([ids.draft]);
      expect(only((await get('/app?q=BUDGET').expect(200)).text)).to.deep.equal([ids.budget]);
      expect(only((await get('/app?signer=carla').expect(200)).text)).to.deep.equal([ids.mobility]);
      expect(only((await get('/app?signer=bart%40zonnebeke').expect(200)).text)).to.deep.equal([ids.budget]);
      expect(only((await get('/app?q=100%25').expect(200)).text)).to.deep.equal([]);
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(new Date());
      expect(only((await get(`/app?from=${today}&to=${today}`).expect(200)).text)).to.have.length(3);
      expect(only((await get('/app?to=2020-01-01').expect(200)).text)).to.deep.equal([]);
      const filtered = await get('/app?status=sent&lang=en').expect(200);
      expect(filtered.text).to.include('<html lang="en"').and.include('Signature requests matching the filters').and.include('<option value="sent" selected>');
      expect(only(filtered.text)).to.have.members([ids.budget, ids.mobility]);
      const bad = await get('/app?from=2026-13-45&lang=nl').expect(400);
      expect(bad.text).to.include('role="alert"');
    });

    it('filters by decision body (the signing route it was sent with), in nl/en/fr', async () => {
      const only = (page: string) => [ids.budget, ids.mobility, ids.draft].filter((id) => page.includes(`/app/envelopes/${id}`));
      expect((await apiEnvelope(ids.budget)).routeName).to.equal('Gemeenteraad');
      expect((await apiEnvelope(ids.draft)).routeName).to.equal(null);
      const all = (await get('/app').expect(200)).text;
      expect(all).to.include('<label for="filter-body">Orgaan</label>').and.include('<option value="">Alle organen</option>');
      expect(all).to.include('<option value="College &lt;b&amp;s&gt;">College &lt;b&amp;s&gt;</option>').and.include('<option value="Gemeenteraad">Gemeenteraad</option>');
      expect(all).to.include('<th scope="col">Orgaan</th>');
      const budgetRow = all.slice(all.indexOf(`/app/envelopes/${ids.budget}`));
      expect(budgetRow.slice(0, budgetRow.indexOf('</tr>'))).to.include('<td data-label="Orgaan">Gemeenteraad</td>');
      const raad = await get('/app?body=Gemeenteraad').expect(200);
      expect(only(raad.text)).to.deep.equal([ids.budget]);
      expect(raad.text).to.include('<option value="Gemeenteraad" selected>');
      expect(only((await get(`/app?body=${encodeURIComponent('College <b&s>')}`).expect(200)).text)).to.deep.equal([ids.mobility]);
      expect(only((await get('/app?body=gemeenteraad').expect(200)).text), 'exact match').to.deep.equal([]);
      expect(only((await get('/app?body=Gemeenteraad&status=draft').expect(200)).text)).to.deep.equal([]);
      expect((await get('/app?lang=en').expect(200)).text).to.include('<label for="filter-body">Body</label>').and.include('All bodies');
      expect((await get('/app?lang=fr').expect(200)).text).to.include('<label for="filter-body">Organe</label>').and.include('Tous les organes');
      expect((await get(`/app/envelopes/${ids.budget}`).expect(200)).text).to.include('<li>Orgaan: Gemeenteraad</li>');
      // Another organisation's bodies are not offered.
      const theirs = (await get('/app', otherSession).expect(200)).text;
      expect(theirs).to.not.include('Gemeenteraad').and.not.include('College &lt;b');
    });

    it('pages with a cursor', async () => {
      const first = await get('/app').expect(200);
      expect(first.text).to.not.include('rel="next"');
      // 25 per page: add enough drafts to need a second page.
      for (let i = 0; i < 24; i += 1) await createEnvelope({ title: `Agendapunt ${i}`, recipients: [{ name: 'Dirk Vos', email: 'dirk@zonnebeke.be', role: 'signer', order: 1 }] });
      const page1 = await get('/app').expect(200);
      const next = /href="(\/app\?cursor=[^"]+)" rel="next"/.exec(page1.text)![1]!.replace(/&amp;/g, '&');
      const page2 = await get(next).expect(200);
      expect(page2.text).to.include(`/app/envelopes/${ids.budget}`).and.include('Terug naar de eerste pagina');
      expect(page1.text).to.not.include(`/app/envelopes/${ids.budget}`);
    });
  });

  describe('the envelope page and its actions', () => {
    it('shows recipients and the timeline in Brussels time with human labels', async () => {
      const res = await get(`/app/envelopes/${ids.budget}`).expect(200);
      const page = res.text;
      expect(page).to.include('<h1>Besluit gemeenteraad: budget &lt;2027&gt;</h1>');
      expect(page).to.include('<caption>Ontvangers in volgorde van ondertekening</caption>').and.include('An Peeters').and.include('Bart Claes').and.include('aan de beurt');
      expect(page).to.include('Dossier aangemaakt').and.include('Dossier verstuurd').and.include('E-mail aan An Peeters (algemeen directeur): vraag om te ondertekenen');
      expect(page).to.match(/<time datetime="\d{4}-\d{2}-\d{2}T[^"]+Z">[^<]*\d{1,2}:\d{2}<\/time>/);
      expect(page).to.include(`/app/envelopes/${ids.budget}/remind`).and.include(`/app/envelopes/${ids.budget}/cancel`);
      expect(page).to.not.include('Auditrapport (PDF)');
    });

    it('reminds: a new mail and link for who is waiting, an audit event by the user; no CSRF, no action', async () => {
      await post(`/app/envelopes/${ids.budget}/remind`, {}).expect(403);
      const before = (await mailsTo('an@zonnebeke.be', ids.budget)).length;
      const res = await post(`/app/envelopes/${ids.budget}/remind`, { _csrf: await csrf() }).expect(303);
      expect(res.headers.location).to.equal(`/app/envelopes/${ids.budget}?notice=reminded`);
      expect((await get(res.headers.location).expect(200)).text).to.include('De herinnering is verstuurd.');
      const mails = await mailsTo('an@zonnebeke.be', ids.budget);
      expect(mails).to.have.length(before + 1);
      expect((await mailsTo('bart@zonnebeke.be', ids.budget))).to.have.length(0);
      const reminded = (await auditOf(ids.budget)).find((e) => e.action === 'envelope.reminded')!;
      expect(reminded.actor.kind).to.equal('user');
    });

    it('corrects a recipient’s e-mail: the old link is gone (410), the new address gets a new link', async () => {
      const oldToken = linkIn((await mailsTo('an@zonnebeke.be', ids.budget)).at(-1)!);
      await request(app.url).get(`/s/${oldToken}`).expect(200);
      const envelope = await apiEnvelope(ids.budget);
      const an = envelope.recipients.find((r: { name: string }) => r.name === 'An Peeters');
      const bart = envelope.recipients.find((r: { name: string }) => r.name === 'Bart Claes');
      const invalid = await post(`/app/envelopes/${ids.budget}/recipients/${an.id}/email`, { email: 'not an address', _csrf: await csrf() }).expect(422);
      expect(invalid.text).to.include('role="alert"');

      const res = await post(`/app/envelopes/${ids.budget}/recipients/${an.id}/email`, { email: 'An.Peeters@Zonnebeke.be', _csrf: await csrf() }).expect(303);
      expect(res.headers.location).to.include('notice=correctedMailed');
      await request(app.url).get(`/s/${oldToken}`).expect(410);
      const fresh = await mailsTo('an.peeters@zonnebeke.be', ids.budget);
      expect(fresh).to.have.length(1);
      await request(app.url).get(`/s/${linkIn(fresh[0]!)}`).expect(200);
      const corrected = (await auditOf(ids.budget)).find((e) => e.action === 'recipient.email_corrected')!;
      expect(corrected.actor.kind).to.equal('user');
      expect(corrected.details).to.deep.equal({ recipientId: an.id, previousEmail: 'an@zonnebeke.be', email: 'an.peeters@zonnebeke.be' });

      // Not their turn yet: the address changes, nothing is mailed.
      const later = await post(`/app/envelopes/${ids.budget}/recipients/${bart.id}/email`, { email: 'bart.claes@zonnebeke.be', _csrf: await csrf() }).expect(303);
      expect(later.headers.location).to.include('notice=corrected');
      expect(await mailsTo('bart.claes@zonnebeke.be', ids.budget)).to.have.length(0);
      const page = (await get(`/app/envelopes/${ids.budget}`).expect(200)).text;
      expect(page).to.include('E-mailadres van An Peeters (algemeen directeur) verbeterd: an@zonnebeke.be werd an.peeters@zonnebeke.be');
    });

    it('downloads the current and original PDFs (audit event), and no report while open', async () => {
      const envelope = await apiEnvelope(ids.budget);
      const doc = envelope.documents[0].id as string;
      const current = await get(`/app/envelopes/${ids.budget}/documents/${doc}`).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(current.status).to.equal(200);
      expect(current.headers['content-type']).to.equal('application/pdf');
      expect((current.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
      const original = await get(`/app/envelopes/${ids.budget}/documents/${doc}/original`).expect(200);
      expect(original.headers['content-disposition']).to.include('besluit (original).pdf');
      const downloads = (await auditOf(ids.budget)).filter((e) => e.action === 'document.downloaded');
      expect(downloads.map((e) => [e.actor.kind, e.details.variant])).to.deep.equal([
        ['user', 'current'],
        ['user', 'original'],
      ]);
      // Refused exports of an open envelope (409) record nothing (issue 10).
      const before = await storedTrail(ids.budget);
      await get(`/app/envelopes/${ids.budget}/audit-report`).expect(409);
      await get(`/app/envelopes/${ids.budget}/bundle`).expect(409);
      expect((await storedTrail(ids.budget)).map((e) => e.hash)).to.deep.equal(before.map((e) => e.hash));
    });

    it('shows a failed mail with a retry that makes it due again', async () => {
      const mail = (await mailsTo('carla@zonnebeke.be', ids.mobility))[0]!;
      await app.deps.db('outbox').where({ id: mail.id }).update({ status: 'dead', attempts: 8, last_error: '550 mailbox unavailable', next_attempt_at: new Date(Date.now() + 3600_000).toISOString() });
      const page = (await get(`/app/envelopes/${ids.mobility}`).expect(200)).text;
      expect(page).to.include('Mislukte e-mails').and.include('550 mailbox unavailable').and.include(`/mails/${mail.id}/retry`);
      const res = await post(`/app/envelopes/${ids.mobility}/mails/${mail.id}/retry`, { _csrf: await csrf() }).expect(303);
      expect(res.headers.location).to.include('notice=retried');
      const row = await app.deps.db('outbox').where({ id: mail.id }).first();
      expect(row.status).to.equal('pending');
      expect(new Date(row.next_attempt_at).getTime()).to.be.at.most(Date.now() + 1000);
      const retried = (await auditOf(ids.mobility)).find((e) => e.action === 'mail.retried')!;
      expect(retried.actor.kind).to.equal('user');
      expect(retried.details.outboxId).to.equal(mail.id);
      // Delivered on the next run: nothing failed any more, and a second retry is 404.
      await app.handle.jobs.outbox.runOnce();
      expect((await get(`/app/envelopes/${ids.mobility}`).expect(200)).text).to.not.include('Mislukte e-mails');
      await post(`/app/envelopes/${ids.mobility}/mails/${mail.id}/retry`, { _csrf: await csrf() }).expect(404);
    });

    it('shows a mail the worker stopped sending midway as uncertain, not resent by itself, with the same retry (issue 10)', async () => {
      const mail = (await mailsTo('carla@zonnebeke.be', ids.mobility))[0]!;
      // What a worker killed while handing the mail to SMTP leaves behind, once its lease ran out.
      await app.deps.db('outbox').where({ id: mail.id }).update({ status: 'pending', delivery_state: 'sending', delivery_id: 'd-1', next_attempt_at: new Date(Date.now() - 1000).toISOString() });
      await app.handle.jobs.outbox.runOnce();
      expect(await app.deps.db('outbox').where({ id: mail.id }).first('status', 'delivery_state')).to.deep.equal({ status: 'dead', delivery_state: 'uncertain' });
      const page = (await get(`/app/envelopes/${ids.mobility}`).expect(200)).text;
      expect(page).to.include('Mislukte e-mails').and.include('(onzeker)').and.include('Misschien is ze aangekomen, misschien niet').and.include(`/mails/${mail.id}/retry`);
      await post(`/app/envelopes/${ids.mobility}/mails/${mail.id}/retry`, { _csrf: await csrf() }).expect(303);
      expect(await app.deps.db('outbox').where({ id: mail.id }).first('status', 'delivery_state')).to.deep.equal({ status: 'pending', delivery_state: null });
      await app.handle.jobs.outbox.runOnce();
      expect((await app.deps.db('outbox').where({ id: mail.id }).first('status')).status).to.equal('sent');
    });

    it('cancels after a confirmation page, with a reason; then the report and bundle are there', async () => {
      const confirm = await get(`/app/envelopes/${ids.mobility}/cancel`).expect(200);
      expect(confirm.text).to.match(/<textarea id="reason" name="reason"[^>]* required/).and.include('Ja, dossier intrekken');
      const noReason = await post(`/app/envelopes/${ids.mobility}/cancel`, { reason: '  ', _csrf: csrfOf(confirm.text) }).expect(422);
      expect(noReason.text).to.include('aria-invalid="true"');
      expect((await apiEnvelope(ids.mobility)).status).to.equal('sent');
      const res = await post(`/app/envelopes/${ids.mobility}/cancel`, { reason: 'Verkeerde versie opgeladen', _csrf: csrfOf(confirm.text) }).expect(303);
      expect(res.headers.location).to.include('notice=cancelled');
      const envelope = await apiEnvelope(ids.mobility);
      expect(envelope.status).to.equal('cancelled');
      expect(envelope.cancelReason).to.equal('Verkeerde versie opgeladen');
      const cancelled = (await auditOf(ids.mobility)).find((e) => e.action === 'envelope.cancelled')!;
      expect(cancelled.actor.kind).to.equal('user');
      const page = (await get(`/app/envelopes/${ids.mobility}`).expect(200)).text;
      expect(page).to.include('Dossier ingetrokken: Verkeerde versie opgeladen').and.include('Auditrapport (PDF)').and.not.include('/remind"');
      const before = await storedTrail(ids.mobility);
      const report = await get(`/app/envelopes/${ids.mobility}/audit-report?lang=en`).set('User-Agent', 'Firefox/140').expect(200);
      expect(report.headers['content-type']).to.equal('application/pdf');
      const bundle = await get(`/app/envelopes/${ids.mobility}/bundle`).expect(200);
      expect(bundle.headers['content-type']).to.equal('application/zip');
      // Each download is exactly one audit.exported by this staff member (issue 10), in the timeline in words.
      const exported = (await storedTrail(ids.mobility)).slice(before.length);
      expect(exported.map((e) => [e.action, e.actorKind, e.actorLabel, e.details])).to.deep.equal([
        ['audit.exported', 'user', 'Sofie Secretariaat', { format: 'report', language: 'en' }],
        ['audit.exported', 'user', 'Sofie Secretariaat', { format: 'bundle', language: 'nl' }],
      ]);
      expect(exported[0]!.userAgent).to.equal('Firefox/140');
      const timeline = (await get(`/app/envelopes/${ids.mobility}`).expect(200)).text;
      expect(timeline).to.include('Auditrapport gedownload').and.include('Bewijsbundel gedownload').and.not.include('audit.exported');
      // A closed envelope cannot be reminded: a page that says so.
      await post(`/app/envelopes/${ids.mobility}/remind`, { _csrf: await csrf() }).expect(409);
    });
  });

  describe('another organisation', () => {
    it('gets 404 on every follow-up route with our ids', async () => {
      const envelope = await apiEnvelope(ids.budget);
      const doc = envelope.documents[0].id as string;
      const recipient = envelope.recipients[1].id as string;
      const mail = (await mailsTo('carla@zonnebeke.be', ids.mobility))[0]!.id;
      const token = await csrf(otherSession);
      const statusBefore = envelope.status as string;
      const trailsBefore = await Promise.all([ids.budget, ids.mobility, ids.draft].map(async (id) => (await storedTrail(id)).length));
      for (const id of [ids.budget, ids.mobility, ids.draft]) {
        for (const path of [`/app/envelopes/${id}`, `/app/envelopes/${id}/cancel`, `/app/envelopes/${id}/documents/${doc}`, `/app/envelopes/${id}/documents/${doc}/original`, `/app/envelopes/${id}/audit-report`, `/app/envelopes/${id}/bundle`]) {
          const res = await get(path, otherSession);
          expect(res.status, `GET ${path}`).to.equal(404);
          expect(res.headers['content-type'], path).to.match(/^text\/html/);
        }
        for (const [path, form] of [
          [`/app/envelopes/${id}/remind`, {}],
          [`/app/envelopes/${id}/cancel`, { reason: 'x' }],
          [`/app/envelopes/${id}/recipients/${recipient}/email`, { email: 'evil@ieper.be' }],
          [`/app/envelopes/${id}/mails/${mail}/retry`, {}],
        ] as const) {
          const res = await post(path, { ...form, _csrf: token }, otherSession);
          expect(res.status, `POST ${path}`).to.equal(404);
        }
      }
      const dashboard = (await get('/app', otherSession).expect(200)).text;
      expect(dashboard).to.not.include(ids.budget).and.not.include('budget');
      expect((await apiEnvelope(ids.budget)).status).to.equal(statusBefore);
      // Another organisation's downloads of our report or bundle are refused and record nothing (issue 10).
      expect(await Promise.all([ids.budget, ids.mobility, ids.draft].map(async (id) => (await storedTrail(id)).length))).to.deep.equal(trailsBefore);
      expect((await apiEnvelope(ids.budget)).recipients[1].email).to.equal('bart.claes@zonnebeke.be');
      expect((await apiEnvelope(ids.draft)).status).to.equal('draft');
    });
  });
});
