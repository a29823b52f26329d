import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../src/errors.ts';
import { bodyOf, importKey, parseExportDay, parseMandateCsv, parseRank, personNameKey, sameUnit } from '../../../src/domain/mandate-csv.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/mandates/${name}`, import.meta.url), 'utf8');

function csvError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('mandate database CSV: the Lokaal Mandatenbeheer download', () => {
  const parsed = parseMandateCsv(fixture('mandatendatabank-zwevegem.csv'));

  it('reads every row by its header names, with its line', () => {
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.rows).to.have.length(10);
    expect(parsed.columns).to.include({ functionName: 'Mandaat', firstName: 'Voornaam', lastName: 'Naam', start: 'StartMandaat', end: 'EindeMandaat', status: 'Status', body: 'Orgaan' });
    expect(parsed.rows[0]).to.deep.equal({
      line: 2,
      externalId: null,
      unit: null,
      body: 'college',
      bodyLabel: 'Burgemeester Zwevegem',
      functionName: 'Burgemeester',
      name: 'Marc Vandenbussche',
      email: null,
      status: 'effectief',
      kind: 'holder',
      impeded: false,
      rank: 1,
      startsOn: '2025-01-02',
      endsOn: '2026-08-31',
      fraction: 'Samen Zwevegem',
    });
  });

  it('makes a waarnemend row a substitute and a verhinderd row an impeded holder', () => {
    const [, impeded, acting] = parsed.rows;
    expect(impeded).to.include({ name: 'Marc Vandenbussche', status: 'verhinderd', kind: 'holder', impeded: true, startsOn: '2026-09-01', endsOn: '2026-12-31' });
    expect(acting).to.include({ name: 'Sofie Debaene', functionName: 'Burgemeester', status: 'waarnemend', kind: 'substitute', impeded: false });
  });

  it('keeps accents in names and function names, and maps the bodies it knows', () => {
    const chair = parsed.rows.find((row) => row.functionName === 'Voorzitter van de gemeenteraad');
    expect(chair).to.include({ name: 'Hélène Vercruysse', body: 'gemeenteraad' });
    expect(parsed.rows.map((row) => row.body)).to.deep.equal(['college', 'college', 'college', 'college', 'college', 'gemeenteraad', 'raad_maatschappelijk_welzijn', 'vast_bureau', null, 'gemeenteraad']);
    expect(parsed.rows[3].rank).to.equal(1);
    expect(parsed.rows[4].rank).to.equal(2);
  });

  it('reads the same export saved again by Excel: BOM, semicolons, CRLF, d/m/yyyy and an added e-mail column', () => {
    const excel = parseMandateCsv(fixture('mandatendatabank-zwevegem-excel.csv'));
    expect(excel.problems).to.deep.equal([]);
    expect(excel.rows.map(({ email, ...rest }) => rest)).to.deep.equal(parsed.rows.map(({ email, ...rest }) => rest));
    expect(excel.rows[0].email).to.equal('marc.vandenbussche@zwevegem.example');
  });
});

describe('mandate database CSV: the public export of all of Flanders', () => {
  const parsed = parseMandateCsv(fixture('mandatendatabank-export-vlaanderen.csv'));

  it('takes labels over URIs, the mandate URI as external id and the local government of each row', () => {
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.columns).to.include({ externalId: 'mandataris', functionName: 'bestuursfunctieLabel', status: 'statusLabel', body: 'bestuursorgaanClassificatieLabel', unit: 'bestuurseenheidLabel', lastName: 'achternaam' });
    expect(parsed.rows[0]).to.include({
      externalId: 'http://data.lblod.info/id/mandatarissen/5F1A2B3C4D5E6F7A8B9C0D01',
      unit: 'Zwevegem',
      functionName: 'Burgemeester',
      body: 'college',
      startsOn: '2025-01-02',
      endsOn: '2026-08-31',
    });
    expect(parsed.rows.map((row) => row.unit)).to.deep.equal(['Zwevegem', 'Zwevegem', 'Zwevegem', 'Zwevegem', 'Zwevegem', 'Zwevegem', 'Kortrijk', 'Kortrijk']);
  });
});

