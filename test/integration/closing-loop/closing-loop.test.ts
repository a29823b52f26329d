/**
 * Closing the loop (issue 12), over HTTP with a real SMTP server: a staff member sends through /app/send and
 * sees how many went; on completion every signer, the cc and the sender get a mail whose link downloads the
 * signed PDF (valid in pdfsig, qpdf and openssl), recorded as `result.downloaded`, and the link answers 410
 * after RESULT_LINK_DAYS; the sender gets a mail and a badge for a completion, a decline, an expiry and a
 * bounced mail; the organisation's reminder schedule reminds on time and never twice. The server's clock is
 * a seam the test moves forward.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createUser, upsertPerson, type Person } from '../../../src/store/index.ts';
import { listEnvelopes } from '../../../src/workflow/index.ts';
import { expectAllValid } from '../engine/check.ts';
import { BASE_URL, startE2E, type E2E, type Mail } from '../e2e/harness.ts';
import { fixture } from '../api/helpers.ts';
import { cookieJar } from '../../helpers/cookie-jar.ts';

const PASSWORD = 'correct horse battery staple 42';
const STAFF = { email: 'secretariaat@zonnebeke.test', name: 'Sara Secretariaat' };
const DAY = 86_400_000;
const RESULT_LINK = new RegExp(`${BASE_URL.replace(/\./g, '\\.')}/r/([A-Za-z0-9_-]{20,})`);

describe('closing the loop (issue 12)', function () {
  this.timeout(180_000);
  /** The server's clock; set when the server starts (its TSA refuses a time before its certificate, made then). */
  let now = 0;
  let e2e: E2E;
  // The staff cookies are Secure (BASE_URL is https), which supertest's agent would keep from plain http: a jar of our own.
  const jar = cookieJar();
  const keep = jar.keep;
  const cookies = jar.header;
  const agent = {
    get: (path: string) => ({ expect: async (status: number) => {
      const res = keep(await request(e2e.app.url).get(path).set('Cookie', cookies()));
      expect(res.status, `${path}: ${res.text?.slice(0, 300)}`).to.equal(status);
      return res;
    } }),
    post: (path: string) => request(e2e.app.url).post(path).set('Cookie', cookies()),
  };
  let director: Person;
  let chair: Person;
  let archive: Person;

  const login = async () => {
    jar.clear();
    const page = await agent.get('/app/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    keep(await agent.post('/app/login').type('form').send({ _csrf: csrf, email: STAFF.email, password: PASSWORD }).expect(303));
  };
  const dateIn = (days: number) => new Date(now + days * DAY).toISOString().slice(0, 10);
  /** Sends one PDF per title through the staff form; answers the redirect and the new envelopes' ids (newest first). */
  const send = async (titles: string[], people: Array<[Person, 'signer' | 'cc', number]>, deadlineDays = 20) => {
    const page = await agent.get('/app/send').expect(200);
    const csrf = /<form id="send-form"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    let req = agent.post('/app/send').field('_csrf', csrf).field('mode', 'perDocument').field('deadline', dateIn(deadlineDays));
    people.forEach(([person, role, order], i) => {
      req = req.field(`person-${i}`, person.id).field(`role-${i}`, role).field(`order-${i}`, String(order));
    });
    titles.forEach((title, i) => {
      req = req.field(`title-${i}`, title).attach('documents', fixture('reportlab-decision.pdf'), { filename: `besluit_${i + 1}.pdf`, contentType: 'application/pdf' });
    });
    const res = keep(await req);
    expect(res.status, res.text.slice(0, 500)).to.equal(303);
    const items = (await listEnvelopes(e2e.app.deps.workflow, { organisationId: e2e.organisation.id, limit: 100 })).items;
    return { location: res.headers.location as string, ids: items.filter((e) => titles.includes(e.title)).map((e) => e.id) };
  };
  const mailOf = async (envelopeId: string, to: string, subjectStart: string): Promise<Mail> => {
    const found = (await e2e.mails({ envelopeId, to })).filter((m) => m.subject.startsWith(subjectStart));
    expect(found.map((m) => m.subject), `one '${subjectStart}' mail to ${to}`).to.have.length(1);
    return found[0]!;
  };
  const signFromMail = async (envelopeId: string, person: Person) => {
    const { token } = await mailOf(envelopeId, person.email, 'Te ondertekenen: ');
    // Read before signing (issue 12, helper R): each document downloaded once counts as opened.
    const page = await e2e.openLink(token!);
    for (const [, href] of page.text.matchAll(/href="(\/s\/[^"/]+\/documents\/[^"?#]+)"/g)) await request(e2e.app.url).get(href!).expect(200);
    const res = await e2e.sign(token!);
    expect(res.status, res.text.replace(/[\s\S]*<main[^>]*>/, '').slice(0, 400)).to.equal(303);
  };
  const badge = async () => {
    const page = await agent.get('/app').expect(200);
    return /aria-label="Meldingen, (\d+) nieuw"/.exec(page.text)?.[1] ?? '0';
  };
  const download = (path: string) =>
    request(e2e.app.url)
      .get(path)
      .buffer(true)
      .parse((r, callback) => {
        const chunks: Buffer[] = [];
        r.on('data', (chunk: Buffer) => chunks.push(chunk));
        r.on('end', () => callback(null, Buffer.concat(chunks)));
      });

  before(async () => {
    now = Date.now();
    e2e = await startE2E({ clock: () => new Date(now) });
    const db = e2e.app.deps.db;
    director = (await upsertPerson(db, e2e.organisation.id, { name: 'An Peeters', email: 'an@zonnebeke.test', function: 'Algemeen directeur' })).person;
    chair = (await upsertPerson(db, e2e.organisation.id, { name: 'Bart Claes', email: 'bart@zonnebeke.test', function: 'Voorzitter' })).person;
    archive = (await upsertPerson(db, e2e.organisation.id, { name: 'Archief Zonnebeke', email: 'archief@zonnebeke.test', function: null })).person;
    await createUser(db, e2e.organisation.id, { email: STAFF.email, role: 'admin', name: STAFF.name, password: PASSWORD });
    await login();
  });
  after(async () => {
    await e2e?.close();
  });

  let completedId: string;
  const resultTokens = new Map<string, string>();

  it('after "Versturen" the dashboard says how many dossiers went, as a status message', async () => {
    const sent = await send(['Besluit 1: terrassen', 'Besluit 2: markten'], [[director, 'signer', 1], [chair, 'signer', 2], [archive, 'cc', 3]]);
    expect(sent.location).to.equal('/app?sent=2');
    const page = await agent.get(sent.location).expect(200);
    expect(page.text).to.include('<p class="notice" role="status">2 dossiers verstuurd.</p>');
    expect((await agent.get('/app').expect(200)).text, 'only right after sending').to.not.include('role="status">');
    completedId = sent.ids.find(Boolean)!;
  });

  it('a completed dossier: each signer, the cc and the sender get a mail whose own link downloads the signed PDF', async () => {
    await e2e.deliver();
    await signFromMail(completedId, director);
    await e2e.deliver();
    await signFromMail(completedId, chair);
    await e2e.deliver();
    const envelope = await e2e.getEnvelope(completedId);
    expect(envelope.status).to.equal('completed');
    const signed = await e2e.downloadCurrent(completedId, envelope.documents[0]!.id);
    let validated = false;
    for (const person of [director, chair, archive, { email: STAFF.email, name: STAFF.name }]) {
      const mail = await mailOf(completedId, person.email, 'Ondertekend: ');
      expect(mail.text, 'no "ask the organisation" any more').to.not.include('opvragen bij');
      expect(mail.text).to.include('De link werkt tot ');
      const token = RESULT_LINK.exec(mail.text)?.[1];
      expect(token, `a result link for ${person.email}`).to.be.a('string');
      expect(mail.html).to.include(`href="${BASE_URL}/r/${token}"`);
      expect([...resultTokens.values()], 'a link of their own').to.not.include(token);
      resultTokens.set(person.email, token!);
      const page = await request(e2e.app.url).get(`/r/${token}`);
      expect(page.status, page.text.slice(0, 300)).to.equal(200);
      expect(page.text).to.include('<h1>Ondertekende documenten</h1>').and.include(envelope.title).and.include('Gemeente Zonnebeke');
      expect(page.headers['cache-control']).to.equal('no-store');
      const href = new RegExp(`href="(/r/${token}/documents/${completedId}/[0-9a-f-]{36})"`).exec(page.text)?.[1];
      expect(href, 'a download link').to.be.a('string');
      const pdf = await download(href!);
      expect(pdf.status).to.equal(200);
      expect(pdf.headers['content-type']).to.match(/^application\/pdf/);
      const bytes = pdf.body as Buffer;
      expect(createHash('sha256').update(bytes).digest('hex'), 'the signed PDF itself').to.equal(createHash('sha256').update(signed).digest('hex'));
      if (!validated) {
        const report = await expectAllValid(bytes, e2e.rootPem, { label: 'result download' });
        expect(report).to.be.an('object');
        validated = true;
      }
    }
    const downloads = (await e2e.audit(completedId)).filter((e) => e.action === 'result.downloaded');
    expect(downloads).to.have.length(4);
    expect(downloads.filter((d) => d.details.userId).map((d) => d.actor.kind)).to.deep.equal(['user']);
    expect(downloads.filter((d) => d.details.recipientId).map((d) => d.actor.kind)).to.deep.equal(['recipient', 'recipient', 'recipient']);
  });

  it('the audit report downloads through the link too', async () => {
    const token = resultTokens.get(director.email)!;
    const res = await download(`/r/${token}/audit-report/${completedId}`);
    expect(res.status).to.equal(200);
    expect((res.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
  });

  it('the sender sees a badge for the completion; the list shows it and marks it read', async () => {
    expect(await badge()).to.equal('1');
    const list = await agent.get('/app/notifications').expect(200);
    expect(list.text).to.include('<h1>Meldingen</h1>').and.include('Iedereen heeft ‘Besluit').and.include(`href="/app/envelopes/${completedId}"`);
    expect(await badge()).to.equal('0');
  });

  it('a result link answers 410 after RESULT_LINK_DAYS (30) and names the organisation', async () => {
    now += 31 * DAY;
    await login();
    const res = await request(e2e.app.url).get(`/r/${resultTokens.get(chair.email)}`);
    expect(res.status).to.equal(410);
    expect(res.text).to.include('Deze link werkt niet meer').and.include('Vraag de documenten op bij Gemeente Zonnebeke.');
    const unknown = await request(e2e.app.url).get(`/r/${'x'.repeat(43)}`);
    expect(unknown.status).to.equal(404);
  });

  it('a decline: the sender gets a mail and a notification', async () => {
    const { ids } = await send(['Besluit 3: parkeren'], [[director, 'signer', 1]]);
    await e2e.deliver();
    const { token } = await mailOf(ids[0]!, director.email, 'Te ondertekenen: ');
    const declined = await e2e.decline(token!, 'Het bedrag klopt niet.');
    expect(declined.status).to.equal(303);
    await e2e.deliver();
    const mail = await mailOf(ids[0]!, STAFF.email, 'Geweigerd: ');
    expect(mail.text).to.include('An Peeters heeft ‘Besluit 3: parkeren’ geweigerd.').and.include('Het bedrag klopt niet.').and.include(`${BASE_URL}/app/envelopes/${ids[0]}`);
    expect(await badge()).to.equal('1');
  });

  it('correct and resend: the declined dossier goes back to sent with the corrected address, same audit chain, a fresh link', async () => {
    const { ids } = await send(['Besluit 7: wegenis'], [[director, 'signer', 1], [chair, 'signer', 2]]);
    const id = ids[0]!;
    await e2e.deliver();
    const first = await mailOf(id, director.email, 'Te ondertekenen: ');
    expect((await e2e.decline(first.token!, 'Dit adres lees ik niet; stuur het naar mijn werkadres.')).status).to.equal(303);
    await e2e.deliver();
    const page = await agent.get(`/app/envelopes/${id}`).expect(200);
    expect(page.text).to.include('Verbeteren en opnieuw versturen');
    const csrf = /action="\/app\/envelopes\/[^"]+\/resend" class="stacked">\s*<input type="hidden" name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const resent = await agent.post(`/app/envelopes/${id}/resend`).type('form').send({ _csrf: csrf, name: 'An Peeters', email: 'an.peeters@werk.zonnebeke.test' });
    expect(resent.status, resent.text.slice(0, 300)).to.equal(303);
    expect(resent.headers.location).to.equal(`/app/envelopes/${id}?notice=resent`);
    const envelope = await e2e.getEnvelope(id);
    expect(envelope.status).to.equal('sent');
    expect(envelope.recipients.map((r) => [r.email, r.status])).to.deep.equal([
      ['an.peeters@werk.zonnebeke.test', 'sent'],
      [chair.email, 'pending'],
    ]);
    await e2e.deliver();
    const fresh = await mailOf(id, 'an.peeters@werk.zonnebeke.test', 'Te ondertekenen: ');
    expect(fresh.token).to.not.equal(first.token);
    expect((await e2e.openLink(first.token!)).status, 'the old link stays dead').to.equal(410);
    await signFromMail(id, { ...director, email: 'an.peeters@werk.zonnebeke.test' });
    const trail = await e2e.audit(id);
    const actions = trail.map((e) => e.action);
    expect(actions.indexOf('recipient.declined')).to.be.below(actions.indexOf('envelope.resent'));
    expect(actions.indexOf('envelope.resent')).to.be.below(actions.lastIndexOf('recipient.signed'));
    expect(trail.find((e) => e.action === 'envelope.resent')!.details.changes).to.deep.equal([
      { field: 'email', recipientId: envelope.recipients[0]!.id, from: director.email, to: 'an.peeters@werk.zonnebeke.test' },
    ]);
    expect(trail.map((e) => e.seq)).to.deep.equal(trail.map((_, i) => i + 1));
    // A second resend of what is no longer declined is refused.
    const again = await agent.post(`/app/envelopes/${id}/resend`).type('form').send({ _csrf: csrf, name: 'An Peeters', email: 'x@zonnebeke.test' });
    expect(again.status).to.equal(409);
  });

  it('an expiry: the sender gets a mail and a notification', async () => {
    const { ids } = await send(['Besluit 4: begraafplaats'], [[director, 'signer', 1]], 2);
    const before = Number(await badge());
    now += 3 * DAY;
    await login();
    const run = await e2e.app.handle.jobs.expire();
    // 'Besluit 2: markten' of the first test ran out too (20 days): one notification each.
    expect(run.expired.map((e) => e.envelopeId)).to.include(ids[0]).and.have.length(2);
    await e2e.deliver();
    const mail = await mailOf(ids[0]!, STAFF.email, 'Verlopen: ');
    expect(mail.text).to.include(`${BASE_URL}/app/envelopes/${ids[0]}`);
    expect(Number(await badge())).to.equal(before + 2);
  });

  it('a bounced mail (550 at RCPT): the sender is told once, by mail and notification', async () => {
    const ghost = (await upsertPerson(e2e.app.deps.db, e2e.organisation.id, { name: 'Geest', email: 'geest@zonnebeke.test', function: null })).person;
    e2e.smtp.rejectRecipients.add(ghost.email);
    const before = Number(await badge());
    const { ids } = await send(['Besluit 5: fuif'], [[ghost, 'signer', 1]]);
    await e2e.deliver();
    const first = await e2e.app.handle.jobs.noticeDeadMails();
    const second = await e2e.app.handle.jobs.noticeDeadMails();
    expect([first.noticed, second.noticed]).to.deep.equal([1, 0]);
    await e2e.deliver();
    const mail = await mailOf(ids[0]!, STAFF.email, 'Niet bezorgd: ');
    expect(mail.text).to.include('De e-mail aan geest@zonnebeke.test over ‘Besluit 5: fuif’ kon niet bezorgd worden.').and.include('550');
    expect(Number(await badge())).to.equal(before + 1);
    const list = await agent.get('/app/notifications').expect(200);
    expect(list.text.match(/class="unread"/g)).to.have.length(before + 1);
    expect(list.text).to.include('De e-mail aan geest@zonnebeke.test over ‘Besluit 5: fuif’ kon niet bezorgd worden.');
  });

  it('reminders follow the organisation schedule (after 3 days, then every 4, at most 2) and never go twice', async () => {
    const settings = await agent.get('/app/settings').expect(200);
    expect(settings.text).to.include('Automatische herinneringen');
    const csrf = /action="\/app\/settings" class="stacked"><input type="hidden" name="_csrf" value="([^"]+)"/.exec(settings.text)![1]!;
    const saved = await agent
      .post('/app/settings')
      .type('form')
      .send({ _csrf: csrf, name: 'Gemeente Zonnebeke', defaultExpiryDays: '30', remindersEnabled: '1', remindersFirstAfterDays: '3', remindersEveryDays: '4', remindersMax: '2' });
    expect(saved.status, saved.text.slice(0, 500)).to.equal(303);
    const { ids } = await send(['Besluit 6: sporthal'], [[chair, 'signer', 1]], 30);
    await e2e.deliver();
    const reminders = async () => (await e2e.mails({ envelopeId: ids[0], to: chair.email })).filter((m) => m.subject.startsWith('Herinnering')).length;
    const tick = async (days: number) => {
      now += days * DAY;
      const run = await e2e.app.handle.jobs.sendDueReminders();
      await e2e.deliver();
      return run.reminded.filter((r) => r.envelopeId === ids[0]).length;
    };
    expect(await tick(2.9)).to.equal(0);
    expect(await tick(0.2)).to.equal(1);
    expect(await tick(0), 'not twice').to.equal(0);
    expect(await tick(3.9)).to.equal(0);
    expect(await tick(0.2)).to.equal(1);
    expect(await tick(10), 'at most 2').to.equal(0);
    expect(await reminders()).to.equal(2);
    const events = (await e2e.audit(ids[0]!)).filter((e) => e.action === 'recipient.reminded');
    expect(events.map((e) => [e.details.automatic, e.details.reminder])).to.deep.equal([
      [true, 1],
      [true, 2],
    ]);
  });
});
