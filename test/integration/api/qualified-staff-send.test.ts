/**
 * The signature level on the staff send page (issue 13): the select offers advanced and qualified, its value
 * applies to every signer of the envelopes sent, a route step saved as qualified stays qualified whatever the
 * select says, approvers keep the default, and a value the page never offers is refused.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { createOrganisation, createUser, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { listEnvelopes } from '../../../src/workflow/index.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { fixture } from './helpers.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('staff send page: signature level (issue 13)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let org: Organisation;
  let director: Person;
  let chair: Person;
  let secretary: Person;
  let agent: ReturnType<typeof request.agent>;

  const send = async (fields: Record<string, string>) => {
    const page = await agent.get('/app/send').expect(200);
    const csrf = /<form id="send-form"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    let req = agent.post('/app/send').set('Accept', 'application/json').field('_csrf', csrf);
    for (const [name, value] of Object.entries({ mode: 'perDocument', deadline: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10), ...fields })) req = req.field(name, value);
    return req.attach('documents', fixture('reportlab-decision.pdf'), { filename: 'besluit.pdf', contentType: 'application/pdf' });
  };
  const levelsOf = async (envelopeId: string) => {
    const envelope = (await listEnvelopes(app.deps.workflow, { organisationId: org.id, limit: 100 })).items.find((e) => e.id === envelopeId)!;
    return Object.fromEntries(envelope.recipients.map((r) => [r.name, `${r.role}:${r.signatureLevel}`]));
  };

  before(async () => {
    app = await bootstrap({ env: { SIGNER_SECRET: 's'.repeat(40) } });
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: `gemeente-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zonnebeke' });
    director = (await upsertPerson(db, org.id, { name: 'An Peeters', email: 'an@zonnebeke.be', function: 'Algemeen directeur' })).person;
    chair = (await upsertPerson(db, org.id, { name: 'Bart Claes', email: 'bart@zonnebeke.be', function: 'Voorzitter' })).person;
    secretary = (await upsertPerson(db, org.id, { name: 'Sien Secretaris', email: 'sien@zonnebeke.be', function: 'Secretariaat' })).person;
    await db('organisations')
      .where({ id: org.id })
      .update({
        settings: JSON.stringify({
          routes: [
            {
              id: 'raad',
              name: 'Gemeenteraad',
              steps: [
                { personId: director.id, role: 'signer', order: 1, signatureLevel: 'qualified' },
                { personId: chair.id, role: 'signer', order: 2 },
                { personId: secretary.id, role: 'approver', order: 3 },
              ],
            },
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

  it('offers the level, advanced by default, labelled and explained', async () => {
    const page = (await agent.get('/app/send').expect(200)).text;
    expect(page).to.match(/<label for="signatureLevel">Soort handtekening<\/label>/);
    expect(page).to.match(/<select id="signatureLevel" name="signatureLevel" aria-describedby="signatureLevel-hint">/);
    expect(page).to.match(/<option value="advanced" selected>Geavanceerd/);
    expect(page).to.match(/<option value="qualified">Gekwalificeerd/);
  });

  it('applies the level to the signers; a qualified route step stays qualified; approvers keep the default', async () => {
    const advanced = await send({ route: 'raad', signatureLevel: 'advanced' });
    expect(advanced.status, JSON.stringify(advanced.body)).to.equal(200);
    expect(await levelsOf(advanced.body.envelopes[0].id)).to.deep.equal({ 'An Peeters': 'signer:qualified', 'Bart Claes': 'signer:advanced', 'Sien Secretaris': 'approver:advanced' });

    const qualified = await send({ signatureLevel: 'qualified', 'person-0': chair.id, 'role-0': 'signer', 'order-0': '1', 'person-1': secretary.id, 'role-1': 'approver', 'order-1': '2' });
    expect(qualified.status, JSON.stringify(qualified.body)).to.equal(200);
    expect(await levelsOf(qualified.body.envelopes[0].id)).to.deep.equal({ 'Bart Claes': 'signer:qualified', 'Sien Secretaris': 'approver:advanced' });
  });

  it('refuses a level the page does not offer, and sends nothing', async () => {
    const before = (await listEnvelopes(app.deps.workflow, { organisationId: org.id, limit: 100 })).items.length;
    const res = await send({ route: 'raad', signatureLevel: 'simple' });
    expect(res.status).to.equal(422);
    expect(res.body.errors).to.deep.equal(['Kies een soort handtekening.']);
    expect((await listEnvelopes(app.deps.workflow, { organisationId: org.id, limit: 100 })).items).to.have.length(before);
  });
});