describe('mandate database CSV: rows it cannot use', () => {
  const header = 'Voornaam,Naam,Mandaat,Status,StartMandaat,EindeMandaat,E-mail';

  it('reports each bad row with its line and keeps the others', () => {
    const parsed = parseMandateCsv(
      [
        header,
        'An,Peeters,Schepen,Effectief,02-01-2025,,',
        ',,Schepen,Effectief,02-01-2025,,',
        'Bert,Claeys,,Effectief,02-01-2025,,',
        'Cis,Dewitte,Schepen,Ontslagen,02-01-2025,,',
        'Dirk,Everaert,Schepen,Effectief,31-02-2025,,',
        'Els,Fonteyne,Schepen,Effectief,02-01-2025,01-01-2025,',
        'Filip,Gevaert,Schepen,Effectief,02-01-2025,,filip.at.example',
        'Greet,Hoste,Schepen,Effectief,02-01-2025,,,extra',
        'Hans,Ingels,http://data.vlaanderen.be/id/concept/BestuursfunctieCode/x,Effectief,02-01-2025,,',
        `Ilse,Jacobs,${'Schepen '.repeat(30)},Effectief,02-01-2025,,`,
      ].join('\n'),
    );
    expect(parsed.rows.map((row) => row.line)).to.deep.equal([2]);
    expect(parsed.problems.map(({ line, message }) => ({ line, message }))).to.deep.equal([
      { line: 3, message: 'the name is empty' },
      { line: 4, message: 'Bert Claeys: the function (mandaat) is empty' },
      { line: 5, message: "Cis Dewitte: unknown status 'Ontslagen' (expected Effectief, Waarnemend, Verhinderd or Titelvoerend)" },
      { line: 6, message: "Dirk Everaert: the start '31-02-2025' is not a date (d/m/yyyy or yyyy-mm-dd)" },
      { line: 7, message: 'Els Fonteyne: the mandate ends (01-01-2025) before it starts (02-01-2025)' },
      { line: 8, message: "Filip Gevaert: 'filip.at.example' is not an e-mail address" },
      { line: 9, message: 'expected 7 fields, found 8 (a value with the delimiter in it must be quoted)' },
      { line: 10, message: 'Hans Ingels: the function is a URI (http://data.vlaanderen.be/id/concept/BestuursfunctieCode/x); the export needs its label column' },
      { line: 11, message: 'Ilse Jacobs: the name or the function is longer than 200 characters' },
    ]);
  });

  it('refuses a file that is not the export, naming the header line and what it lacks', () => {
    const error = csvError(() => parseMandateCsv('name,email,function\nAn,an@example.be,Schepen\n'));
    expect(error).to.include({ code: 'csv_invalid', status: 422 });
    expect(error.message).to.match(/^Line 1: this is not an export of the mandate database/);
    expect(error.extensions?.problems).to.deep.equal([{ line: 1, message: "the header lacks the function ('Mandaat' or 'bestuursfunctieLabel'), the start ('StartMandaat' or 'start'), the name ('Voornaam' and 'Naam' or 'achternaam')" }]);
  });

  it('refuses an empty file and an unclosed quote with its line', () => {
    expect(csvError(() => parseMandateCsv('\uFEFF\r\n'))).to.include({ code: 'csv_invalid', status: 422 });
    const error = csvError(() => parseMandateCsv(`${header}\nAn,"Peeters,Schepen,Effectief,02-01-2025,,\n`));
    expect(error.extensions?.problems).to.deep.equal([{ line: 2, message: 'a quoted field is not closed' }]);
  });

  it('honours an Excel "sep=" line and accepts headers without accents or with other spellings', () => {
    const parsed = parseMandateCsv('sep=|\r\nvoornaam|familienaam|functie|status|startdatum|einddatum|e-mailadres\r\nAn|Peeters|Schepen|waarnemend|2025-01-02|2030-12-31|AN@Example.be\r\n');
    expect(parsed.rows).to.have.length(1);
    expect(parsed.rows[0]).to.include({ line: 3, name: 'An Peeters', kind: 'substitute', email: 'an@example.be', endsOn: '2030-12-31' });
  });

  it('leaves out a mandate Lokaal Mandatenbeheer still has in draft', () => {
    const parsed = parseMandateCsv('Voornaam,Naam,Mandaat,Status,StartMandaat,PublicatieStatus\nAn,Peeters,Schepen,Effectief,02-01-2025,Draft\nBert,Claeys,Schepen,Effectief,02-01-2025,Niet bekrachtigd\n');
    expect(parsed.rows.map((row) => row.name)).to.deep.equal(['Bert Claeys']);
    expect(parsed.problems.map(({ line, message }) => ({ line, message }))).to.deep.equal([{ line: 2, message: 'An Peeters (Schepen): still a draft in Lokaal Mandatenbeheer, not imported until published' }]);
  });

  it('reads a status given only as its MandatarisStatusCode URI, and an empty status as effectief', () => {
    const parsed = parseMandateCsv(
      'voornaam,naam,mandaat,status,start\nAn,Peeters,Schepen,http://data.vlaanderen.be/id/concept/MandatarisStatusCode/e1ca6edd-55e1-4288-92a5-53f4cf71946a,2025-01-02\nBert,Claeys,Schepen,,2025-01-02\n',
    );
    expect(parsed.rows.map((row) => row.status)).to.deep.equal(['waarnemend', 'effectief']);
  });
});

