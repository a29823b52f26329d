/**
 * A function step follows the function after the envelope went out (issue 12), over HTTP with a real SMTP server.
 * A meeting sent to An (algemeen directeur) for two decisions and the minutes; staff mark An absent for the meeting's
 * date: the API answers that three dossiers go to Piet (her substitute), Piet gets exactly one meeting mail listing
 * all three, An's link answers the gone page, Piet signs all three and the PDFs carry "wnd. algemeen directeur"
 * (pdftotext) and validate (pdfsig, qpdf, openssl cms). A dossier An already signed is untouched; a delegate keeps
 * hers; an absence in another period changes nothing; withdrawing the absence hands nothing back. The staff timeline
 * says "De dossiers van An Dewaele (afwezig) gaan naar Piet Claeys, wnd. algemeen directeur" and the audit chains
 * verify. A draft meeting whose holder is marked absent after the upload resolves its steps again when it is sent.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { brusselsDay } from '../../../src/domain/mandates.ts';
import { createUser } from '../../../src/store/index.ts';
import { addMandate, addPerson, createFunction, registerDelegation, type StaffActor } from '../../../src/workflow/index.ts';
import { binary } from '../audit-report/helpers.ts';
import { expectAllValid, writeScratch } from '../engine/check.ts';
import { expectGonePage, startE2E, type E2E } from '../e2e/harness.ts';
import { meetingToken, requestMails, signMeeting, staffSession, UA } from '../meetings/meeting-signer.ts';
import { cliOnApp, openApiValidator } from './helpers.ts';

const exec = promisify(execFile);
const PASSWORD = 'correct horse battery staple 42';
const ACTOR: StaffActor = { kind: 'api_key', id: 'reassign', label: 'secretariaat' };
const AN = { name: 'An Dewaele', email: 'an.dewaele@zonnebeke.test', function: 'Algemeen directeur' };
const PIET = { name: 'Piet Claeys', email: 'piet.claeys@zonnebeke.test', function: 'Adjunct-directeur' };
const ELS = { name: 'Els Declercq', email: 'els.declercq@zonnebeke.test', function: 'Diensthoofd secretariaat' };
const HANDED_OVER_NL = 'De dossiers van An Dewaele (afwezig) gaan naar Piet Claeys, wnd. algemeen directeur';

/** `day` plus `days`, YYYY-MM-DD. */
const plus = (day: string, days: number): string => new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

type Recipient = { id: string; name: string; email: string; status: string; function: string | null; capacity: string | null; delegationId: string | null };

