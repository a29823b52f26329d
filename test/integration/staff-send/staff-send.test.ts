/**
 * `/app/send` (issue 5) over HTTP: a staff member logs in through `/app/login`, uploads PDFs with
 * a route template or people from the directory, one envelope per PDF or one with all documents;
 * a bad PDF sends nothing; the directory search is scoped to the organisation; CSRF is checked.
 * SQLite by default, PostgreSQL with TEST_DATABASE_URL (test/helpers/bootstrap.ts).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createOrganisation, createUser, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { listEnvelopes, type EnvelopeDto } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { fixture } from '../api/helpers.ts';

const PASSWORD = 'correct horse battery staple 42';
const PDF = { contentType: 'application/pdf' };

describe('staff send /app/send', function () {
  this.timeout(120_000);
  let app: TestApp;
  let org: Organisation;
  let other: Organisation;
  let director: Person;
  let chair: Person;
  let mayor: Person;
  let stranger: Person;
  let agent: ReturnType<typeof request.agent>;

  const csrfOf = (page: string): string => /<form id="send-form"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const envelopes = async (organisationId = org.id): Promise<EnvelopeDto[]> => {
    return (await listEnvelopes(app.deps.workflow, { organisationId, limit: 100 })).items;
  };
  const sendForm = async (fields: Record<string, string | string[]>, files: Array<[Buffer, string]>, options: { json?: boolean; csrf?: string | null } = {}) => {
    const page = await agent.get('/app/send').expect(200);
    const csrf = options.csrf === undefined ? csrfOf(page.text) : options.csrf;
    let req = agent.post('/app/send');
    if (options.json) req = req.set('Accept', 'application/json');
    if (csrf !== null) req = req.field('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) for (const v of ([] as string[]).concat(value)) req = req.field(name, v);
    for (const [buffer, filename] of files) req = req.attach('documents', buffer, { filename, ...PDF });
    return req;
  };
  const deadline = () => new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    app = await bootstrap({ env: { SIGNER_SECRET: 's'.repeat(40) } });
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    other = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Elders' });
    director = (await upsertPerson(db, org.id, { name: 'An Peeters', email: 'an@zonnebeke.be', function: 'Algemeen directeur' })).person;
    chair = (await upsertPerson(db, org.id, { name: 'Bart Claes', email: 'bart@zonnebeke.be', function: 'Voorzitter gemeenteraad' })).person;
    mayor = (await upsertPerson(db, org.id, { name: 'Chloë Dewitte', email: 'chloe@zonnebeke.be', function: 'Burgemeester' })).person;
    stranger = (await upsertPerson(db, other.id, { name: 'An Peetersen', email: 'an@elders.be', function: 'Directeur' })).person;
    await db('organisations')
      .where({ id: org.id })
      .update({
        settings: JSON.stringify({
          requireCode: true,
          defaultExpiryDays: 14,
          routes: [
            { id: 'raad', name: 'Gemeenteraad', steps: [{ personId: chair.id, role: 'signer', order: 2 }, { personId: director.id, role: 'signer', order: 1 }] },
            { id: 'college', name: 'College', steps: [{ personId: director.id, role: 'signer', order: 1 }, { personId: mayor.id, role: 'signer', order: 2 }] },
          ],
        }),
      });
    await createUser(db, org.id, { email: 'secretariaat@zonnebeke.be', role: 'staff', name: 'Sara Secretariaat', password: PASSWORD });

    agent = request.agent(app.url);
    const login = await agent.get('/app/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
    await agent.post('/app/login').type('form').send({ _csrf: csrf, email: 'secretariaat@zonnebeke.be', password: PASSWORD }).expect(303);
  });
  after(async () => {
    await app?.close();
  });

  it('shows the send page in Dutch: files, routes, people, deadline from settings, no inline script or style', async () => {
    const res = await agent.get('/app/send').expect(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.headers['cache-control']).to.equal('no-store');
    const page = res.text;
    expect(page).to.include('<html lang="nl">').and.include('Versturen om te ondertekenen');
    expect(page).to.match(/<input type="file" id="documents" name="documents" accept="application\/pdf,.pdf" multiple/);
    expect(page).to.include('enctype="multipart/form-data"');
    expect(page).to.include('Gemeenteraad: An Peeters (ondertekent) → Bart Claes (ondertekent)');
    // French sets the colon off with a space, also where the page joins a route's name to its steps.
    expect((await agent.get('/app/send?lang=fr').expect(200)).text).to.match(/>Gemeenteraad : An Peeters \([^)]+\) → Bart Claes/);
    expect(page).to.include(`<option value="${mayor.id}">Chloë Dewitte – Burgemeester (chloe@zonnebeke.be)</option>`);
    expect(page).to.not.include(stranger.id);
    const expected = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(new Date(Date.now() + 14 * 86_400_000));
    expect(page).to.include(`name="deadline" required`).and.include(`value="${expected}"`);
    expect(page).to.include('<label for="onBehalfOf">Regel boven de handtekeningen (niet verplicht)</label>').and.include('<input type="text" id="onBehalfOf" name="onBehalfOf" maxlength="200" value=""');
    expect(page).to.include('<script type="module" src="/assets/staff-send.js"></script>');
    expect(page).to.not.match(/<script(?! type="module" src="\/assets\/staff-send\.js">)|style=/);
    const en = await agent.get('/app/send?lang=en').expect(200);
    expect(en.text).to.include('<html lang="en">').and.include('Send for signature');
    await agent.get('/app/send?lang=nl').expect(200);

    const js = await request(app.url).get('/assets/staff-send.js').expect(200);
    expect(js.headers['content-type']).to.match(/^text\/javascript/);
    await request(app.url).get('/assets/staff-send.css').expect(200).expect('Content-Type', /^text\/css/);
  });

  it('sends three PDFs with a route template as three envelopes, each with the route’s signers in order', async () => {
    const before = (await envelopes()).length;
    const res = await sendForm(
      { mode: 'perDocument', route: 'raad', deadline: deadline(), message: 'Graag tekenen vóór vrijdag.', 'title-1': 'Besluit 2: begroting', onBehalfOf: 'Namens de gemeenteraad, in openbare zitting' },
      [
        [fixture('reportlab-decision.pdf'), 'besluit_1.pdf'],
        [fixture('libreoffice-decision.pdf'), 'besluit-2.pdf'],
        [fixture('multipage-decision.pdf'), 'besluit-3.pdf'],
      ],
    );
    expect(res.status, res.text.slice(0, 800)).to.equal(303);
    expect(res.headers.location).to.equal('/app?sent=3');
    const all = await envelopes();
    expect(all).to.have.length(before + 3);
    const created = all.filter((e) => ['besluit 1', 'Besluit 2: begroting', 'besluit-3'].includes(e.title));
    expect(created.map((e) => e.title).sort()).to.deep.equal(['Besluit 2: begroting', 'besluit 1', 'besluit-3']);
    for (const envelope of created) {
      expect(envelope.status).to.equal('sent');
      expect(envelope.message).to.equal('Graag tekenen vóór vrijdag.');
      expect(envelope.requireCode).to.equal(true);
      expect(envelope.routeName, 'the route (decision body) is stored').to.equal('Gemeenteraad');
      expect(envelope.onBehalfOf, 'the line above the signature page’s blocks (issue 12)').to.equal('Namens de gemeenteraad, in openbare zitting');
      expect(envelope.createdBy.kind).to.equal('user');
      expect(envelope.documents).to.have.length(1);
      const recipients = [...envelope.recipients].sort((a, b) => a.routingOrder - b.routingOrder);
      expect(recipients.map((r) => [r.name, r.role, r.routingOrder])).to.deep.equal([
        ['An Peeters', 'signer', 1],
        ['Bart Claes', 'signer', 2],
      ]);
      expect(recipients[0]!.status).to.equal('sent');
      expect(recipients[1]!.status).to.equal('pending');
      expect(new Date(envelope.expiresAt!).toISOString().slice(0, 10)).to.equal(deadline());
    }
    const audit = await app.deps.db('audit_events').where({ organisation_id: org.id, envelope_id: created[0]!.id, action: 'envelope.created' }).first();
    expect(audit).to.exist;
    const row = await app.deps.db('envelopes').where({ id: created[0]!.id }).first();
    expect(row.route_name).to.equal('Gemeenteraad');
  });

  it('sends several documents as one envelope to people picked from the directory, with a placed field', async () => {
    const res = await sendForm(
      {
        mode: 'single',
        title: 'Collegebesluiten 12 mei',
        deadline: deadline(),
        route: '',
        'person-0': mayor.id,
        'role-0': 'signer',
        'order-0': '2',
        'person-1': director.id,
        'role-1': 'approver',
        'order-1': '1',
        'person-2': chair.id,
        'role-2': 'cc',
        'order-2': '3',
        placement: `${mayor.id}|1|1|100|120|180|60`,
      },
      [
        [fixture('reportlab-decision.pdf'), 'a.pdf'],
        [fixture('libreoffice-decision.pdf'), 'b.pdf'],
      ],
      { json: true },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.redirect).to.equal('/app?sent=1');
    const envelope = (await envelopes()).find((e) => e.title === 'Collegebesluiten 12 mei')!;
    expect(envelope.documents.map((d) => d.name)).to.deep.equal(['a.pdf', 'b.pdf']);
    expect(envelope.routeName, 'no route, no body').to.equal(null);
    const byName = Object.fromEntries(envelope.recipients.map((r) => [r.name, r]));
    expect(byName['An Peeters']).to.include({ role: 'approver', routingOrder: 1 });
    expect(byName['Chloë Dewitte']).to.include({ role: 'signer', routingOrder: 2 });
    expect(byName['Bart Claes']).to.include({ role: 'cc', routingOrder: 3 });
    const field = byName['Chloë Dewitte']!.fields.find((f) => f.documentId === envelope.documents[1]!.id)!;
    expect(field).to.include({ page: 1, x: 100, y: 120, width: 180, height: 60 });
  });

  it('sends nothing when one PDF is bad, and names the file', async () => {
    const before = (await envelopes()).length;
    const files: Array<[Buffer, string]> = [
      [fixture('reportlab-decision.pdf'), 'goed-1.pdf'],
      [Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog'), 'kapot.pdf'],
      [Buffer.from('dit is tekst'), 'tekst.pdf'],
      [fixture('libreoffice-decision.pdf'), 'goed-2.pdf'],
    ];
    const res = await sendForm({ mode: 'perDocument', route: 'college', deadline: deadline() }, files);
    expect(res.status).to.equal(422);
    expect(res.text).to.include('Er is niets verstuurd. Verbeter dit eerst:');
    expect(res.text).to.include('kapot.pdf: dit bestand is geen geldige PDF.');
    expect(res.text).to.include('tekst.pdf: dit is geen PDF.');
    expect(res.text).to.not.include('goed-1.pdf:');
    expect(res.text).to.match(/<option value="college"[^>]* selected>/);
    const json = await sendForm({ mode: 'perDocument', route: 'college', deadline: deadline() }, files, { json: true });
    expect(json.status).to.equal(422);
    expect(json.body.errors).to.deep.equal(['kapot.pdf: dit bestand is geen geldige PDF.', 'tekst.pdf: dit is geen PDF.']);
    expect(await envelopes()).to.have.length(before);
  });

  it('checks everything else before sending: deadline, recipients, another organisation’s person, placements', async () => {
    const before = (await envelopes()).length;
    const pdf: Array<[Buffer, string]> = [[fixture('reportlab-decision.pdf'), 'besluit.pdf']];
    const past = await sendForm({ mode: 'perDocument', route: 'raad', deadline: '2020-01-01' }, pdf, { json: true });
    expect(past.body.errors).to.deep.equal(['Kies een uiterste datum na vandaag, ten hoogste een jaar vooruit.']);
    const nobody = await sendForm({ mode: 'perDocument', route: '', deadline: deadline() }, pdf, { json: true });
    expect(nobody.body.errors).to.deep.equal(['Kies een ondertekeningsroute of minstens één persoon.']);
    const foreign = await sendForm({ mode: 'perDocument', deadline: deadline(), 'person-0': stranger.id, 'role-0': 'signer', 'order-0': '1' }, pdf, { json: true });
    expect(foreign.body.errors).to.deep.equal(['Persoon 1 staat niet (meer) in de lijst van personen.']);
    const unknownRoute = await sendForm({ mode: 'perDocument', route: 'ocmw', deadline: deadline() }, pdf, { json: true });
    expect(unknownRoute.body.errors).to.deep.equal(['Deze ondertekeningsroute bestaat niet (meer).']);
    const badPlacement = await sendForm({ mode: 'perDocument', route: 'raad', deadline: deadline(), placement: `${chair.id}|0|9|10|10|100|50` }, pdf, { json: true });
    expect(badPlacement.body.errors).to.deep.equal(['Een plaats van een handtekening is ongeldig. Plaats ze opnieuw.']);
    const noFiles = await sendForm({ mode: 'perDocument', route: 'raad', deadline: deadline() }, [], { json: true });
    expect(noFiles.body.errors).to.deep.equal(['Kies minstens één PDF.']);
    expect(await envelopes()).to.have.length(before);
  });

  it('refuses a post without the CSRF token and sends nothing', async () => {
    const before = (await envelopes()).length;
    const missing = await sendForm({ mode: 'perDocument', route: 'raad', deadline: deadline() }, [[fixture('reportlab-decision.pdf'), 'x.pdf']], { csrf: null });
    expect(missing.status).to.equal(403);
    const wrong = await sendForm({ mode: 'perDocument', route: 'raad', deadline: deadline() }, [[fixture('reportlab-decision.pdf'), 'x.pdf']], { csrf: 'AAAA' });
    expect(wrong.status).to.equal(403);
    expect(await envelopes()).to.have.length(before);
  });

  it('searches the directory of the own organisation only, as JSON', async () => {
    const res = await agent.get('/app/people/search').query({ q: 'peeters' }).expect(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.body.people).to.deep.equal([{ id: director.id, name: 'An Peeters', email: 'an@zonnebeke.be', function: 'Algemeen directeur' }]);
    const accents = await agent.get('/app/people/search').query({ q: 'chloe burgem' }).expect(200);
    expect(accents.body.people.map((p: Person) => p.id)).to.deep.equal([mayor.id]);
    const everyone = await agent.get('/app/people/search').query({ q: '' }).expect(200);
    expect(everyone.body.people.map((p: Person) => p.id)).to.have.members([director.id, chair.id, mayor.id]);
    const elders = await agent.get('/app/people/search').query({ q: 'elders' }).expect(200);
    expect(elders.body.people).to.deep.equal([]);
  });

  it('asks an anonymous visitor to log in', async () => {
    const page = await request(app.url).get('/app/send').expect(303);
    expect(page.headers.location).to.match(/^\/app\/login\?next=/);
    await request(app.url).get('/app/people/search?q=an').expect(303);
    const post = await request(app.url).post('/app/send').attach('documents', fixture('reportlab-decision.pdf'), { filename: 'x.pdf', ...PDF });
    expect(post.status).to.equal(401);
  });
});