describe('mandate database CSV: values', () => {
  it('reads Belgian, ISO and xsd:dateTime days (a dateTime with a zone on its Brussels day)', () => {
    expect(parseExportDay('2/01/2025')).to.equal('2025-01-02');
    expect(parseExportDay('02-01-2025')).to.equal('2025-01-02');
    expect(parseExportDay('2.1.2025')).to.equal('2025-01-02');
    expect(parseExportDay('2025-01-02')).to.equal('2025-01-02');
    expect(parseExportDay('2019/1/2')).to.equal('2019-01-02');
    expect(parseExportDay('2025-01-02T00:00:00Z')).to.equal('2025-01-02');
    expect(parseExportDay('2024-12-31T23:30:00Z')).to.equal('2025-01-01');
    expect(parseExportDay('2025-01-02T10:00:00')).to.equal('2025-01-02');
    expect(parseExportDay('29/02/2025')).to.equal(null);
    expect(parseExportDay('01/02/25')).to.equal(null);
  });

  it('reads the rank as a number or a Dutch ordinal', () => {
    expect([parseRank('Eerste schepen'), parseRank('tweede'), parseRank('3'), parseRank(''), parseRank('nvt')]).to.deep.equal([1, 2, 3, 1, 1]);
  });

  it('compares names without case, accents, spaces and punctuation', () => {
    expect(personNameKey('Hélène  Vercruysse')).to.equal(personNameKey('helene vercruysse'));
    expect(personNameKey('Van den Broeck')).to.equal(personNameKey('Vandenbroeck'));
    expect(personNameKey("D'Hondt")).to.equal(personNameKey('Dhondt'));
  });

  it('compares the local government loosely with the organisation name', () => {
    expect(sameUnit('Zwevegem', 'Gemeente Zwevegem')).to.equal(true);
    expect(sameUnit('Zwevegem', 'Gemeente en OCMW Zwevegem')).to.equal(true);
    expect(sameUnit('Kortrijk', 'Stad Kortrijk')).to.equal(true);
    expect(sameUnit('Kortrijk', 'Gemeente Zwevegem')).to.equal(false);
    expect(sameUnit('OCMW', 'Gemeente')).to.equal(false);
  });

  it('knows the bodies of the decree by their labels', () => {
    expect(bodyOf('College van Burgemeester en Schepenen Zwevegem')).to.equal('college');
    expect(bodyOf('Gemeenteraad')).to.equal('gemeenteraad');
    expect(bodyOf('Raad voor Maatschappelijk Welzijn Zwevegem')).to.equal('raad_maatschappelijk_welzijn');
    expect(bodyOf('Vast Bureau')).to.equal('vast_bureau');
    expect(bodyOf('Bijzonder Comité voor de Sociale Dienst Zwevegem')).to.equal(null);
  });

  it('gives a row without an identifier a stable key from body, function, person and start', () => {
    const row = { body: 'college' as const, bodyLabel: 'Burgemeester Zwevegem', functionName: 'Burgemeester', startsOn: '2025-01-02' };
    expect(importKey(row, 'p1')).to.equal(importKey({ ...row, functionName: 'burgemeester ' }, 'p1'));
    expect(importKey(row, 'p1')).to.match(/^paraaf:import:[0-9a-f]{32}$/);
    expect(importKey(row, 'p1')).to.not.equal(importKey(row, 'p2'));
    expect(importKey(row, 'p1')).to.not.equal(importKey({ ...row, startsOn: '2025-01-03' }, 'p1'));
  });
});
