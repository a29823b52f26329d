/**
 * A meeting's one link outlives the item it belongs to (issue 12): a signer gets one mail per meeting, whose link is
 * bound to the first item sent to them. When that item is declined or cancelled (which revokes its links), the same
 * link still opens the meeting page with the meeting's other open items for that signer, and signs them; it never
 * reopens the ended item itself. A link superseded before the end (a reminder wrote a newer one) stays dead. When the
 * declined item whose link the mail carried is corrected and resent, that link is replaced: the meeting's mail goes
 * again, once, with a link that reaches everything, the resent item included.
 * Over HTTP, with a real SMTP server.
 */
import { expect } from 'chai';
import request from 'supertest';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { createUser } from '../../../src/store/index.ts';
import { CHAIR, DIRECTOR, listedOnMeetingPage, meetingToken, requestMails, sentMeeting, signMeeting, staffSession, UA } from './meeting-signer.ts';

describe('meetings: the one meeting link after its own item was declined or cancelled', function () {
  this.timeout(180_000);
  let e2e: E2E;
  const api = () => request(e2e.app.url);

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('declined by the signer, then cancelled by staff: each signer still reaches and signs the rest of the meeting through their one link', async () => {
    const { id, envelopeIds } = await sentMeeting(e2e, 'Gemeenteraad 2 maart 2027', ['Notulen', 'Rooilijnplan', 'Subsidie']);
    const [first, second, third] = envelopeIds as [string, string, string];
    const directorMails = await requestMails(e2e, DIRECTOR.email);
    expect(directorMails).to.have.length(1);
    const director = meetingToken(directorMails[0]!.text, id);

    // The link belongs to item 1: the director declines it through that very link.
    const declined = await e2e.decline(director, 'De notulen zijn onvolledig.');
    expect(declined.status, declined.text.slice(0, 300)).to.equal(303);
    expect((await e2e.getEnvelope(first)).status).to.equal('declined');
    expect((await api().get(`/s/${director}`).set('User-Agent', UA)).status, 'the declined item itself is gone').to.equal(410);
    const afterDecline = await listedOnMeetingPage(e2e, director, id);
    expect(afterDecline.ids).to.deep.equal([second, third]);
    expect(afterDecline.page).to.include('Gemeenteraad 2 maart 2027');
    // The whole batch page of that link is narrowed to the meeting, and the ended item's documents are not handed out.
    expect((await listedOnMeetingPage(e2e, director, id)).ids).to.not.include(first);
    const firstDoc = (await e2e.getEnvelope(first)).documents[0]!.id;
    expect((await api().get(`/s/${director}/batch/envelopes/${first}/documents/${firstDoc}`).set('User-Agent', UA)).status).to.equal(404);

    await signMeeting(e2e, director, id, (ids) => ids.filter((i) => i === second));
    await e2e.deliver();
    const chairMails = await requestMails(e2e, CHAIR.email);
    expect(chairMails, 'the chair gets one meeting mail, for item 2').to.have.length(1);
    const chair = meetingToken(chairMails[0]!.text, id);

    // Staff cancel item 2, the one the chair's link belongs to.
    const cancelled = await api().post(`/api/v1/envelopes/${second}/cancel`).set(e2e.auth()).send({ reason: 'Agendapunt verdaagd' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect((await listedOnMeetingPage(e2e, chair, id)).ids, 'nothing waits for the chair yet').to.deep.equal([]);
    await signMeeting(e2e, director, id);
    await e2e.deliver();
    expect(await requestMails(e2e, CHAIR.email), 'no second meeting mail for the chair').to.have.length(1);
    expect((await listedOnMeetingPage(e2e, chair, id)).ids).to.deep.equal([third]);
    await signMeeting(e2e, chair, id);
    expect((await e2e.getEnvelope(third)).status).to.equal('completed');
    expect((await e2e.getEnvelope(second)).status).to.equal('cancelled');
    const done = await listedOnMeetingPage(e2e, director, id);
    expect(done.page).to.include('id="batch-empty"');
  });

  it('the declined item that carried the meeting link is corrected and resent: ONE new meeting mail whose link reaches all items again', async () => {
    await createUser(e2e.app.deps.db, e2e.organisation.id, { email: 'secretariaat@zonnebeke.be', role: 'admin', name: 'Sara Secretariaat', password: 'correct horse battery staple 42' });
    const { id, envelopeIds } = await sentMeeting(e2e, 'Gemeenteraad 16 maart 2027', ['Notulen', 'Verkaveling']);
    const mailsFor = async () => (await requestMails(e2e, DIRECTOR.email)).filter((m) => m.subject.includes('Gemeenteraad 16 maart 2027'));
    const [first] = await mailsFor();
    const old = meetingToken(first!.text, id);
    expect((await e2e.decline(old, 'Het verkeerde jaartal.')).status).to.equal(303);
    const staff = await staffSession(e2e, 'secretariaat@zonnebeke.be', 'correct horse battery staple 42');
    const page = await staff.get(`/app/envelopes/${envelopeIds[0]}`);
    const resent = staff.keep(await staff.post(`/app/envelopes/${envelopeIds[0]}/resend`).type('form').send({ _csrf: staff.csrf(page.text, `app/envelopes/${envelopeIds[0]}/resend`), name: DIRECTOR.name, email: DIRECTOR.email }));
    expect(resent.status, resent.text.slice(0, 300)).to.equal(303);
    await e2e.deliver();
    const mails = await mailsFor();
    expect(mails, 'one more meeting mail').to.have.length(2);
    const fresh = meetingToken(mails[1]!.text, id);
    expect((await listedOnMeetingPage(e2e, fresh, id)).ids).to.deep.equal(envelopeIds);
    expect((await api().get(`/s/${old}/batch/meetings/${id}`).set('User-Agent', UA)).status, 'the replaced link').to.equal(410);
    await signMeeting(e2e, fresh, id);
    await e2e.deliver();
    expect(await mailsFor(), 'and no third').to.have.length(2);
  });

  it('a link a reminder of one item replaced stays dead after the decline; the reminder’s link reaches the rest of the meeting', async () => {
    const { id, envelopeIds } = await sentMeeting(e2e, 'Gemeenteraad 9 maart 2027', ['Budgetwijziging', 'Politiereglement']);
    const [first, second] = envelopeIds as [string, string];
    const old = meetingToken((await requestMails(e2e, DIRECTOR.email)).find((m) => m.text.includes(id))!.text, id);
    const reminded = await api().post(`/api/v1/envelopes/${first}/remind`).set(e2e.auth()).send();
    expect(reminded.status, JSON.stringify(reminded.body)).to.equal(200);
    await e2e.deliver();
    // A meeting's item is reminded with the meeting's reminder, its link to the meeting page.
    const reminder = (await e2e.mails({ envelopeId: first, to: DIRECTOR.email })).filter((m) => m.subject.startsWith('Herinnering: Gemeenteraad 9 maart 2027'));
    expect(reminder.map((m) => m.subject)).to.deep.equal(['Herinnering: Gemeenteraad 9 maart 2027 wacht op uw handtekening (1 stuk(ken))']);
    const fresh = meetingToken(reminder[0]!.text, id);
    expect(fresh).to.not.equal(old);
    const declined = await e2e.decline(fresh, 'Verkeerde versie.');
    expect(declined.status).to.equal(303);
    const oldPage = await api().get(`/s/${old}/batch/meetings/${id}`).set('User-Agent', UA);
    expect(oldPage.status, 'the replaced link').to.equal(410);
    expect((await listedOnMeetingPage(e2e, fresh, id)).ids).to.deep.equal([second]);
  });
});
