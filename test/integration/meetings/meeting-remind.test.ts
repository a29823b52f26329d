/**
 * "Remind the meeting" (issue 12), over HTTP with a real SMTP server: staff remind everyone still waiting in a
 * meeting with one action, through the API (`POST /api/v1/meetings/{id}/remind`) or the button on the meeting page.
 * Each signer gets exactly ONE reminder per meeting, listing the items still waiting for them in agenda order, with a
 * fresh link to the meeting page (the previous one stops working); each item reminded has `envelope.reminded` in its
 * audit trail. The organisation's automatic reminders group a meeting's items the same way.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createUser } from '../../../src/store/index.ts';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { CHAIR, DIRECTOR, listedOnMeetingPage, meetingToken, sentMeeting, signMeeting, staffSession, UA } from './meeting-signer.ts';

const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple 42';
const STAFF = 'secretariaat@zonnebeke.be';

describe('meetings: reminding a whole meeting, one mail per signer', function () {
  this.timeout(180_000);
  /** The server's clock; set when the server starts (its TSA refuses a time before its certificate, made then). */
  let now = 0;
  let e2e: E2E;
  let meeting: { id: string; envelopeIds: string[] };
  const api = () => request(e2e.app.url);
  const reminders = async (to: string) => (await e2e.mails({ to })).filter((m) => m.subject.startsWith('Herinnering: Gemeenteraad 2 maart 2027'));

  before(async () => {
    now = Date.now();
    e2e = await startE2E({ clock: () => new Date(now) });
    await createUser(e2e.app.deps.db, e2e.organisation.id, { email: STAFF, role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    meeting = await sentMeeting(e2e, 'Gemeenteraad 2 maart 2027', ['Notulen', 'Rooilijnplan', 'Subsidie']);
  });
  after(async () => {
    await e2e?.close();
  });

  it('refuses a meeting not sent yet (409 meeting_not_sent) and another organisation’s meeting is 404', async () => {
    const draft = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'college', title: 'College 3 maart 2027', date: '2027-03-03' });
    const res = await api().post(`/api/v1/meetings/${draft.body.id}/remind`).set(e2e.auth()).send();
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('meeting_not_sent');
    const unknown = await api().post('/api/v1/meetings/00000000-0000-4000-8000-000000000000/remind').set(e2e.auth()).send();
    expect(unknown.status).to.equal(404);
    expect(unknown.body.code).to.equal('meeting_not_found');
  });

  it('the API reminds the meeting: ONE mail to the director for its three items, a fresh link, an audit event per item', async () => {
    const [request_] = (await e2e.mails({ to: DIRECTOR.email })).filter((m) => m.subject.startsWith('Te ondertekenen: '));
    const old = meetingToken(request_!.text, meeting.id);
    const res = await api().post(`/api/v1/meetings/${meeting.id}/remind`).set(e2e.auth()).set('Idempotency-Key', 'remind-meeting-1').send();
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.reminded.map((r: { envelopeId: string }) => r.envelopeId)).to.deep.equal(meeting.envelopeIds);
    expect(res.body.reminded.every((r: { recipientIds: string[] }) => r.recipientIds.length === 1)).to.equal(true);
    const again = await api().post(`/api/v1/meetings/${meeting.id}/remind`).set(e2e.auth()).set('Idempotency-Key', 'remind-meeting-1').send();
    expect(again.status, 'a retry with its Idempotency-Key reminds nobody again').to.equal(200);
    await e2e.deliver();
    const mails = await reminders(DIRECTOR.email);
    expect(mails.map((m) => m.subject)).to.deep.equal(['Herinnering: Gemeenteraad 2 maart 2027 wacht op uw handtekening (3 stuk(ken))']);
    expect(await reminders(CHAIR.email), 'the chair’s turn has not come').to.have.length(0);
    const text = mails[0]!.text;
    const positions = ['1. Notulen', '2. Rooilijnplan', '3. Subsidie'].map((line) => text.indexOf(line));
    expect(positions.every((p) => p >= 0), text).to.equal(true);
    expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
    expect(text).to.include('vervangt die uit de vorige mail');
    const fresh = meetingToken(text, meeting.id);
    expect((await listedOnMeetingPage(e2e, fresh, meeting.id)).ids).to.deep.equal(meeting.envelopeIds);
    expect((await api().get(`/s/${old}/batch/meetings/${meeting.id}`).set('User-Agent', UA)).status, 'the previous link').to.equal(410);
    for (const envelopeId of meeting.envelopeIds) {
      const events = (await e2e.audit(envelopeId)).filter((e) => e.action === 'envelope.reminded');
      expect(events, envelopeId).to.have.length(1);
      expect(events[0]!.details.recipientIds).to.have.length(1);
    }
  });

  it('the meeting page’s button reminds each signer still waiting once: the director for two items, the chair for one', async () => {
    const [mail] = await reminders(DIRECTOR.email);
    await signMeeting(e2e, meetingToken(mail!.text, meeting.id), meeting.id, (ids) => ids.slice(0, 1));
    await e2e.deliver();
    const staff = await staffSession(e2e, STAFF, PASSWORD);
    const page = await staff.get(`/app/meetings/${meeting.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Iedereen herinneren die nog moet ondertekenen');
    const res = staff.keep(await staff.post(`/app/meetings/${meeting.id}/remind`).type('form').send({ _csrf: staff.csrf(page.text, `app/meetings/${meeting.id}/remind`) }));
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    expect(res.headers.location).to.equal(`/app/meetings/${meeting.id}?reminded=3`);
    const notice = await staff.get(res.headers.location as string);
    expect(notice.text).to.include('Herinnering verstuurd voor 3 stuk(ken)');
    await e2e.deliver();
    const director = await reminders(DIRECTOR.email);
    expect(director, 'one more for the director').to.have.length(2);
    expect(director[1]!.subject).to.include('(2 stuk(ken))');
    const chair = await reminders(CHAIR.email);
    expect(chair.map((m) => m.subject)).to.deep.equal(['Herinnering: Gemeenteraad 2 maart 2027 wacht op uw handtekening (1 stuk(ken))']);
    expect((await listedOnMeetingPage(e2e, meetingToken(chair[0]!.text, meeting.id), meeting.id)).ids).to.deep.equal(meeting.envelopeIds.slice(0, 1));
    expect((await e2e.audit(meeting.envelopeIds[0]!)).filter((e) => e.action === 'envelope.reminded')).to.have.length(2);
  });

  it('the dashboard names each item’s meeting and agenda item (nl, en, fr) and filters by meeting', async () => {
    const single = await e2e.createEnvelope({ title: 'Losse beslissing', send: true, recipients: [{ ...DIRECTOR, role: 'signer' }] });
    expect(single.status).to.equal(201);
    const staff = await staffSession(e2e, STAFF, PASSWORD);
    const dashboard = await staff.get('/app');
    expect(dashboard.status).to.equal(200);
    for (const item of ['1', '2', '3']) expect(dashboard.text).to.include(`>Gemeenteraad 2 mrt. 2027 – punt ${item}</a>`);
    expect(dashboard.text).to.include(`href="/app?meeting=${meeting.id}"`);
    const rows = (page: string) => [...page.matchAll(/<th scope="row"><a href="\/app\/envelopes\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    expect(rows(dashboard.text)).to.include(single.body.id);
    const filtered = await staff.get(`/app?meeting=${meeting.id}`);
    expect(rows(filtered.text).sort()).to.deep.equal([...meeting.envelopeIds].sort());
    expect(filtered.text).to.include('Alleen de stukken van Gemeenteraad 2 mrt. 2027');
    expect((await staff.get('/app?meeting=nonsense')).status, 'a malformed meeting id is a filter error').to.equal(400);
    expect((await staff.get('/app?lang=en')).text).to.include('>Municipal council 2 Mar 2027 – item 1</a>');
    expect((await staff.get('/app?lang=fr')).text).to.include('>Conseil communal 2 mars 2027 – point 1</a>');
  });

  it('the automatic reminders group a meeting’s items: one mail per signer per meeting', async () => {
    const settings = { reminders: { enabled: true, firstAfterDays: 3, everyDays: 4, max: 2 } };
    await e2e.app.deps.db('organisations').where({ id: e2e.organisation.id }).update({ settings: JSON.stringify(settings) });
    const before = { director: (await reminders(DIRECTOR.email)).length, chair: (await reminders(CHAIR.email)).length };
    now += 2 * DAY;
    expect((await e2e.app.handle.jobs.sendDueReminders()).reminded, 'not due yet').to.deep.equal([]);
    now += 3 * DAY;
    const run = await e2e.app.handle.jobs.sendDueReminders();
    expect(run.reminded.map((r) => r.envelopeId).filter((id) => meeting.envelopeIds.includes(id)).sort()).to.deep.equal([...meeting.envelopeIds].sort());
    await e2e.deliver();
    const director = await reminders(DIRECTOR.email);
    const chair = await reminders(CHAIR.email);
    expect(director, 'one automatic reminder for the director’s two items').to.have.length(before.director + 1);
    expect(director.at(-1)!.subject).to.include('(2 stuk(ken))');
    expect(chair, 'one for the chair').to.have.length(before.chair + 1);
    expect((await e2e.app.handle.jobs.sendDueReminders()).reminded, 'never twice').to.deep.equal([]);
    for (const envelopeId of meeting.envelopeIds) {
      const events = (await e2e.audit(envelopeId)).filter((e) => e.action === 'recipient.reminded');
      expect(events.map((e) => [e.details.automatic, e.details.reminder]), envelopeId).to.deep.equal([[true, 1]]);
    }
    await signMeeting(e2e, meetingToken(director.at(-1)!.text, meeting.id), meeting.id);
  });
});
