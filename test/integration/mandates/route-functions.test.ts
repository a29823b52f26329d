/**
 * Route steps naming functions (issue 12), over HTTP with a real SMTP server: an admin saves the route
 * "Gemeenteraad" (algemeen directeur, then voorzitter gemeenteraad) in the route editor; a secretary sends with it
 * from the send page and uploads a meeting's items with it; the API names functions per recipient. The person who
 * gets the mail is whoever signs for the function on the day: the holder today; the substitute on a meeting date
 * when staff marked the holder absent (recipient function "wnd. algemeen directeur"); the new holder on a meeting
 * dated after a mandate change; the delegate when staff chose the delegation (with the acting statement). A
 * delegation never reaches the minutes: in a meeting upload they go to the substitute, minutes alone with a
 * delegation are refused with the decree's message, a delegated decision cannot be relabelled as minutes, and over
 * the API 422 delegation_minutes_refused stores nothing.
 * Another organisation's function is 404 in the route editor and in the API.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { brusselsDay } from '../../../src/domain/mandates.ts';
import { createApiKey, createOrganisation, createUser, organisationById } from '../../../src/store/index.ts';
import { addMandate, addPerson, createFunction, editPerson, recordAbsence, registerDelegation, routesOf, type StaffActor } from '../../../src/workflow/index.ts';
import { fixture } from '../api/helpers.ts';
import { EXPIRES_AT, startE2E, type E2E } from '../e2e/harness.ts';
import { listedOnMeetingPage, meetingToken, requestMails } from '../meetings/meeting-signer.ts';

const PASSWORD = 'correct horse battery staple 42';
const ACTOR: StaffActor = { kind: 'api_key', id: 'route-functions', label: 'secretariaat' };
const AN = { name: 'An Dewaele', email: 'an.dewaele@zonnebeke.test', function: 'Algemeen directeur' };
const PIET = { name: 'Piet Claeys', email: 'piet.claeys@zonnebeke.test', function: 'Adjunct-directeur' };
const BRAM = { name: 'Bram Wouters', email: 'bram.wouters@zonnebeke.test', function: 'Algemeen directeur' };
const ELS = { name: 'Els Declercq', email: 'els.declercq@zonnebeke.test', function: 'Diensthoofd secretariaat' };
const VERA = { name: 'Vera Voorzitter', email: 'vera.voorzitter@zonnebeke.test', function: 'Voorzitter gemeenteraad' };
const MINUTES_NL = 'De notulen kunnen niet bij opdracht ondertekend worden: de titularis of zijn waarnemer ondertekent ze.';

/** `day` plus `days`, YYYY-MM-DD. */
const plus = (day: string, days: number): string => new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** "12 december", as the page writes the last day of an absence in the same year. */
const dayMonth = (day: string): string => new Intl.DateTimeFormat('nl-BE', { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));

type RecipientBody = { name: string; email: string; function: string | null; capacity: string | null; functionId: string | null; delegationId: string | null; actingStatement: string | null };