describe('a function step follows the function when its signer falls absent (issue 12)', function () {
  this.timeout(240_000);
  let e2e: E2E;
  const ids = { director: '', an: '', piet: '', els: '', delegation: '' };
  const today = brusselsDay(new Date());
  const meetingDay = plus(today, 10);
  const api = () => request(e2e.app.url);

  const meeting = async (date: string, title: string): Promise<string> => {
    const created = await api().post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title, date });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.id as string;
  };
  const item = async (meetingId: string, title: string, agendaItem: string, kind: 'decision' | 'minutes', delegationId?: string): Promise<string> => {
    const res = await e2e.createEnvelope({ title, meetingId, agendaItem, kind, recipients: [{ functionId: ids.director, role: 'signer', ...(delegationId ? { delegationId } : {}) }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const sendMeeting = async (meetingId: string) => {
    const sent = await api().post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send();
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    await e2e.deliver();
  };
  const recipientOf = async (envelopeId: string): Promise<Recipient> => (await e2e.getEnvelope(envelopeId)).recipients[0] as unknown as Recipient;
  const absent = async (startsOn: string, endsOn: string, personId = ids.an) => {
    const res = await api().post('/api/v1/absences').set(e2e.auth()).send({ personId, startsOn, endsOn, reason: 'ziek' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string; reassigned: { handedOver: Array<{ envelopeId: string; mailed: boolean; to: { name: string; function: string } }>; notHandedOver: unknown[]; byPerson: Array<{ personId: string; name: string; function: string | null; dossiers: number }> } };
  };
  const reassignedEvents = async (envelopeId: string) => (await e2e.audit(envelopeId)).filter((e) => e.action === 'recipient.reassigned');

  before(async () => {
    e2e = await startE2E();
    const deps = e2e.app.deps.workflow;
    const staff = { organisationId: e2e.organisation.id, actor: ACTOR };
    ids.an = (await addPerson(deps, { ...staff, person: AN })).id;
    ids.piet = (await addPerson(deps, { ...staff, person: PIET })).id;
    ids.els = (await addPerson(deps, { ...staff, person: ELS })).id;
    ids.director = (await createFunction(deps, { ...staff, name: 'Algemeen directeur' })).id;
    await addMandate(deps, { ...staff, functionId: ids.director, personId: ids.an, kind: 'holder', startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: ids.director, personId: ids.piet, kind: 'substitute', rank: 1, startsOn: '2025-01-01' });
    ids.delegation = (await registerDelegation(deps, { ...staff, functionId: ids.director, delegatePersonId: ids.els, scope: ['decision', 'other'], validFrom: '2025-01-01' })).id;
    await createUser(e2e.app.deps.db, e2e.organisation.id, { email: 'secretariaat@zonnebeke.test', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
  });
  after(async () => {
    await e2e?.close();
  });

  const state = { meetingId: '', items: [] as string[], signed: '', delegated: '', anToken: '' };

  it('An signs one dossier before she falls ill; another is delegated to Els; the meeting goes to An in one mail', async () => {
    // A single decision outside the meeting, signed by An today.
    const own = await e2e.createEnvelope({ title: 'Dienstnota personeel', send: true, recipients: [{ functionId: ids.director, role: 'signer' }] });
    expect(own.status, JSON.stringify(own.body)).to.equal(201);
    state.signed = own.body.id;
    await e2e.deliver();
    const signed = await e2e.sign((await e2e.theMail(state.signed, AN.email, 'signRequest')).token!, UA);
    expect(signed.status, signed.text.slice(0, 300)).to.equal(303);

    state.meetingId = await meeting(meetingDay, 'Gemeenteraad december');
    state.items = [await item(state.meetingId, 'Aankoop grond Ieperstraat', '1', 'decision'), await item(state.meetingId, 'Subsidie jeugdwerking', '2', 'decision'), await item(state.meetingId, 'Notulen vorige zitting', '4', 'minutes')];
    state.delegated = await item(state.meetingId, 'Reglement markten', '3', 'decision', ids.delegation);
    await sendMeeting(state.meetingId);
    const an = (await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('Gemeenteraad december'));
    expect(an.map((m) => m.subject)).to.deep.equal(['Te ondertekenen: Gemeenteraad december (3 stuk(ken))']);
    state.anToken = meetingToken(an[0]!.text, state.meetingId);
    expect(await requestMails(e2e, PIET.email)).to.have.length(0);
  });

  it('an absence in another period changes nothing', async () => {
    const answer = await absent(plus(today, 30), plus(today, 35));
    expect(answer.reassigned).to.deep.equal({ handedOver: [], notHandedOver: [], byPerson: [] });
    for (const id of state.items) expect((await recipientOf(id)).name).to.equal(AN.name);
    await e2e.deliver();
    expect(await requestMails(e2e, PIET.email)).to.have.length(0);
  });

  it('An marked absent for the meeting date: the API says three dossiers go to Piet; he gets one meeting mail; An\'s link is gone', async () => {
    const answer = await absent(plus(meetingDay, -2), plus(meetingDay, 1));
    expect(answer.reassigned.byPerson).to.deep.equal([{ personId: ids.piet, name: PIET.name, function: 'wnd. algemeen directeur', dossiers: 3 }]);
    expect(answer.reassigned.handedOver.map((h) => [h.envelopeId, h.mailed])).to.deep.equal(state.items.map((id) => [id, true]));
    expect(answer.reassigned.notHandedOver).to.deep.equal([]);
    const document = (await api().get('/openapi.json')).body as object;
    expect(openApiValidator(document)('RecordedAbsence', answer)).to.equal(null);

    for (const id of state.items) {
      expect(await recipientOf(id)).to.include({ name: PIET.name, email: PIET.email, function: 'wnd. algemeen directeur', capacity: 'substitute', status: 'sent', delegationId: null });
      const [event] = await reassignedEvents(id);
      expect(event?.details).to.deep.include({ reason: 'absence', day: meetingDay, absenceId: answer.id });
      expect(event?.details.from).to.include({ personId: ids.an, name: AN.name, capacity: 'holder' });
      expect(event?.actor).to.include({ kind: 'api_key' });
    }
    // The delegate is present: Els keeps her dossier. The dossier An signed is untouched.
    expect(await recipientOf(state.delegated)).to.include({ name: ELS.name, capacity: 'delegate', delegationId: ids.delegation });
    expect(await reassignedEvents(state.delegated)).to.have.length(0);
    expect(await recipientOf(state.signed)).to.include({ name: AN.name, status: 'signed', capacity: 'holder' });
    expect((await e2e.getEnvelope(state.signed)).status).to.equal('completed');
    expect(await reassignedEvents(state.signed)).to.have.length(0);

    await e2e.deliver();
    const piet = await requestMails(e2e, PIET.email);
    expect(piet.map((m) => m.subject), 'exactly one meeting mail').to.deep.equal(['Te ondertekenen: Gemeenteraad december (3 stuk(ken))']);
    expect(piet[0]!.text).to.include('Aankoop grond Ieperstraat').and.include('Subsidie jeugdwerking').and.include('Notulen vorige zitting').and.not.include('Reglement markten');
    // Told before signing (issue 12): the hand-over knows whom Piet replaces, and his meeting page what he signs as.
    expect(piet[0]!.text.replace(/\s+/g, ' ')).to.include('U ondertekent als wnd. algemeen directeur, in de plaats van An Dewaele, die afwezig is.');
    expect(piet[0]!.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).to.include('U ondertekent als wnd. algemeen directeur, in de plaats van An Dewaele, die afwezig is.');
    const pietPage = await api().get(`/s/${meetingToken(piet[0]!.text, state.meetingId)}/batch/meetings/${state.meetingId}?lang=en`).set('User-Agent', UA).expect(200);
    expect(pietPage.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).to.include('Your signature will read: Piet Claeys, wnd. algemeen directeur');
    expect((await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('Gemeenteraad december')), 'nothing more to An').to.have.length(1);

    expectGonePage(await api().get(`/s/${state.anToken}/batch/meetings/${state.meetingId}`).set('User-Agent', UA), "An's meeting link");
    expectGonePage(await e2e.openLink(state.anToken, UA), "An's link");
  });

  it('Piet signs all three; the PDFs say "wnd. algemeen directeur" under his name and validate', async () => {
    const token = meetingToken((await requestMails(e2e, PIET.email))[0]!.text, state.meetingId);
    const { ids: listed } = await signMeeting(e2e, token, state.meetingId);
    expect([...listed].sort()).to.deep.equal([...state.items].sort());
    for (const id of state.items) {
      const envelope = await e2e.getEnvelope(id);
      expect(envelope.status).to.equal('completed');
      const pdf = await e2e.downloadCurrent(id, envelope.documents[0]!.id);
      const checked = await expectAllValid(pdf, e2e.rootPem, { count: 1, label: `reassigned-${id}` });
      expect(checked.pdfsig.map((s) => s.signerCommonName)).to.deep.equal([PIET.name]);
      const { stdout } = await exec('pdftotext', ['-enc', 'UTF-8', await writeScratch(pdf, `reassigned-${id}`), '-']);
      const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      const at = lines.indexOf(PIET.name);
      expect(lines.slice(at, at + 3), lines.join(' | ')).to.deep.equal([PIET.name, 'wnd. algemeen directeur', 'Digitaal ondertekend']);
      expect(lines).to.not.include(AN.name);
    }
    // The audit report says whom Piet replaced, for which day.
    const report = await api().get(`/api/v1/envelopes/${state.items[0]}/audit-report`).set(e2e.auth()).buffer(true).parse(binary);
    expect(report.status).to.equal(200);
    const { stdout: reportText } = await exec('pdftotext', ['-enc', 'UTF-8', await writeScratch(report.body as Buffer, 'reassigned-report'), '-']);
    const flat = reportText.replace(/\s+/g, ' ');
    expect(flat).to.include(`In de plaats van: ${AN.name} <${AN.email}> (Algemeen directeur)`);
    expect(flat).to.include(`Ondertekent nu: ${PIET.name} <${PIET.email}> (wnd. algemeen directeur)`).and.include(`Dag van de ondertekening: ${meetingDay}`);
  });

  it('withdrawing the absence hands nothing back; the staff timeline says who the dossiers went to; the chains verify', async () => {
    const open = await item(await meeting(meetingDay, 'Gemeenteraad extra'), 'Retributiereglement', '1', 'decision');
    expect((await recipientOf(open)).name, 'created while An is absent').to.equal(PIET.name);
    const absences = (await api().get(`/api/v1/absences?personId=${ids.an}&from=${today}`).set(e2e.auth())).body.absences as Array<{ id: string; startsOn: string }>;
    const current = absences.find((a) => a.startsOn === plus(meetingDay, -2))!;
    expect((await api().post(`/api/v1/absences/${current.id}/withdraw`).set(e2e.auth()).send()).status).to.equal(200);
    expect((await recipientOf(open)).name).to.equal(PIET.name);

    const staff = await staffSession(e2e, 'secretariaat@zonnebeke.test', PASSWORD);
    const page = await staff.get(`/app/envelopes/${state.items[0]}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(HANDED_OVER_NL);

    const run = await cliOnApp(e2e.app, ['audit', 'verify', '--org', e2e.organisation.slug]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('all OK');
  });

  it('a delegate marked absent: her dossier goes back to the function (An, holder again), without delegation', async () => {
    expect(await recipientOf(state.delegated)).to.include({ name: ELS.name, capacity: 'delegate' });
    const answer = await absent(meetingDay, meetingDay, ids.els);
    expect(answer.reassigned.byPerson.map((p) => [p.name, p.function, p.dossiers])).to.deep.equal([[AN.name, 'Algemeen directeur', 1]]);
    const recipient = (await e2e.getEnvelope(state.delegated)).recipients[0] as unknown as Recipient & { actingStatement: string | null };
    expect(recipient).to.include({ name: AN.name, capacity: 'holder', delegationId: null, actingStatement: null, function: 'Algemeen directeur', status: 'sent' });
    await e2e.deliver();
    // An's earlier meeting link was revoked with her items: she gets the meeting's mail again, for the one item now hers.
    const an = (await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('Gemeenteraad december'));
    expect(an.map((m) => m.subject)).to.deep.equal(['Te ondertekenen: Gemeenteraad december (3 stuk(ken))', 'Te ondertekenen: Gemeenteraad december (1 stuk(ken))']);
    expect(an[1]!.text).to.include('Reglement markten');
  });

  it('the staff page says after "Afwezig melden" how many dossiers go to whom, and that withdrawing hands nothing back', async () => {
    const day = plus(today, 50);
    const meetingId = await meeting(day, 'Gemeenteraad februari');
    const items = [await item(meetingId, 'Rooilijnplan', '1', 'decision'), await item(meetingId, 'Notulen januari', '2', 'minutes')];
    await sendMeeting(meetingId);
    const staff = await staffSession(e2e, 'secretariaat@zonnebeke.test', PASSWORD);
    const form = await staff.get('/app/absences');
    const recorded = await staff.post('/app/absences').type('form').send({ _csrf: staff.csrf(form.text, '/app/absences'), personId: ids.an, startsOn: day, endsOn: day, reason: 'ziek' });
    expect(recorded.status, recorded.text.slice(0, 300)).to.equal(303);
    expect(recorded.headers.location).to.equal(`/app/absences?done=absence&to=${ids.piet}.2`);
    const page = await staff.get(recorded.headers.location as string);
    expect(page.text).to.include('<p class="notice" role="status">De afwezigheid is genoteerd. 2 dossiers gaan nu naar Piet Claeys. Trekt u de afwezigheid later in, dan gaan die dossiers niet terug.</p>');
    for (const id of items) expect((await recipientOf(id)).name).to.equal(PIET.name);

    const absence = ((await api().get(`/api/v1/absences?personId=${ids.an}&from=${day}`).set(e2e.auth())).body.absences as Array<{ id: string; startsOn: string }>).find((a) => a.startsOn === day)!;
    const listed = await staff.get('/app/absences');
    const withdrawn = await staff.post(`/app/absences/${absence.id}/withdraw`).type('form').send({ _csrf: staff.csrf(listed.text, `/app/absences/${absence.id}/withdraw`) });
    expect(withdrawn.status).to.equal(303);
    const after = await staff.get(withdrawn.headers.location as string);
    expect(after.text).to.include('De afwezigheid is ingetrokken. Dossiers die al naar een waarnemer gingen, blijven bij die waarnemer.');
    for (const id of items) expect((await recipientOf(id)).name).to.equal(PIET.name);
  });

  it('a draft meeting whose chair falls ill after the upload goes to the substitute when it is sent', async () => {
    const later = plus(today, 40);
    const meetingId = await meeting(later, 'Gemeenteraad januari');
    const draft = await item(meetingId, 'Budgetwijziging', '1', 'decision');
    expect((await recipientOf(draft)).name).to.equal(AN.name);
    const answer = await absent(later, later);
    expect(answer.reassigned.handedOver, 'drafts are resolved again when sent, not now').to.deep.equal([]);
    expect((await recipientOf(draft)).name).to.equal(AN.name);
    await sendMeeting(meetingId);
    expect(await recipientOf(draft)).to.include({ name: PIET.name, function: 'wnd. algemeen directeur', capacity: 'substitute', status: 'sent' });
    const [event] = await reassignedEvents(draft);
    expect(event?.details).to.deep.include({ reason: 'meeting_sent', day: later, absenceId: null });
    expect((await requestMails(e2e, PIET.email)).filter((m) => m.subject.includes('Gemeenteraad januari'))).to.have.length(1);
    expect((await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('Gemeenteraad januari'))).to.have.length(0);
  });
});
