/**
 * Importing mandataries from a CSV export of the Flemish mandate database (issue 12), over `POST /api/v1/mandates/import`
 * and `npm run cli -- mandates import`: functions, people and mandates land in the organisation, a waarnemend
 * burgemeester then signs while the verhinderd one is absent, a second import of the same mandates updates instead of
 * duplicating, a dry run stores nothing, a bad file is a 422 problem+json with line numbers, and another
 * organisation's directory is never matched. SQLite by default, PostgreSQL with TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createApiKey, createOrganisation, listPeople, upsertPerson, type Organisation, type Person } from '../../../src/store/index.ts';
import { listAuditChain } from '../../../src/store/audit-event-repository.ts';
import { insertFunction, listAbsences, listFunctions, listMandates, type MandateRow } from '../../../src/store/mandates.ts';
import { resolveFunctionSigner } from '../../../src/workflow/resolve-function-signer.ts';
import { bootstrap, type TestApp } from '../../helpers/bootstrap.ts';
import { root } from '../admin-cli/helpers.ts';
import { cliOnApp, openApiValidator } from './helpers.ts';

const FIXTURES = path.join(root, 'fixtures/mandates');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const DOWNLOAD = 'mandatendatabank-zwevegem.csv';
const EXCEL = 'mandatendatabank-zwevegem-excel.csv';
const FLANDERS = 'mandatendatabank-export-vlaanderen.csv';

const report = (over: Record<string, unknown>) => ({
  dryRun: false,
  rows: 10,
  functionsCreated: 0,
  peopleCreated: 0,
  mandatesCreated: 0,
  mandatesUpdated: 0,
  unchanged: 0,
  absencesRecorded: 0,
  skipped: 0,
  problems: [],
  ...over,
});
/** The report but its `changes`, which one test reads. */
const counts = (body: Record<string, unknown>) => {
  const { changes: _changes, ...rest } = body;
  return rest;
};
const UNMATCHED_JAN = { line: 11, message: 'Jan Lefevre (Gemeenteraadslid): unmatched: add an e-mail column or add the person to the directory first' };