describe('route steps naming functions: who gets the mail on the day (issue 12)', function () {
  this.timeout(180_000);
  let e2e: E2E;
  // The staff cookies are Secure (BASE_URL is https), which supertest's agent would not send over plain http: a jar of our own.
  const jar = new Map<string, string>();
  const keep = (res: request.Response) => {
    for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = line.split(';');
      jar.set(pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1));
    }
    return res;
  };
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const agent = {
    get: (path: string) => request(e2e.app.url).get(path).set('Cookie', cookies()),
    post: (path: string) => request(e2e.app.url).post(path).set('Cookie', cookies()),
  };
  const ids = { director: '', chair: '', delegation: '', route: '', an: '', piet: '', els: '' };
  const today = brusselsDay(new Date());
  /** A meeting while An is away (from the day before to two days after). */
  const absentDay = plus(today, 10);
  /** A meeting after Bram took over from An. */
  const laterDay = plus(today, 20);

  const csrf = (page: string, action: string): string => /name="_csrf" value="([^"]+)"/.exec(page.slice(page.indexOf(`action="${action}"`)))![1]!;
  const recipientsOf = async (envelopeId: string): Promise<RecipientBody[]> => (await e2e.getEnvelope(envelopeId)).recipients as unknown as RecipientBody[];
  const deadline = plus(today, 30);
  const sendPage = async (fields: Record<string, string>) => {
    const page = await agent.get('/app/send').expect(200);
    let req = agent.post('/app/send').set('Accept', 'application/json').field('_csrf', csrf(page.text, '/app/send'));
    for (const [name, value] of Object.entries({ mode: 'perDocument', deadline, ...fields })) req = req.field(name, value);
    return req.attach('documents', fixture('reportlab-decision.pdf'), { filename: 'Besluit.pdf', contentType: 'application/pdf' });
  };
  const meeting = async (date: string, title: string): Promise<string> => {
    const created = await request(e2e.app.url).post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title, date });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.id as string;
  };
  const upload = async (meetingId: string, files: string[], fields: Record<string, string> = {}) => {
    const page = await agent.get(`/app/meetings/${meetingId}`).expect(200);
    let req = agent.post(`/app/meetings/${meetingId}/documents`).field('_csrf', csrf(page.text, `/app/meetings/${meetingId}/documents`));
    for (const [name, value] of Object.entries({ route: ids.route, deadline, ...fields })) req = req.field(name, value);
    for (const name of files) req = req.attach('documents', fixture('reportlab-decision.pdf'), { filename: name, contentType: 'application/pdf' });
    return req;
  };
  /** A page's text as read: tags dropped, spaces folded. */
  const textOf = (page: string): string => page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  /** "Uw handtekening vermeldt: …" on the link page, described by the sign form and its button. */
  const linkPageSignsAs = async (token: string, lang?: string): Promise<string> => {
    const page = await request(e2e.app.url).get(`/s/${token}${lang ? `?lang=${lang}` : ''}`).expect(200);
    expect(page.text).to.match(/<form method="post" action="\/s\/[^"]+\/sign" id="sign-form" data-requires-code="false" aria-describedby="signs-as">/);
    expect(page.text).to.include('<button type="submit" class="primary" aria-describedby="signs-as">');
    return /<p class="signs-as" id="signs-as">(.*?)<\/p>/.exec(page.text)?.[1]?.replace(/<[^>]+>/g, '') ?? '';
  };
  const meetingItems = async (meetingId: string) => (await request(e2e.app.url).get(`/api/v1/meetings/${meetingId}`).set(e2e.auth())).body.envelopes as Array<{ id: string; title: string; kind: string; recipients: RecipientBody[] }>;

  before(async () => {
    e2e = await startE2E();
    const deps = e2e.app.deps;
    const staff = { organisationId: e2e.organisation.id, actor: ACTOR };
    const people: Record<string, string> = {};
    for (const person of [AN, PIET, BRAM, ELS, VERA]) people[person.email] = (await addPerson(deps, { ...staff, person })).id;
    ids.an = people[AN.email]!;
    ids.piet = people[PIET.email]!;
    ids.els = people[ELS.email]!;
    ids.director = (await createFunction(deps, { ...staff, name: 'Algemeen directeur' })).id;
    ids.chair = (await createFunction(deps, { ...staff, name: 'Voorzitter gemeenteraad', body: 'gemeenteraad' })).id;
    // An holds the function until Bram takes over; Piet substitutes throughout.
    await addMandate(deps, { ...staff, functionId: ids.director, personId: ids.an, kind: 'holder', startsOn: '2025-01-01', endsOn: plus(laterDay, -1) });
    await addMandate(deps, { ...staff, functionId: ids.director, personId: people[BRAM.email]!, kind: 'holder', startsOn: laterDay });
    await addMandate(deps, { ...staff, functionId: ids.director, personId: people[PIET.email]!, kind: 'substitute', rank: 1, startsOn: '2025-01-01' });
    await addMandate(deps, { ...staff, functionId: ids.chair, personId: people[VERA.email]!, kind: 'holder', startsOn: '2025-01-01' });
    await recordAbsence(deps.workflow, { ...staff, personId: ids.an, startsOn: plus(absentDay, -1), endsOn: plus(absentDay, 2), reason: 'verlof' });
    ids.delegation = (await registerDelegation(deps, { ...staff, functionId: ids.director, delegatePersonId: people[ELS.email]!, scope: ['decision', 'other'], validFrom: '2025-01-01', reference: 'Besluit 2025/12' })).id;

    await createUser(deps.db, e2e.organisation.id, { email: 'secretariaat@zonnebeke.test', role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    const login = keep(await agent.get('/app/login').expect(200));
    keep(await agent.post('/app/login').type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!, email: 'secretariaat@zonnebeke.test', password: PASSWORD }).expect(303));
  });
  after(async () => {
    await e2e?.close();
  });

  it('the route editor offers the functions, saves steps naming them, and refuses another organisation\'s function (404)', async () => {
    const editor = await agent.get('/app/settings/routes/new').expect(200);
    expect(editor.text).to.include('<label for="step-person-0">Functie of persoon</label>');
    expect(editor.text).to.include(`<option value="function:${ids.director}">Algemeen directeur</option>`);
    const token = csrf(editor.text, '/app/settings/routes/new');
    const saved = await agent
      .post('/app/settings/routes/new')
      .type('form')
      .send({ _csrf: token, name: 'Gemeenteraad', step_person_0: `function:${ids.director}`, step_role_0: 'signer', step_order_0: '1', step_person_1: `function:${ids.chair}`, step_role_1: 'signer', step_order_1: '2' });
    expect(saved.status, saved.text.slice(0, 300)).to.equal(303);
    const route = routesOf((await organisationById(e2e.app.deps.db, e2e.organisation.id))!);
    expect(route).to.have.length(1);
    expect(route[0]!.steps).to.deep.equal([
      { functionId: ids.director, role: 'signer', order: 1 },
      { functionId: ids.chair, role: 'signer', order: 2 },
    ]);
    ids.route = route[0]!.id;
    expect((await agent.get(`/app/settings/routes/${ids.route}`).expect(200)).text).to.include(`<option value="function:${ids.director}" selected>Algemeen directeur</option>`);

    const elsewhere = await createOrganisation(e2e.app.deps.db, { slug: `ieper-${randomUUID().slice(0, 8)}`, name: 'Stad Ieper' });
    const theirs = (await createFunction(e2e.app.deps, { organisationId: elsewhere.id, actor: ACTOR, name: 'Algemeen directeur' })).id;
    const refused = await agent.post('/app/settings/routes/new').type('form').send({ _csrf: token, name: 'Stiekem', step_person_0: `function:${theirs}`, step_role_0: 'signer', step_order_0: '1' });
    expect(refused.status).to.equal(404);
  });

  it('send page: the route shows who signs today and the delegation choice; the holder gets the mail', async () => {
    const page = (await agent.get('/app/send').expect(200)).text;
    expect(page).to.include(`<fieldset class="route-signers-route" data-route-id="${ids.route}">`);
    expect(page).to.include('<li data-step="0">Algemeen directeur: An Dewaele (ondertekent)</li>');
    expect(page).to.include('<li data-step="1">Voorzitter gemeenteraad: Vera Voorzitter (ondertekent)</li>');
    expect(page).to.include(`<label for="delegation-${ids.route}-0">Wie tekent als algemeen directeur?</label>`);
    expect(page).to.include('>zelf: An Dewaele</option>').and.include(`<option value="${ids.delegation}" data-person-id=`).and.include('>bij opdracht: Els Declercq (Diensthoofd secretariaat)</option>');
    expect(page, 'the chair is not delegable: no choice').to.not.include(`delegation-${ids.route}-1`);

    const sent = await sendPage({ route: ids.route, title: 'Besluit vandaag' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const [envelope] = sent.body.envelopes as Array<{ id: string }>;
    expect((await recipientsOf(envelope!.id)).map((r) => [r.name, r.function, r.capacity, r.functionId, r.delegationId, r.actingStatement])).to.deep.equal([
      [AN.name, 'Algemeen directeur', 'holder', ids.director, null, null],
      [VERA.name, 'Voorzitter gemeenteraad', 'holder', ids.chair, null, null],
    ]);
    await e2e.deliver();
    const mail = await e2e.theMail(envelope!.id, AN.email, 'signRequest');
    expect(mail.text, 'a holder is not told a capacity in the mail').to.not.include('U ondertekent');
    expect(await linkPageSignsAs(mail.token!)).to.equal('Uw handtekening vermeldt: An Dewaele, Algemeen directeur');
    expect(await e2e.mails({ envelopeId: envelope!.id, to: PIET.email })).to.have.length(0);
    expect(await e2e.mails({ envelopeId: envelope!.id, to: ELS.email })).to.have.length(0);
  });

  it('send page: with the delegation chosen the delegate gets the mail, signing with the statement', async () => {
    const sent = await sendPage({ route: ids.route, title: 'Besluit bij opdracht', [`delegation-${ids.route}-0`]: ids.delegation });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const [envelope] = sent.body.envelopes as Array<{ id: string }>;
    const [els] = await recipientsOf(envelope!.id);
    expect([els!.name, els!.email, els!.function, els!.capacity, els!.delegationId, els!.actingStatement]).to.deep.equal([ELS.name, ELS.email, ELS.function, 'delegate', ids.delegation, 'Bij opdracht van de algemeen directeur']);
    const created = (await e2e.audit(envelope!.id)).find((e) => e.action === 'envelope.created')!;
    expect((created.details.recipients as Array<Record<string, unknown>>)[0]).to.include({ name: ELS.name, capacity: 'delegate', functionId: ids.director, delegationId: ids.delegation, actingStatement: 'Bij opdracht van de algemeen directeur' });
    await e2e.deliver();
    const mail = await e2e.theMail(envelope!.id, ELS.email, 'signRequest');
    expect(textOf(mail.text)).to.include('vraagt u om ‘Besluit bij opdracht’ te ondertekenen. U ondertekent bij opdracht van de algemeen directeur.');
    expect(textOf(mail.html)).to.include('U ondertekent bij opdracht van de algemeen directeur.');
    expect(await linkPageSignsAs(mail.token!)).to.equal('Uw handtekening vermeldt: Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd secretariaat');
    expect(await linkPageSignsAs(mail.token!, 'fr')).to.equal('Votre signature indiquera : Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd secretariaat');
    expect(await e2e.mails({ envelopeId: envelope!.id, to: AN.email })).to.have.length(0);

    const stale = await sendPage({ route: ids.route, title: 'Besluit', [`delegation-${ids.route}-0`]: randomUUID() });
    expect(stale.status).to.equal(422);
    expect(stale.body.errors[0]).to.match(/^Deze opdracht geldt niet \(meer\) voor algemeen directeur op /);
  });

  it('send page: a function nobody holds today is refused with a clear message, and nothing is sent', async () => {
    const mayor = (await createFunction(e2e.app.deps, { organisationId: e2e.organisation.id, actor: ACTOR, name: 'Burgemeester' })).id;
    const editor = await agent.get('/app/settings/routes/new').expect(200);
    const saved = await agent
      .post('/app/settings/routes/new')
      .type('form')
      .send({ _csrf: csrf(editor.text, '/app/settings/routes/new'), name: 'Schepencollege', step_person_0: `function:${mayor}`, step_role_0: 'signer', step_order_0: '1' });
    expect(saved.status).to.equal(303);
    const college = routesOf((await organisationById(e2e.app.deps.db, e2e.organisation.id))!).find((r) => r.name === 'Schepencollege')!;
    const page = (await agent.get('/app/send').expect(200)).text;
    expect(page).to.match(/<li class="problem" data-step="0">Niemand is burgemeester op \w+dag \d+ \w+ \d{4}\. Vul de functie aan bij Functies en mandaten\.<\/li>/);
    const before = (await e2e.app.deps.db('envelopes').where({ organisation_id: e2e.organisation.id }).count({ n: '*' }))[0]!.n;
    const refused = await sendPage({ route: college.id, title: 'Besluit college' });
    expect(refused.status).to.equal(422);
    expect(refused.body.errors).to.have.length(1);
    expect(refused.body.errors[0]).to.match(/^Niemand is burgemeester op /);
    expect((await e2e.app.deps.db('envelopes').where({ organisation_id: e2e.organisation.id }).count({ n: '*' }))[0]!.n).to.equal(before);
  });

  it('a meeting on a day the holder is absent: the substitute signs as "wnd. algemeen directeur"; a delegation reaches the decisions, never the minutes', async () => {
    const meetingId = await meeting(absentDay, 'Gemeenteraad (An afwezig)');
    const page = (await agent.get(`/app/meetings/${meetingId}`).expect(200)).text;
    expect(page).to.include(`<li data-step="0">wnd. algemeen directeur: Piet Claeys — An Dewaele is afwezig tot ${dayMonth(plus(absentDay, 2))} (ondertekent)</li>`);
    expect(page).to.include('Een opdracht geldt alleen voor de besluiten. De notulen ondertekent de titularis of zijn waarnemer.');

    expect((await upload(meetingId, ['01 Aankoop grond Ieperstraat.pdf'])).status).to.equal(303);
    const delegated = await upload(meetingId, ['02 Subsidie jeugdwerking.pdf', '03 Notulen vorige zitting.pdf'], { [`delegation-${ids.route}-0`]: ids.delegation });
    expect(delegated.status, delegated.text.slice(0, 500)).to.equal(303);
    // Minutes alone with a delegation: refused with the decree's words, nothing added.
    const refused = await upload(meetingId, ['04 Notulen zitting.pdf'], { [`delegation-${ids.route}-0`]: ids.delegation });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include(MINUTES_NL);

    const items = await meetingItems(meetingId);
    expect(items.map((e) => [e.title, e.kind, e.recipients[0]!.name, e.recipients[0]!.function, e.recipients[0]!.capacity])).to.deep.equal([
      ['Aankoop grond Ieperstraat', 'decision', PIET.name, 'wnd. algemeen directeur', 'substitute'],
      ['Subsidie jeugdwerking', 'decision', ELS.name, ELS.function, 'delegate'],
      ['Notulen vorige zitting', 'minutes', PIET.name, 'wnd. algemeen directeur', 'substitute'],
    ]);
    // Nor does the delegated decision become minutes when the agenda is corrected.
    const agenda = (await agent.get(`/app/meetings/${meetingId}`).expect(200)).text;
    const form: Record<string, string> = { _csrf: csrf(agenda, `/app/meetings/${meetingId}/agenda`), count: String(items.length) };
    items.forEach((item, i) => Object.assign(form, { [`envelope-${i}`]: item.id, [`item-${i}`]: String(i + 1), [`title-${i}`]: item.title, [`kind-${i}`]: i === 1 ? 'minutes' : item.kind }));
    const relabelled = await agent.post(`/app/meetings/${meetingId}/agenda`).type('form').send(form);
    expect(relabelled.status).to.equal(422);
    expect(relabelled.text).to.include(MINUTES_NL);
    expect((await meetingItems(meetingId)).map((e) => e.kind)).to.deep.equal(['decision', 'decision', 'minutes']);

    const sent = await request(e2e.app.url).post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send();
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    await e2e.deliver();
    const piet = await requestMails(e2e, PIET.email);
    expect(piet.map((m) => m.subject), 'one mail for the meeting to the substitute').to.deep.equal(['Te ondertekenen: Gemeenteraad (An afwezig) (2 stuk(ken))']);
    expect(piet[0]!.text).to.include('Aankoop grond Ieperstraat').and.include('Notulen vorige zitting').and.not.include('Subsidie jeugdwerking');
    // Told before signing (issue 12): the mail says in what capacity, the meeting page what the signature will read.
    // The absent holder by name, resolved when the items were added (kept on the recipient, not only on a hand-over).
    expect(textOf(piet[0]!.text)).to.include('U ondertekent als wnd. algemeen directeur, in de plaats van An Dewaele, die afwezig is.');
    const pietPage = await listedOnMeetingPage(e2e, meetingToken(piet[0]!.text, meetingId), meetingId);
    expect(pietPage.ids).to.have.length(2);
    expect(textOf(pietPage.page), 'both items as substitute: one line above the button').to.include('Uw handtekening vermeldt: Piet Claeys, wnd. algemeen directeur');
    expect(pietPage.page.match(/class="signs-as"/g)).to.have.length(1);
    expect(pietPage.page).to.include('<button type="submit" class="primary" id="batch-sign" aria-describedby="signs-as">');
    const els = (await requestMails(e2e, ELS.email)).filter((m) => m.subject.includes('An afwezig'));
    expect(els).to.have.length(1);
    expect(textOf(els[0]!.text)).to.include('U ondertekent bij opdracht van de algemeen directeur.').and.not.include('waarnemer');
    expect(textOf((await listedOnMeetingPage(e2e, meetingToken(els[0]!.text, meetingId), meetingId)).page)).to.include('Uw handtekening vermeldt: Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd secretariaat');
    expect((await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('An afwezig')), 'nothing to the absent holder').to.have.length(0);
  });

  it('a meeting dated after the mandate change resolves to the new holder', async () => {
    const meetingId = await meeting(laterDay, 'Gemeenteraad (nieuwe directeur)');
    const res = await e2e.createEnvelope({ title: 'Reglement parkeren', meetingId, recipients: [{ functionId: ids.director, role: 'signer', order: 1 }, { functionId: ids.chair, role: 'signer', order: 2 }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect((res.body.recipients as RecipientBody[]).map((r) => [r.name, r.function, r.capacity])).to.deep.equal([
      [BRAM.name, 'Algemeen directeur', 'holder'],
      [VERA.name, 'Voorzitter gemeenteraad', 'holder'],
    ]);
    expect((await request(e2e.app.url).post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send()).status).to.equal(200);
    await e2e.deliver();
    expect((await requestMails(e2e, BRAM.email)).map((m) => m.subject)).to.deep.equal(['Te ondertekenen: Gemeenteraad (nieuwe directeur) (1 stuk(ken))']);
    expect((await requestMails(e2e, AN.email)).filter((m) => m.subject.includes('nieuwe directeur'))).to.have.length(0);
  });

  it('in French and English: the meeting mails and pages say what the substitute and the delegate sign as', async () => {
    const staff = { organisationId: e2e.organisation.id, actor: ACTOR };
    await editPerson(e2e.app.deps, { ...staff, personId: ids.piet, person: { ...PIET, language: 'fr' } });
    await editPerson(e2e.app.deps, { ...staff, personId: ids.els, person: { ...ELS, language: 'en' } });
    const meetingId = await meeting(plus(absentDay, 1), 'Gemeenteraad (talen)');
    for (const [title, recipient] of [['Reglement markten', { functionId: ids.director, role: 'signer' }], ['Subsidie sport', { functionId: ids.director, delegationId: ids.delegation, role: 'signer' }]] as const) {
      const res = await e2e.createEnvelope({ title, meetingId, recipients: [recipient] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    expect((await request(e2e.app.url).post(`/api/v1/meetings/${meetingId}/send`).set(e2e.auth()).send()).status).to.equal(200);
    await e2e.deliver();
    const [piet] = (await e2e.mails({ to: PIET.email })).filter((m) => m.text.includes('Reglement markten'));
    expect(textOf(piet!.text)).to.include('Vous signez en tant que « wnd. algemeen directeur », à la place de An Dewaele, absent·e.');
    expect(textOf((await listedOnMeetingPage(e2e, meetingToken(piet!.text, meetingId), meetingId)).page)).to.include('Votre signature indiquera : Piet Claeys, wnd. algemeen directeur');
    const [els] = (await e2e.mails({ to: ELS.email })).filter((m) => m.text.includes('Subsidie sport'));
    expect(textOf(els!.text)).to.include('You sign by delegation: your signature says “Bij opdracht van de algemeen directeur”.');
    expect(textOf((await listedOnMeetingPage(e2e, meetingToken(els!.text, meetingId), meetingId)).page)).to.include('Your signature will read: Bij opdracht van de algemeen directeur — Els Declercq, Diensthoofd secretariaat');
  });

  it('API: minutes with a delegated recipient are refused (422 delegation_minutes_refused) and nothing is stored', async () => {
    const meetingId = await meeting(plus(today, 5), 'Gemeenteraad (notulen)');
    const before = (await e2e.app.deps.db('envelopes').where({ organisation_id: e2e.organisation.id }).count({ n: '*' }))[0]!.n;
    const res = await e2e.createEnvelope({ title: 'Notulen', meetingId, kind: 'minutes', expiresAt: EXPIRES_AT, recipients: [{ functionId: ids.director, delegationId: ids.delegation, role: 'signer' }] });
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.code).to.equal('delegation_minutes_refused');
    expect(res.body.detail).to.equal('Minutes cannot be signed by delegation (Decreet Lokaal Bestuur art. 280 and 283): the holder of the function or their substitute signs them.');
    expect((await e2e.app.deps.db('envelopes').where({ organisation_id: e2e.organisation.id }).count({ n: '*' }))[0]!.n).to.equal(before);
    expect(await meetingItems(meetingId)).to.deep.equal([]);
    // The same minutes without the delegation go to the holder.
    const holder = await e2e.createEnvelope({ title: 'Notulen', meetingId, kind: 'minutes', expiresAt: EXPIRES_AT, recipients: [{ functionId: ids.director, role: 'signer' }] });
    expect(holder.status, JSON.stringify(holder.body)).to.equal(201);
    expect(holder.body.recipients[0]).to.include({ name: AN.name, capacity: 'holder', delegationId: null, actingStatement: null });
  });

  it("API: another organisation's function is 404; a function step takes no name or person, a delegation needs a function (400)", async () => {
    const elsewhere = await createOrganisation(e2e.app.deps.db, { slug: `menen-${randomUUID().slice(0, 8)}`, name: 'Stad Menen' });
    const otherKey = (await createApiKey(e2e.app.deps.db, elsewhere.id, { name: 'menen' })).plaintext;
    const theirs = await e2e.createEnvelope({ title: 'x', expiresAt: EXPIRES_AT, recipients: [{ functionId: ids.director, role: 'signer' }] }, { key: otherKey });
    expect(theirs.status, JSON.stringify(theirs.body)).to.equal(404);
    expect(theirs.body.code).to.equal('function_not_found');
    const mixed = await e2e.createEnvelope({ title: 'x', expiresAt: EXPIRES_AT, recipients: [{ functionId: ids.director, name: 'X', email: 'x@zonnebeke.test', role: 'signer' }] });
    expect(mixed.status).to.equal(400);
    expect(mixed.body.detail).to.include('envelope.recipients[0].name: not with "functionId"');
    const lone = await e2e.createEnvelope({ title: 'x', expiresAt: EXPIRES_AT, recipients: [{ ...AN, delegationId: ids.delegation, role: 'signer' }] });
    expect(lone.status).to.equal(400);
    expect(lone.body.detail).to.include('envelope.recipients[0].delegationId: needs "functionId"');
  });
});
