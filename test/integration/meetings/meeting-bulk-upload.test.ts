/**
 * The bulk upload of a meeting (issue 12) is all or nothing: staff drop all of a sitting's PDFs at once on
 * "Zittingen"; when one of them is not a usable PDF, the page names that file, says nothing was added, and the
 * meeting holds nothing new (checked through the API); the good files uploaded again are all added, in agenda order.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createUser, upsertPerson } from '../../../src/store/index.ts';
import { fixture } from '../api/helpers.ts';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { DIRECTOR, staffSession } from './meeting-signer.ts';

const PASSWORD = 'correct horse battery staple 42';
const STAFF = 'secretariaat@zonnebeke.be';
const HOSTILE = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'pdf', 'hostile');

describe('meetings: the bulk upload stores all files or none', function () {
  this.timeout(120_000);
  let e2e: E2E;

  before(async () => {
    e2e = await startE2E();
    const db = e2e.app.deps.db;
    await createUser(db, e2e.organisation.id, { email: STAFF, role: 'admin', name: 'Sara Secretariaat', password: PASSWORD });
    const director = (await upsertPerson(db, e2e.organisation.id, { ...DIRECTOR, language: 'nl' })).person;
    const routes = [{ id: randomUUID(), name: 'Gemeenteraad', steps: [{ personId: director.id, role: 'signer', order: 1 }] }];
    await db('organisations').where({ id: e2e.organisation.id }).update({ settings: JSON.stringify({ routes }) });
  });
  after(async () => {
    await e2e?.close();
  });

  it('one bad PDF among three: nothing is stored and the page names the file; the good ones then go in together', async () => {
    const created = await request(e2e.app.url).post('/api/v1/meetings').set(e2e.auth()).send({ body: 'gemeenteraad', title: 'Gemeenteraad 4 mei 2027', date: '2027-05-04' });
    const id = created.body.id as string;
    const staff = await staffSession(e2e, STAFF, PASSWORD);
    const deadline = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const upload = async (files: Array<[string, Buffer]>) => {
      const page = await staff.get(`/app/meetings/${id}`);
      const route = /<select id="meeting-route" name="route" required>[\s\S]*?<option value="([0-9a-f-]{36})"/.exec(page.text)![1]!;
      let req = staff.post(`/app/meetings/${id}/documents`).field('_csrf', staff.csrf(page.text, `app/meetings/${id}/documents`)).field('route', route).field('deadline', deadline);
      for (const [name, pdf] of files) req = req.attach('documents', pdf, { filename: name, contentType: 'application/pdf' });
      return staff.keep(await req);
    };
    const items = async () => (await request(e2e.app.url).get(`/api/v1/meetings/${id}`).set(e2e.auth())).body.envelopes as Array<{ agendaItem: string; title: string }>;
    const good: Array<[string, Buffer]> = [
      ['02 Rooilijnplan.pdf', fixture('reportlab-decision.pdf')],
      ['01 Notulen vorige zitting.pdf', fixture('reportlab-decision.pdf')],
    ];
    const refused = await upload([...good, ['03 Subsidie.pdf', readFileSync(path.join(HOSTILE, 'truncated.pdf'))]]);
    expect(refused.status, refused.text.slice(0, 300)).to.equal(400);
    expect(refused.text).to.include('Er is niets toegevoegd').and.to.include('03 Subsidie.pdf: dit is geen bruikbare PDF.');
    expect(refused.text).to.not.include('01 Notulen vorige zitting.pdf: dit is geen');
    expect(await items(), 'nothing stored for the meeting').to.deep.equal([]);
    const envelopes = await e2e.app.deps.db('envelopes').where({ organisation_id: e2e.organisation.id, meeting_id: id }).count({ n: '*' });
    expect(Number(envelopes[0]!.n)).to.equal(0);

    const accepted = await upload(good);
    expect(accepted.status, accepted.text.slice(0, 300)).to.equal(303);
    expect(accepted.headers.location).to.equal(`/app/meetings/${id}?uploaded=2`);
    expect((await items()).map((e) => [e.agendaItem, e.title])).to.deep.equal([
      ['1', 'Notulen vorige zitting'],
      ['2', 'Rooilijnplan'],
    ]);
  });
});