describe('mandates: import from the Flemish mandate database', function () {
  this.timeout(120_000);
  let app: TestApp;
  let zwevegem: Organisation;
  let kortrijk: Organisation;
  let key: string;
  const people: Record<string, Person> = {};

  const importCsv = (csv: string, query = '', k = key) =>
    request(app.url).post(`/api/v1/mandates/import${query}`).set({ Authorization: `Bearer ${k}`, 'Content-Type': 'text/csv; charset=utf-8' }).send(csv);
  const mandatesOf = async (organisationId: string) => listMandates(app.deps.db, organisationId);
  const functionNamed = async (organisationId: string, name: string) => (await listFunctions(app.deps.db, organisationId)).find((f) => f.name === name)!;
  const signerOn = async (organisationId: string, functionName: string, day: string) => {
    const signer = await resolveFunctionSigner(app.deps.db, organisationId, { functionId: (await functionNamed(organisationId, functionName)).id, day, kind: 'decision' });
    return { name: signer.person.name, capacity: signer.capacity, function: signer.function };
  };
  const runCli = (args: string[]) => cliOnApp(app, args);

  before(async () => {
    app = await bootstrap();
    const db = app.deps.db;
    zwevegem = await createOrganisation(db, { slug: `zwevegem-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zwevegem' });
    kortrijk = await createOrganisation(db, { slug: `kortrijk-${randomUUID().slice(0, 8)}`, name: 'Stad Kortrijk' });
    key = (await createApiKey(db, zwevegem.id, { name: 'secretariaat' })).plaintext;
    const add = async (organisation: Organisation, name: string, email: string) => (await upsertPerson(db, organisation.id, { name, email, function: null, language: 'nl' })).person;
    people.marc = await add(zwevegem, 'Marc Vandenbussche', 'marc.vandenbussche@zwevegem.example');
    people.sofie = await add(zwevegem, 'Sofie Debaene', 'sofie.debaene@zwevegem.example');
    people.pieter = await add(zwevegem, 'Pieter Declercq', 'pieter.declercq@zwevegem.example');
    // Written without the accent the export has: still the same person.
    people.helene = await add(zwevegem, 'helene  VERCRUYSSE', 'helene.vercruysse@zwevegem.example');
    people.annelies = await add(zwevegem, 'Annelies Goethals', 'annelies.goethals@zwevegem.example');
    // Kortrijk's directory has a Jan Lefevre too: Zwevegem's import must never take him.
    people.janKortrijk = await add(kortrijk, 'Jan Lefevre', 'jan.lefevre@kortrijk.example');
    people.wouter = await add(kortrijk, 'Wouter Vandaele', 'wouter.vandaele@kortrijk.example');
    // Staff named the chair's function before the import, shorter than the export does.
    await insertFunction(db, { id: randomUUID(), organisationId: zwevegem.id, name: 'Voorzitter gemeenteraad', body: 'gemeenteraad', delegable: false, now: new Date().toISOString() });
  });
  after(async () => {
    await app?.close();
  });

  it('a dry run reports what the import would do and stores nothing', async () => {
    const res = await importCsv(fixture(DOWNLOAD), '?dryRun=true');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(counts(res.body)).to.deep.equal(report({ dryRun: true, functionsCreated: 5, mandatesCreated: 9, absencesRecorded: 1, problems: [UNMATCHED_JAN] }));
    expect(res.body.changes).to.have.length(9);
    expect(res.body.changes[2]).to.deep.equal({
      line: 4,
      outcome: 'created',
      functionName: 'Burgemeester',
      personName: 'Sofie Debaene',
      personCreated: false,
      kind: 'substitute',
      startsOn: '2026-09-01',
      endsOn: '2026-12-31',
      impeded: false,
    });
    expect(res.body.changes.find((c: { line: number }) => c.line === 7)).to.include({ functionName: 'Voorzitter gemeenteraad', personName: 'helene  VERCRUYSSE' });
    expect(await mandatesOf(zwevegem.id)).to.have.length(0);
    expect(await listFunctions(app.deps.db, zwevegem.id)).to.have.length(1);
    expect(await listAbsences(app.deps.db, zwevegem.id)).to.have.length(0);
    expect(await listAuditChain(app.deps.db, `org:${zwevegem.id}`)).to.have.length(0);
  });

  it("imports Lokaal Mandatenbeheer's download: the waarnemend burgemeester signs while the verhinderd one is absent", async () => {
    const res = await importCsv(fixture(DOWNLOAD));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(counts(res.body)).to.deep.equal(report({ functionsCreated: 5, mandatesCreated: 9, absencesRecorded: 1, problems: [UNMATCHED_JAN] }));

    const functions = await listFunctions(app.deps.db, zwevegem.id);
    expect(functions.map((f) => [f.name, f.body, f.delegable])).to.deep.equal([
      ['Burgemeester', 'college', true],
      ['Schepen', 'college', false],
      ['Voorzitter gemeenteraad', 'gemeenteraad', false],
      ['Voorzitter van de Raad voor Maatschappelijk Welzijn', 'raad_maatschappelijk_welzijn', false],
      ['Voorzitter van het Bijzonder Comité voor de Sociale Dienst', null, false],
      ['Voorzitter van het Vast bureau', 'vast_bureau', false],
    ]);
    const mandates = await mandatesOf(zwevegem.id);
    expect(mandates.every((m) => m.source === 'import' && /^paraaf:import:[0-9a-f]{32}$/.test(m.externalId ?? ''))).to.equal(true);
    expect(mandates.some((m) => m.personId === people.janKortrijk.id), "another organisation's Jan Lefevre").to.equal(false);
    const mayor = await functionNamed(zwevegem.id, 'Burgemeester');
    const spans = (rows: MandateRow[]) => rows.map((m) => [m.personId, m.kind, m.startsOn, m.endsOn]);
    expect(spans(mandates.filter((m) => m.functionId === mayor.id))).to.have.deep.members([
      [people.marc.id, 'holder', '2025-01-02', '2026-08-31'],
      [people.marc.id, 'holder', '2026-09-01', '2026-12-31'],
      [people.sofie.id, 'substitute', '2026-09-01', '2026-12-31'],
    ]);
    const chair = await functionNamed(zwevegem.id, 'Voorzitter gemeenteraad');
    expect(spans(mandates.filter((m) => m.functionId === chair.id))).to.deep.equal([[people.helene.id, 'holder', '2025-01-02', null]]);
    const alderman = await functionNamed(zwevegem.id, 'Schepen');
    expect(mandates.filter((m) => m.functionId === alderman.id).map((m) => [m.personId, m.rank, m.endsOn])).to.have.deep.members([
      [people.sofie.id, 1, null],
      [people.pieter.id, 2, '2026-06-30'],
    ]);
    const absences = await listAbsences(app.deps.db, zwevegem.id);
    expect(absences.map((a) => [a.personId, a.startsOn, a.endsOn, a.reason, a.createdByKind])).to.deep.equal([
      [people.marc.id, '2026-09-01', '2026-12-31', 'Verhinderd als burgemeester (mandatendatabank)', 'api_key'],
    ]);

    expect(await signerOn(zwevegem.id, 'Burgemeester', '2026-03-02')).to.deep.equal({ name: 'Marc Vandenbussche', capacity: 'holder', function: 'Burgemeester' });
    expect(await signerOn(zwevegem.id, 'Burgemeester', '2026-10-05')).to.deep.equal({ name: 'Sofie Debaene', capacity: 'substitute', function: 'wnd. burgemeester' });

    const events = await listAuditChain(app.deps.db, `org:${zwevegem.id}`);
    const count = (action: string) => events.filter((e) => e.action === action).length;
    expect([count('function.created'), count('mandate.added'), count('absence.recorded'), count('person.created')]).to.deep.equal([5, 9, 1, 0]);
    expect(events.at(-1)).to.deep.include({ action: 'mandates.imported', actorKind: 'api_key', details: { created: 9, updated: 0, unchanged: 0, unmatched: 1 } });
  });

  it('a second import of the same mandates, saved again by Excel with an e-mail column, adds only what is new', async () => {
    const res = await importCsv(fixture(EXCEL));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(counts(res.body)).to.deep.equal(report({ functionsCreated: 1, peopleCreated: 1, mandatesCreated: 1, unchanged: 9 }));
    const jan = (await listPeople(app.deps.db, zwevegem.id)).find((p) => p.name === 'Jan Lefevre')!;
    expect(jan).to.include({ email: 'jan.lefevre@zwevegem.example', function: 'Gemeenteraadslid' });
    expect(await functionNamed(zwevegem.id, 'Gemeenteraadslid')).to.include({ body: 'gemeenteraad', delegable: false });
    expect(await mandatesOf(zwevegem.id)).to.have.length(10);
    expect(await listAbsences(app.deps.db, zwevegem.id)).to.have.length(1);
  });

  it('an export with changed dates updates the mandates and replaces the absence, with their events (Jan now found by name)', async () => {
    const changed = fixture(DOWNLOAD).replace('Sport', 'Sport / Jeugd').replace('02-01-2025,30-06-2026', '02-01-2025,31-07-2026').replaceAll('01-09-2026,31-12-2026', '01-09-2026,30-11-2026');
    const res = await importCsv(changed);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(counts(res.body)).to.deep.equal(report({ mandatesUpdated: 3, unchanged: 7, absencesRecorded: 1 }));
    expect(await mandatesOf(zwevegem.id)).to.have.length(10);
    const absences = await listAbsences(app.deps.db, zwevegem.id);
    expect(absences.map((a) => [a.endsOn, a.withdrawn])).to.deep.equal([
      ['2026-12-31', true],
      ['2026-11-30', false],
    ]);
    expect(await signerOn(zwevegem.id, 'Burgemeester', '2026-11-30')).to.deep.include({ name: 'Sofie Debaene', capacity: 'substitute' });
    const vacant = await resolveFunctionSigner(app.deps.db, zwevegem.id, { functionId: (await functionNamed(zwevegem.id, 'Burgemeester')).id, day: '2026-12-01', kind: null }).catch((e: unknown) => e);
    expect(vacant, 'the export has nobody after the shortened period').to.include({ code: 'function_vacant' });
    const events = await listAuditChain(app.deps.db, `org:${zwevegem.id}`);
    const ended = events.filter((e) => e.action === 'mandate.ended').map((e) => e.details as { personId: string; endsOn: string; previousEndsOn: string | null });
    expect(ended.map((d) => [d.personId, d.endsOn, d.previousEndsOn])).to.have.deep.members([
      [people.pieter.id, '2026-07-31', '2026-06-30'],
      [people.marc.id, '2026-11-30', '2026-12-31'],
      [people.sofie.id, '2026-11-30', '2026-12-31'],
    ]);
    expect(events.filter((e) => e.action === 'absence.withdrawn')).to.have.length(1);
  });

  it('refuses a file that is not the export with a 422 problem+json naming the line', async () => {
    const wrong = await importCsv('name,email,function\nAn,an@zwevegem.be,Schepen\n');
    expect(wrong.status).to.equal(422);
    expect(wrong.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(wrong.body).to.include({ code: 'csv_invalid', status: 422 });
    expect(wrong.body.problems).to.have.length(1);
    expect(wrong.body.problems[0]).to.include({ line: 1 });

    const unclosed = await importCsv('Voornaam;Naam;Mandaat;Status;StartMandaat\r\nAn;Peeters;Schepen;Effectief;2/01/2025\r\nBert;"Claeys;Schepen;Effectief;2/01/2025\r\n');
    expect(unclosed.status).to.equal(422);
    expect(unclosed.body.problems).to.deep.equal([{ line: 3, message: 'a quoted field is not closed' }]);

    const json = await request(app.url).post('/api/v1/mandates/import').set({ Authorization: `Bearer ${key}` }).send({ csv: 'x' });
    expect(json.status).to.equal(415);
    expect(json.body.code).to.equal('unsupported_media_type');
    expect((await importCsv(fixture(DOWNLOAD), '?dryRun=maybe')).status).to.equal(400);
    expect((await request(app.url).post('/api/v1/mandates/import').set('Content-Type', 'text/csv').send('x')).status).to.equal(401);
  });

  it('answers as the OpenAPI document says: the report and a problem with its lines', async () => {
    const document = (await request(app.url).get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const validate = openApiValidator(document);
    const answers = (res: request.Response, schema: string) => {
      expect(document.paths['/mandates/import']?.post?.responses, `documents ${res.status}`).to.have.property(String(res.status));
      expect(validate(schema, res.body)).to.equal(null);
    };
    answers(await importCsv(fixture(DOWNLOAD), '?dryRun=true'), 'MandateImportReport');
    const bad = await importCsv('Voornaam,Naam\nAn,Peeters\n');
    answers(bad, 'Problem');
    expect(validate({ type: 'array', items: { $ref: 'urn:paraaf:api#/components/schemas/MandateImportProblem' } }, bad.body.problems)).to.equal(null);
  });

  it("does not report another local government's bad rows: they are skipped with the rest of its rows", async () => {
    const other = await createOrganisation(app.deps.db, { slug: `zwevegem-ter-${randomUUID().slice(0, 8)}`, name: 'Gemeente Zwevegem' });
    const otherKey = (await createApiKey(app.deps.db, other.id, { name: 'test' })).plaintext;
    const broken = fixture(FLANDERS).replace('"5F1A2B3C4D5E6F7A8B9C0D07","2025-01-02T00:00:00Z"', '"5F1A2B3C4D5E6F7A8B9C0D07","2025-02-30"');
    const res = await importCsv(broken, '?dryRun=true', otherKey);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ rows: 8, skipped: 2, mandatesCreated: 0 });
    expect(res.body.problems.map((p: { line: number }) => p.line), 'the six Zwevegem rows, nobody in its directory').to.deep.equal([2, 3, 4, 5, 6, 7]);
  });

  it('the CLI imports the public export of all of Flanders into one organisation, skipping the other local governments', async () => {
    const file = path.join(FIXTURES, FLANDERS);
    const dry = await runCli(['mandates', 'import', file, '--org', kortrijk.slug, '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.equal(
      `Dry run, nothing stored: ${file} into '${kortrijk.slug}': 2 mandates created, 0 updated, 0 unchanged; 2 functions and 0 people added; 0 absences recorded; 6 rows of other local governments skipped; 0 rows not imported.\n`,
    );
    expect(await mandatesOf(kortrijk.id)).to.have.length(0);

    const run = await runCli(['mandates', 'import', file, '--org', kortrijk.slug]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("into '" + kortrijk.slug + "': 2 mandates created");
    const mandates = await mandatesOf(kortrijk.id);
    expect(mandates.map((m) => [m.externalId, m.personId])).to.have.deep.members([
      ['http://data.lblod.info/id/mandatarissen/5F1A2B3C4D5E6F7A8B9C0D07', people.wouter.id],
      ['http://data.lblod.info/id/mandatarissen/5F1A2B3C4D5E6F7A8B9C0D08', people.janKortrijk.id],
    ]);
    const events = await listAuditChain(app.deps.db, `org:${kortrijk.id}`);
    expect(events.at(-1)).to.deep.include({ action: 'mandates.imported', actorKind: 'system', actorLabel: 'mandates import (CLI)' });

    const again = await runCli(['mandates', 'import', file, '--org', kortrijk.slug]);
    expect(again.stdout).to.include('0 mandates created, 0 updated, 2 unchanged');
  });

  it('the CLI reports the rows it could not import with their lines and exits 1; a file of other local governments only is refused', async () => {
    const deerlijk = await createOrganisation(app.deps.db, { slug: `deerlijk-${randomUUID().slice(0, 8)}`, name: 'Gemeente Deerlijk' });
    const refused = await runCli(['mandates', 'import', path.join(FIXTURES, FLANDERS), '--org', deerlijk.slug]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/^Error \(csv_other_organisation\): No row of this file is of Gemeente Deerlijk: it lists Zwevegem, Kortrijk\./);

    const elsewhere = await createOrganisation(app.deps.db, { slug: `zwevegem-bis-${randomUUID().slice(0, 8)}`, name: 'Gemeente en OCMW Zwevegem' });
    const run = await runCli(['mandates', 'import', path.join(FIXTURES, DOWNLOAD), '--org', elsewhere.slug]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('0 mandates created');
    expect(run.stderr.split('\n').filter(Boolean)).to.have.length(10);
    expect(run.stderr).to.include(`  line 11: ${UNMATCHED_JAN.message}`);
    expect(run.stderr).to.include('  line 2: Marc Vandenbussche (Burgemeester): unmatched');
    expect(await mandatesOf(elsewhere.id)).to.have.length(0);
  });

  it("leaves the organisation's chain intact under audit verify: one mandates.imported per import, none for dry runs and refusals", async () => {
    const run = await runCli(['audit', 'verify', '--org', zwevegem.slug]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const events = await listAuditChain(app.deps.db, `org:${zwevegem.id}`);
    expect(events.filter((e) => e.action === 'mandates.imported')).to.have.length(3);
    expect(run.stdout).to.match(new RegExp(`organisation ${zwevegem.id} \\(org chain\\): OK — ${events.length} event\\(s\\)`));
  });
});
