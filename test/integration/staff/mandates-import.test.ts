/**
 * The mandate database import on the staff page (issue 12), over HTTP: the dry run reports every line the import
 * refuses with its line number, in the page's language (the import's reasons are English, as the API gives them, and
 * every one of them has its Dutch and French words here); the dry run stores nothing; the confirmation carries the
 * file back and imports it; a file that is no export at all, or is empty, is refused with the reason in Dutch.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createOrganisation, createUser, deactivatePerson, upsertPerson, type Organisation } from '../../../src/store/index.ts';
import { importProblemText } from '../../../src/web/staff/mandate-i18n.ts';
import { importMandates } from '../../../src/workflow/import-mandates.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';

const PASSWORD = 'correct horse battery staple';
const tokenIn = (page: string, action = '/app/functions/import'): string => {
  const from = page.indexOf(`action="${action}"`);
  expect(from, `a form posting to ${action}`).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(from))![1]!;
};
const HEADER = 'Voornaam,Naam,Fractie,Mandaat,Status,Orgaan,StartMandaat,EindeMandaat,PublicatieStatus,Rangorde,Beleidsdomeinen,E-mail';
/** One good line, then a line for every reason the import refuses one. */
const LINES = [
  'Dirk,Directeur,,Algemeen directeur,Effectief,,02-01-2025,,Bekrachtigd,,,dirk@zonnebeke.be',
  ',,,Schepen,Effectief,Gemeenteraad,02-01-2025,,Bekrachtigd,,,',
  'Piet,Claeys,,,Effectief,,02-01-2025,,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Ziek,,02-01-2025,,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Effectief,,,,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Effectief,,gisteren,,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Effectief,,02-01-2025,morgen,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Effectief,,02-01-2025,01-01-2025,Bekrachtigd,,,piet@zonnebeke.be',
  'Piet,Claeys,,Schepen,Effectief,,02-01-2025,,Bekrachtigd,,,geen-adres',
  'Piet,Claeys,,Schepen,Effectief,,02-01-2025,,Draft,,,piet@zonnebeke.be',
  'Piet,Claeys,,http://data.lblod.info/id/bestuursfuncties/5ab0e9b8a3b2ca7c5e000011,Effectief,,02-01-2025,,Bekrachtigd,,,piet@zonnebeke.be',
  'Onbekende,Iemand,,Schepen,Effectief,,02-01-2025,,Bekrachtigd,,,',
  'Jan,Peeters,,Schepen,Effectief,,02-01-2025,,Bekrachtigd,,,',
  'Dirk,Directeur,,Algemeen directeur,Effectief,,02-01-2025,,Bekrachtigd,,,dirk@zonnebeke.be',
  'Oud,Lid,,Schepen,Effectief,,02-01-2025,,Bekrachtigd,,,oud@zonnebeke.be',
  'Vera,Voorzitter,,Voorzitter gemeenteraad,Verhinderd,Gemeenteraad,02-01-2025,,Bekrachtigd,,,vera@zonnebeke.be',
  'a,b,c,d,e,f,g,h,i,j,k,l,m,n',
];
const CSV = [HEADER, ...LINES].join('\n');
/** English words of the import's reasons that must not be left on a Dutch page. */
const ENGLISH = /\b(is not|is empty|unknown status|unmatched|the same mandate|belongs to|still a draft|without an end date|expected \d+ fields|needs its label|people in the directory|ends \()/;

describe('the mandate database import on the staff page: dry run, problems in the page’s language, import (issue 12)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let org: Organisation;
  let admin: ReturnType<typeof request.agent>;
  const mandates = async () => Number((await app.deps.db('mandates').where({ organisation_id: org.id }).count({ n: '*' }).first())!.n);

  before(async () => {
    app = await bootstrap();
    const db = app.deps.db;
    org = await createOrganisation(db, { slug: 'zonnebeke', name: 'Gemeente Zonnebeke' });
    await createUser(db, org.id, { email: 'admin@zonnebeke.be', role: 'admin', name: 'Ann Admin', password: PASSWORD });
    await upsertPerson(db, org.id, { name: 'Dirk Directeur', email: 'dirk@zonnebeke.be', function: 'Algemeen directeur', language: 'nl' });
    await upsertPerson(db, org.id, { name: 'Vera Voorzitter', email: 'vera@zonnebeke.be', function: null, language: 'nl' });
    await upsertPerson(db, org.id, { name: 'Jan Peeters', email: 'jan.peeters@zonnebeke.be', function: null, language: 'nl' });
    await upsertPerson(db, org.id, { name: 'Jan Peeters', email: 'jan.peeters2@zonnebeke.be', function: null, language: 'nl' });
    const old = (await upsertPerson(db, org.id, { name: 'Oud Lid', email: 'oud@zonnebeke.be', function: null, language: 'nl' })).person;
    await deactivatePerson(db, org.id, old.id);
    admin = request.agent(app.url);
    const form = await admin.get('/app/login');
    await admin.post('/app/login').type('form').send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(form.text)![1], email: 'admin@zonnebeke.be', password: PASSWORD, next: '/app' }).expect(303);
  });
  after(async () => {
    await app?.close();
  });

  it('every reason the import gives has its Dutch and French words, and stays as it is in English', async () => {
    const report = await importMandates(app.deps.workflow, { organisationId: org.id, actor: { kind: 'user', id: 'test', label: 'test' }, csv: CSV, dryRun: true });
    expect(report.problems.map((p) => p.line)).to.deep.equal(LINES.slice(1).map((_, i) => i + 3));
    for (const { line, message } of report.problems) {
      expect(importProblemText('en', message), `line ${line}`).to.equal(message);
      for (const language of ['nl', 'fr'] as const) {
        const text = importProblemText(language, message);
        expect(text, `line ${line} in ${language}: ${message}`).to.not.equal(message);
        expect(text, `line ${line} in ${language}`).to.not.match(ENGLISH).and.to.not.match(/\{[a-d]\}/);
      }
    }
  });

  it('the dry run lists each refused line in Dutch and stores nothing; the confirmation imports', async () => {
    const page = (await admin.get('/app/functions/import').expect(200)).text;
    const dry = await admin.post('/app/functions/import').field('_csrf', tokenIn(page)).attach('file', Buffer.from(CSV, 'utf8'), { filename: 'mandatarissen.csv', contentType: 'text/csv' });
    expect(dry.status).to.equal(200);
    expect(dry.text).to.include('Wat er zou veranderen').and.to.include('Nieuwe mandaten: 1. Gewijzigd: 0. Ongewijzigd: 0. Regels met een probleem: 16.');
    const problems = [...dry.text.matchAll(/<li>(Regel \d+: [^<]*)<\/li>/g)].map((m) => m[1]!);
    expect(problems).to.have.length(16);
    expect(problems[0]).to.equal('Regel 3: de naam ontbreekt');
    expect(problems).to.include('Regel 7: Piet Claeys: de begindatum ‘gisteren’ is geen datum (d/m/jjjj of jjjj-mm-dd)');
    expect(problems).to.include('Regel 15: Dirk Directeur: hetzelfde mandaat als regel 2');
    for (const problem of problems) expect(problem).to.not.match(ENGLISH);
    expect(await mandates(), 'a dry run stores nothing').to.equal(0);

    const csv = /name="csv" value="([^"]+)"/.exec(dry.text)![1]!;
    expect(Buffer.from(csv, 'base64').toString('utf8')).to.equal(CSV);
    const done = await admin.post('/app/functions/import').field('_csrf', tokenIn(dry.text)).field('csv', csv).field('confirm', '1');
    expect(done.status).to.equal(200);
    expect(done.text).to.include('De mandaten zijn geïmporteerd.').and.to.include('Regel 2, nieuw: Dirk Directeur, titularis van Algemeen directeur, vanaf 2 januari 2025');
    expect(done.text, 'nothing left to confirm').to.not.include('name="confirm"');
    expect(await mandates()).to.equal(1);
  });

  it('a file that is not an export, or is empty, is refused with its reason in Dutch; nothing is stored', async () => {
    const token = tokenIn((await admin.get('/app/functions/import').expect(200)).text);
    const notExport = await admin.post('/app/functions/import').field('_csrf', token).attach('file', Buffer.from('Naam;E-mail\nDirk Directeur;dirk@zonnebeke.be\n'), 'personen.csv');
    expect(notExport.status).to.equal(422);
    expect(notExport.text).to.include('Regel 1: dit is geen export van de mandatendatabank; de kopregel mist de functie (&#39;Mandaat&#39; of &#39;bestuursfunctieLabel&#39;), de begindatum (&#39;StartMandaat&#39; of &#39;start&#39;). Gevonden: Naam, E-mail.');
    const blank = await admin.post('/app/functions/import').field('_csrf', token).attach('file', Buffer.from('\n\n'), 'leeg.csv');
    expect(blank.status).to.equal(422);
    expect(blank.text).to.include('Het CSV-bestand is leeg');
    const nothing = await admin.post('/app/functions/import').field('_csrf', token).attach('file', Buffer.alloc(0), 'niets.csv');
    expect(nothing.status).to.equal(400);
    expect(nothing.text).to.include('Kies een CSV-bestand in UTF-8 van hoogstens 2 MB.');
    const latin1 = await admin.post('/app/functions/import').field('_csrf', token).attach('file', Buffer.from(`${HEADER}\nJos\xe9,Claeys,,Schepen,Effectief,,02-01-2025,,,,,\n`, 'latin1'), 'latin1.csv');
    expect(latin1.status).to.equal(400);
    expect(await mandates()).to.equal(1);
  });
});
