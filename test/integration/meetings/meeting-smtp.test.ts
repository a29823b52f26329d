/**
 * A council meeting as one unit (issue 12), over HTTP with a real SMTP server: a meeting of three decisions and
 * the minutes, signed by the general director and then the chair. Each of them gets exactly ONE request mail for
 * the meeting (the chair's only once the director has signed), naming the organisation, the body and the date and
 * listing the items in agenda order; its one link opens the meeting page, where everything is signed in one go.
 * All envelopes complete and every PDF validates (our verifier, pdfsig, qpdf). Outside the meeting nothing changes.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation } from '../../../src/store/index.ts';
import { expectAllValid } from '../engine/check.ts';
import { BASE_URL, ORGANISATION, startE2E, type E2E } from '../e2e/harness.ts';
import { CHAIR, DIRECTOR, MEETING_LINK, requestMails as requestMailsTo, signMeeting as signMeetingAs, UA } from './meeting-signer.ts';

const ITEMS = [
  { agendaItem: '3', title: 'Subsidie jeugdwerking', kind: 'decision' },
  { agendaItem: '1', title: 'Goedkeuring notulen vorige zitting', kind: 'minutes' },
  { agendaItem: '2', title: 'Aankoop grond Ieperstraat', kind: 'decision' },
  { agendaItem: '10', title: 'Reglement parkeren', kind: 'decision' },
];

describe('meetings: one request mail per signer per meeting, signed through one link', function () {
  this.timeout(180_000);
  let e2e: E2E;
  let meetingId: string;
  const envelopeIds: string[] = [];

  const api = () => request(e2e.app.url);
  const requestMails = (to: string) => requestMailsTo(e2e, to);
  const signMeeting = (token: string, id: string, only?: (ids: string[]) => string[]) => signMeetingAs(e2e, token, id, only);

  before(async () => {
    e2e = await startE2E();
  });
  after(async () => {
    await e2e?.close();
  });

  it('creates a meeting and adds its decisions and minutes, listed in agenda order', async () => {
    const created = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title: 'Gemeenteraad 12 januari 2027', date: '2027-01-12' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ body: 'gemeenteraad', bodyName: 'Gemeenteraad', meetingDate: '2027-01-12', status: 'draft' });
    meetingId = created.body.id;
    const order = ['1', '2', '3', '10'];
    for (const item of ITEMS) {
      const res = await e2e.createEnvelope({
        title: item.title,
        meetingId,
        agendaItem: item.agendaItem,
        agendaPosition: order.indexOf(item.agendaItem),
        kind: item.kind,
        expiresAt: '2031-06-30T15:00:00+02:00',
        recipients: [
          { ...DIRECTOR, role: 'signer', order: 1 },
          { ...CHAIR, role: 'signer', order: 2 },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ meetingId, agendaItem: item.agendaItem, kind: item.kind, status: 'draft' });
      envelopeIds.push(res.body.id);
    }
    const meeting = await api().get(`/api/v1/meetings/${meetingId}`).set(e2e.auth());
    expect(meeting.status).to.equal(200);
    expect(meeting.body.envelopes.map((e: { agendaItem: string }) => e.agendaItem)).to.deep.equal(order);
    const list = await api().get('/api/v1/meetings').set(e2e.auth());
    expect(list.body.meetings.map((m: { id: string }) => m.id)).to.deep.equal([meetingId]);
    expect(list.body.meetings[0]).to.include({ envelopeCount: 4 });
  });

  it("hides another organisation's meeting (404) and refuses to add to an unknown one", async () => {
    const elsewhere = await createOrganisation(e2e.app.deps.db, { slug: `ieper-${meetingId.slice(0, 8)}`, name: 'Stad Ieper' });
    const otherKey = (await createApiKey(e2e.app.deps.db, elsewhere.id, { name: 'ieper' })).plaintext;
    for (const req of [api().get(`/api/v1/meetings/${meetingId}`), api().post(`/api/v1/meetings/${meetingId}/send`)]) {
      const other = await req.set(e2e.auth(otherKey));
      expect(other.status).to.equal(404);
      expect(other.body.code).to.equal('meeting_not_found');
    }
    expect((await api().get('/api/v1/meetings').set(e2e.auth(otherKey))).body.meetings).to.deep.equal([]);
    const theirs = await e2e.createEnvelope({ title: 'x', meetingId, recipients: [{ ...DIRECTOR, role: 'signer' }] }, { key: otherKey });
    expect(theirs.status).to.equal(404);
    const bad = await e2e.createEnvelope({ title: 'x', meetingId: '00000000-0000-4000-8000-000000000000', recipients: [{ ...DIRECTOR, role: 'signer' }] });
    expect(bad.status).to.equal(404);
  });

  it('sends the meeting in one action: the director gets ONE mail listing every item, the chair none yet', async () => {
    const sent = await api().post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).set('Idempotency-Key', 'send-meeting-1').send();
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    expect(sent.body.status).to.equal('sent');
    expect(sent.body.envelopes.map((e: { status: string }) => e.status)).to.deep.equal(['sent', 'sent', 'sent', 'sent']);
    const again = await api().post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).set('Idempotency-Key', 'send-meeting-1').send();
    expect(again.status).to.equal(200);
    await e2e.deliver();
    const mails = await requestMails(DIRECTOR.email);
    expect(mails.map((m) => m.subject)).to.deep.equal(['Te ondertekenen: Gemeenteraad 12 januari 2027 (4 stuk(ken))']);
    const text = mails[0]!.text;
    expect(text).to.include(ORGANISATION).and.to.include('Gemeenteraad').and.to.include('dinsdag 12 januari 2027');
    const positions = ['1. Goedkeuring notulen vorige zitting', '2. Aankoop grond Ieperstraat', '3. Subsidie jeugdwerking', '10. Reglement parkeren'].map((line) => text.indexOf(line));
    expect(positions.every((p) => p >= 0), text).to.equal(true);
    expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
    expect(await requestMails(CHAIR.email)).to.have.length(0);
  });

  it('the director signs everything through the one link; then the chair gets ONE mail', async () => {
    const [mail] = await requestMails(DIRECTOR.email);
    const [, token, id] = MEETING_LINK.exec(mail!.text) ?? [];
    expect(id).to.equal(meetingId);
    const { page, ids } = await signMeeting(token!, meetingId);
    expect(ids).to.deep.equal((await api().get(`/api/v1/meetings/${meetingId}`).set(e2e.auth())).body.envelopes.map((e: { id: string }) => e.id));
    expect(page).to.include('Gemeenteraad 12 januari 2027');
    await e2e.deliver();
    expect(await requestMails(DIRECTOR.email), 'still one request for the director').to.have.length(1);
    const chair = await requestMails(CHAIR.email);
    expect(chair, 'one request for the chair').to.have.length(1);
    expect(chair[0]!.text).to.include('10. Reglement parkeren');
  });

  it('the chair signs everything through the one link: all envelopes complete, every PDF valid', async () => {
    const [mail] = await requestMails(CHAIR.email);
    const [, token] = MEETING_LINK.exec(mail!.text) ?? [];
    await signMeeting(token!, meetingId);
    await e2e.deliver();
    const meeting = (await api().get(`/api/v1/meetings/${meetingId}`).set(e2e.auth())).body;
    expect(meeting.envelopes.map((e: { status: string }) => e.status)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
    for (const who of [DIRECTOR, CHAIR]) expect(await requestMails(who.email), `${who.name}: one request in all`).to.have.length(1);
    for (const envelopeId of envelopeIds) {
      const envelope = await e2e.getEnvelope(envelopeId);
      const pdf = await e2e.downloadCurrent(envelopeId, envelope.documents[0]!.id);
      const checked = await expectAllValid(pdf, e2e.rootPem, { count: 2, label: `meeting ${envelope.title}` });
      expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal([DIRECTOR.name, CHAIR.name]);
    }
  });

  it('a sent meeting takes no new items (409), a retried create with its Idempotency-Key makes one meeting, and a body "other" needs its name', async () => {
    const late = await e2e.createEnvelope({ title: 'Te laat', meetingId, recipients: [{ ...DIRECTOR, role: 'signer' }] });
    expect(late.status).to.equal(409);
    expect(late.body.code).to.equal('meeting_sent');
    const input = { body: 'other', bodyLabel: 'Bestuurscomité', title: 'Bestuurscomité 3 februari 2027', date: '2027-02-03' };
    const first = await api().post('/api/v1/meetings').set(e2e.auth()).set('Idempotency-Key', 'meeting-create-1').send(input);
    const again = await api().post('/api/v1/meetings').set(e2e.auth()).set('Idempotency-Key', 'meeting-create-1').send(input);
    expect(first.status).to.equal(201);
    expect(again.status).to.equal(201);
    expect(again.body.id).to.equal(first.body.id);
    expect(first.body.bodyName).to.equal('Bestuurscomité');
    const nameless = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'other', title: 'Zonder naam', date: '2027-02-03' });
    expect(nameless.status).to.equal(400);
    const empty = await api().post(`/api/v1/meetings/${first.body.id}/send`).set(e2e.auth()).send();
    expect(empty.status).to.equal(409);
    expect(empty.body.code).to.equal('meeting_empty');
    expect((await api().get('/api/v1/meetings').set(e2e.auth())).body.meetings).to.have.length(2);
  });

  it('signed piece by piece: the chair finishes item 1 (its envelope completes) and still reaches item 2 through the same one link, with no second mail', async () => {
    const created = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'college', title: 'College 19 januari 2027', date: '2027-01-19' });
    const id = created.body.id as string;
    for (const [i, title] of ['Personeel', 'Wegenwerken'].entries()) {
      const res = await e2e.createEnvelope({ title, meetingId: id, agendaItem: String(i + 1), recipients: [{ ...DIRECTOR, role: 'signer', order: 1 }, { ...CHAIR, role: 'signer', order: 2 }] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    expect((await api().post(`/api/v1/meetings/${id}/send`).set(e2e.auth()).send()).status).to.equal(200);
    await e2e.deliver();
    const mailTo = async (who: string) => (await requestMails(who)).filter((m) => m.subject.includes('College 19 januari 2027'));
    const [directorMail] = await mailTo(DIRECTOR.email);
    const [, directorToken] = MEETING_LINK.exec(directorMail!.text) ?? [];
    await signMeeting(directorToken!, id, (ids) => ids.slice(0, 1));
    await e2e.deliver();
    const chairMails = await mailTo(CHAIR.email);
    expect(chairMails).to.have.length(1);
    const [, chairToken] = MEETING_LINK.exec(chairMails[0]!.text) ?? [];
    await signMeeting(chairToken!, id);
    await signMeeting(directorToken!, id);
    await e2e.deliver();
    expect(await mailTo(CHAIR.email), 'no second request for the chair').to.have.length(1);
    const { ids } = await signMeeting(chairToken!, id);
    expect(ids).to.have.length(1);
    const meeting = (await api().get(`/api/v1/meetings/${id}`).set(e2e.auth())).body;
    expect(meeting.envelopes.map((e: { status: string }) => e.status)).to.deep.equal(['completed', 'completed']);
    // The link still opens, now with nothing left to sign.
    const done = await api().get(`/s/${chairToken}/batch/meetings/${id}`).set('User-Agent', UA);
    expect(done.status).to.equal(200);
    expect(done.text).to.include('id="batch-empty"');
  });

  it('an envelope outside a meeting still gets its own request mail', async () => {
    const res = await e2e.createEnvelope({ title: 'Losse beslissing', send: true, recipients: [{ ...DIRECTOR, role: 'signer' }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.meetingId).to.equal(null);
    await e2e.deliver();
    const mail = await e2e.theMail(res.body.id, DIRECTOR.email, 'signRequest');
    expect(mail.subject).to.equal('Te ondertekenen: Losse beslissing');
    expect(mail.text).to.include(`${BASE_URL}/s/`);
  });
});
