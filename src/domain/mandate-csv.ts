/**
 * The CSV export of the Flemish mandate database (Vlaamse Mandatendatabank, Agentschap Binnenlands Bestuur), read
 * into typed rows or line-numbered problems (issue 12). Pure: no I/O; src/workflow/import-mandates.ts stores them.
 *
 * Two exports exist, and both are read by their header names:
 * - Lokaal Mandatenbeheer, "Download" of a municipality's mandataries (lblod/mandataris-service,
 *   data-access/mandataris-download.ts and controllers/mandataris-download.ts): json-2-csv, comma, header
 *   `Voornaam,Naam,Fractie,Mandaat,Status,Orgaan,StartMandaat,EindeMandaat,PublicatieStatus,Rangorde,Beleidsdomeinen`,
 *   dates DD-MM-YYYY, no identifier of the mandate.
 * - The public Mandatendatabank export of all of Flanders (lblod/app-mandatendatabank, config/export/csv-export.sparql,
 *   written by lblod/mandaten-download-generator-service as Virtuoso text/csv): `mandataris` (the mandate's URI),
 *   `start`, `eind`, `rangorde`, `status`, `statusLabel`, `voornaam`, `achternaam`, `bestuursfunctieLabel`,
 *   `bestuursorgaanLabel`, `bestuursorgaanClassificatieLabel`, `bestuurseenheidLabel`, `fractieNaam` … with xsd:dateTime values.
 * Staff often open either in Excel and save it again (semicolons, d/m/yyyy, accents dropped from headers) and add an
 * e-mail column, so headers are compared without case, accents and punctuation, and the delimiter is detected.
 *
 * Status (codelist MandatarisStatusCode): Effectief → holder; Waarnemend → substitute; Verhinderd and Titelvoerend
 * (the holder keeps the title but may not act) → holder who is impeded for the row's period. A row whose
 * PublicatieStatus is Draft is not published yet and is not imported.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import { CsvError, parseCsv, type CsvRecord } from './csv.ts';
import { brusselsDay, functionNameKey, isDay, plainText, type MandateKind } from './mandates.ts';
import { normaliseEmail } from './person.ts';
import type { DecisionBody } from './meeting.ts';

export const MANDATE_STATUSES = ['effectief', 'waarnemend', 'verhinderd', 'titelvoerend'] as const;
export type MandateStatus = (typeof MANDATE_STATUSES)[number];

export interface MandateCsvRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** The mandate's URI or id in the mandate database, when the export has one (`mandataris`). */
  externalId: string | null;
  /** The local government (bestuurseenheid) as written, when the export names it. */
  unit: string | null;
  /** The decision body, when the export's body (bestuursorgaan) is one Paraaf knows. */
  body: DecisionBody | null;
  bodyLabel: string | null;
  functionName: string;
  /** "Voornaam Familienaam". */
  name: string;
  /** The e-mail column staff may add, normalised; null when absent or empty. */
  email: string | null;
  status: MandateStatus;
  kind: MandateKind;
  /** Verhinderd or titelvoerend: the holder may not act from `startsOn` to `endsOn`. */
  impeded: boolean;
  rank: number;
  startsOn: string;
  /** Inclusive, as the export writes it; null: open-ended. */
  endsOn: string | null;
  fraction: string | null;
}

export interface MandateCsvProblem {
  line: number;
  message: string;
}

/** A row that cannot be used, with its local government when the export names it (a row of another one is not ours to report). */
export interface MandateCsvRowProblem extends MandateCsvProblem {
  unit: string | null;
}

export interface ParsedMandateCsv {
  rows: MandateCsvRow[];
  problems: MandateCsvRowProblem[];
  /** Which columns were recognised, by field. */
  columns: Partial<Record<Field, string>>;
}

type Field = 'externalId' | 'unit' | 'body' | 'functionName' | 'firstName' | 'lastName' | 'fullName' | 'email' | 'status' | 'publication' | 'rank' | 'start' | 'end' | 'fraction';

/**
 * Header names per field, most specific first, compared by `headerKey`. Where the public export has both a URI and
 * its label (`status`/`statusLabel`, `bestuursfunctie`/`bestuursfunctieLabel`), the label comes first.
 */
const ALIASES: Record<Field, readonly string[]> = {
  externalId: ['mandataris', 'mandatarisuri', 'mandatarisid', 'uri', 'id'],
  unit: ['bestuurseenheidlabel', 'bestuurseenheid', 'bestuur', 'gemeente'],
  body: ['bestuursorgaanclassificatielabel', 'orgaan', 'bestuursorgaanlabel', 'bestuursorgaan', 'orgaanlabel'],
  functionName: ['bestuursfunctielabel', 'mandaatlabel', 'mandaat', 'bestuursfunctie', 'functie', 'rol'],
  firstName: ['voornaam', 'gebruiktevoornaam', 'fname'],
  lastName: ['familienaam', 'achternaam', 'lname', 'naam'],
  fullName: ['volledigenaam', 'naammandataris'],
  email: ['email', 'emailadres', 'mail', 'mailadres'],
  status: ['statuslabel', 'status', 'mandaatstatus'],
  publication: ['publicatiestatus', 'publicatiestatuslabel'],
  rank: ['rangorde'],
  start: ['startmandaat', 'start', 'startdatum', 'begin', 'begindatum', 'vanaf'],
  end: ['eindemandaat', 'einde', 'eind', 'einddatum', 'tot', 'totenmet'],
  fraction: ['fractienaam', 'fractie', 'fractielabel'],
};

/** The MandatarisStatusCode concepts, for an export that gives the status as a URI only. */
const STATUS_URIS: Record<string, MandateStatus> = {
  '21063a5b-912c-4241-841c-cc7fb3c73e75': 'effectief',
  'e1ca6edd-55e1-4288-92a5-53f4cf71946a': 'waarnemend',
  'c301248f-0199-45ca-b3e5-4c596731d5fe': 'verhinderd',
  'aacb3fed-b51d-4e0b-a411-f3fa641da1b3': 'titelvoerend',
};

const ORDINALS = ['eerste', 'tweede', 'derde', 'vierde', 'vijfde', 'zesde', 'zevende', 'achtste', 'negende', 'tiende'];

/** Lower case without accents, then only letters and digits: "E-mailadres" → "emailadres", "Familienaam " → "familienaam". */
export function headerKey(header: string): string {
  return plainText(header).replace(/[^a-z0-9]/g, '');
}

/** How the directory's names are compared: case, accents, spaces and punctuation ignored ("Van den Broeck" = "vandenbroeck"). */
export function personNameKey(name: string): string {
  return plainText(name).replace(/[^a-z0-9]/g, '');
}

/** A local government's name without "Gemeente", "Stad", "OCMW" …: "Gemeente en OCMW Zwevegem" → "zwevegem". */
export function unitKey(name: string): string {
  const filler = new Set(['gemeente', 'stad', 'ocmw', 'en', 'lokaal', 'bestuur', 'gemeentebestuur', 'stadsbestuur', 'van', 'de']);
  return plainText(name)
    .split(/[^a-z0-9]+/)
    .filter((word) => word && !filler.has(word))
    .join(' ');
}

/** Whether the export's bestuurseenheid is this organisation ("Zwevegem" for "Gemeente Zwevegem"; the OCMW of the same name too). */
export function sameUnit(unit: string, organisationName: string): boolean {
  const a = unitKey(unit);
  return a !== '' && a === unitKey(organisationName);
}

/** The decision body of a bestuursorgaan label ("Gemeenteraad Zwevegem", "College van Burgemeester en Schepenen", "Vast Bureau"). */
export function bodyOf(label: string): DecisionBody | null {
  const key = ` ${plainText(label).replace(/[^a-z0-9]+/g, ' ').trim()} `;
  if (key.includes(' gemeenteraad ')) return 'gemeenteraad';
  if (key.includes(' college ') || key.startsWith(' burgemeester ')) return 'college';
  if (key.includes(' raad voor maatschappelijk welzijn ')) return 'raad_maatschappelijk_welzijn';
  if (key.includes(' vast bureau ')) return 'vast_bureau';
  if (key.includes(' raad van bestuur ')) return 'raad_van_bestuur';
  if (key.includes(' algemene vergadering ')) return 'algemene_vergadering';
  return null;
}

/**
 * A day from the export: d/m/yyyy, d-m-yyyy or d.m.yyyy (Belgian, as Lokaal Mandatenbeheer and Excel write it),
 * yyyy-mm-dd, yyyy/m/d, or an xsd:dateTime (the public export), which is taken in Europe/Brussels when it has a zone.
 */
export function parseExportDay(value: string): string | null {
  const text = value.trim();
  const day = (y: string, m: string, d: string): string | null => {
    const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
    return isDay(iso) ? iso : null;
  };
  const belgian = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (belgian) return day(belgian[3], belgian[2], belgian[1]);
  const yearFirst = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(text);
  if (yearFirst) return day(yearFirst[1], yearFirst[2], yearFirst[3]);
  const dateTime = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!dateTime) return null;
  const at = new Date(text.replace(' ', 'T'));
  if (dateTime[4] && !Number.isNaN(at.getTime())) return brusselsDay(at);
  return day(dateTime[1], dateTime[2], dateTime[3]);
}

/** "Eerste schepen" → 1, "3" → 3; anything else 1. */
export function parseRank(value: string): number {
  const text = plainText(value).trim();
  const digits = /^(\d{1,3})\b/.exec(text);
  if (digits && Number(digits[1]) > 0) return Number(digits[1]);
  const ordinal = ORDINALS.findIndex((word) => text.startsWith(word));
  return ordinal >= 0 ? ordinal + 1 : 1;
}

function parseStatus(value: string): MandateStatus | null | undefined {
  const text = value.trim();
  if (text === '') return 'effectief';
  const uri = /MandatarisStatusCode\/([0-9a-f-]{36})$/i.exec(text);
  if (uri) return STATUS_URIS[uri[1].toLowerCase()] ?? null;
  const key = headerKey(text);
  return (MANDATE_STATUSES as readonly string[]).includes(key) ? (key as MandateStatus) : null;
}

/** The delimiter that occurs most often outside quotes on the header line (Excel nl-BE saves with semicolons). */
function headerDelimiter(text: string): string {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char in counts) counts[char] += 1;
  }
  return Object.keys(counts).reduce((best, d) => (counts[d] > counts[best] ? d : best), ',');
}

function csvInvalid(message: string, problems: MandateCsvProblem[]): AppError {
  return new AppError('csv_invalid', 422, message, { extensions: { problems } });
}

function readRecords(input: string): CsvRecord[] {
  let text = input.replace(/^\uFEFF/, '');
  // Excel's "sep=;" first line names the delimiter; keep its line in the numbering.
  const sep = /^sep=(.)\r?\n/i.exec(text);
  if (sep) text = `${'\n'}${text.slice(sep[0].length)}`;
  try {
    return parseCsv(text, sep ? sep[1] : headerDelimiter(text)).filter((record) => record.fields.some((field) => field.trim() !== ''));
  } catch (error) {
    if (error instanceof CsvError) throw csvInvalid(`The CSV file cannot be read: ${error.message}.`, [{ line: error.line, message: error.message.replace(/^line \d+: /, '') }]);
    throw error;
  }
}

function locateColumns(header: CsvRecord): Partial<Record<Field, number>> {
  const keys = header.fields.map(headerKey);
  const found: Partial<Record<Field, number>> = {};
  for (const field of Object.keys(ALIASES) as Field[]) {
    for (const alias of ALIASES[field]) {
      const index = keys.indexOf(alias);
      if (index >= 0 && !Object.values(found).includes(index)) {
        found[field] = index;
        break;
      }
    }
  }
  // Without a first-name column, "Naam" holds the whole name.
  if (found.firstName === undefined && found.fullName === undefined && found.lastName !== undefined) {
    found.fullName = found.lastName;
    delete found.lastName;
  }
  return found;
}

function checkHeader(header: CsvRecord, columns: Partial<Record<Field, number>>): void {
  const missing: string[] = [];
  if (columns.functionName === undefined) missing.push("the function ('Mandaat' or 'bestuursfunctieLabel')");
  if (columns.start === undefined) missing.push("the start ('StartMandaat' or 'start')");
  if (columns.fullName === undefined && (columns.firstName === undefined || columns.lastName === undefined)) missing.push("the name ('Voornaam' and 'Naam' or 'achternaam')");
  if (missing.length === 0) return;
  const message = `Line ${header.line}: this is not an export of the mandate database; the header lacks ${missing.join(', ')}. Found: ${header.fields.map((f) => f.trim()).join(', ')}.`;
  throw csvInvalid(message, [{ line: header.line, message: `the header lacks ${missing.join(', ')}` }]);
}

/**
 * Reads the export. Throws AppError 422 `csv_invalid` (with `problems`) when the file cannot be read or its header is
 * not the mandate database's; a row that cannot be used becomes a problem with its line and the others are returned.
 */
export function parseMandateCsv(input: string): ParsedMandateCsv {
  const [header, ...records] = readRecords(input);
  if (!header) throw csvInvalid('The CSV file is empty; export the mandataries from the mandate database (Lokaal Mandatenbeheer, "Download").', [{ line: 1, message: 'the file is empty' }]);
  const index = locateColumns(header);
  checkHeader(header, index);
  const rows: MandateCsvRow[] = [];
  const problems: MandateCsvRowProblem[] = [];
  for (const record of records) {
    const result = readRow(record, index, header.fields.length);
    if ('message' in result) problems.push(result);
    else rows.push(result);
  }
  const columns = Object.fromEntries(Object.entries(index).map(([field, i]) => [field, header.fields[i as number].trim()])) as Partial<Record<Field, string>>;
  return { rows, problems, columns };
}

function readRow(record: CsvRecord, index: Partial<Record<Field, number>>, width: number): MandateCsvRow | MandateCsvRowProblem {
  const { line, fields } = record;
  const value = (field: Field): string => {
    const i = index[field];
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const unit = value('unit') || null;
  const problem = (message: string): MandateCsvRowProblem => ({ line, message, unit });
  if (fields.length > width) return problem(`expected ${width} fields, found ${fields.length} (a value with the delimiter in it must be quoted)`);
  const name = (index.fullName !== undefined ? value('fullName') : `${value('firstName')} ${value('lastName')}`).replace(/\s+/g, ' ').trim();
  if (!name) return problem('the name is empty');
  const functionName = value('functionName').replace(/\s+/g, ' ');
  if (!functionName) return problem(`${name}: the function (mandaat) is empty`);
  if (/^https?:\/\//i.test(functionName)) return problem(`${name}: the function is a URI (${functionName}); the export needs its label column`);
  if (functionName.length > 200 || name.length > 200) return problem(`${name.slice(0, 200)}: the name or the function is longer than 200 characters`);
  const externalId = value('externalId') || null;
  if (externalId && externalId.length > 500) return problem(`${name}: the mandate's identifier is longer than 500 characters`);
  // Lokaal Mandatenbeheer keeps a mandate in Draft until it is published; the public export leaves drafts out too.
  if (/^draft$|588ce330-4abb-4448-9776-a17d9305df07$/i.test(value('publication'))) return problem(`${name} (${functionName}): still a draft in Lokaal Mandatenbeheer, not imported until published`);
  const status = parseStatus(value('status'));
  if (!status) return problem(`${name}: unknown status '${value('status')}' (expected Effectief, Waarnemend, Verhinderd or Titelvoerend)`);
  const startText = value('start');
  const startsOn = parseExportDay(startText);
  if (!startsOn) return problem(startText ? `${name}: the start '${startText}' is not a date (d/m/yyyy or yyyy-mm-dd)` : `${name}: the start date is empty`);
  const endText = value('end');
  const endsOn = endText ? parseExportDay(endText) : null;
  if (endText && !endsOn) return problem(`${name}: the end '${endText}' is not a date (d/m/yyyy or yyyy-mm-dd)`);
  if (endsOn && endsOn < startsOn) return problem(`${name}: the mandate ends (${endText}) before it starts (${startText})`);
  const emailText = value('email');
  const email = emailText ? normaliseEmail(emailText) : null;
  if (emailText && !email) return problem(`${name}: '${emailText}' is not an e-mail address`);
  const bodyLabel = value('body') || null;
  return {
    line,
    externalId,
    unit,
    body: bodyLabel ? bodyOf(bodyLabel) : null,
    bodyLabel,
    functionName,
    name,
    email,
    status,
    kind: status === 'waarnemend' ? 'substitute' : 'holder',
    impeded: status === 'verhinderd' || status === 'titelvoerend',
    rank: parseRank(value('rank')),
    startsOn,
    endsOn,
    fraction: value('fraction') || null,
  };
}

/**
 * The external id of a row the export gives no identifier for (Lokaal Mandatenbeheer's download): stable over
 * exports of the same mandate, so a re-import updates it instead of adding it again.
 */
export function importKey(row: Pick<MandateCsvRow, 'body' | 'bodyLabel' | 'functionName' | 'startsOn'>, personId: string): string {
  const body = row.body ?? functionNameKey(row.bodyLabel ?? '');
  const digest = createHash('sha256').update([body, functionNameKey(row.functionName), personId, row.startsOn].join('\n')).digest('hex');
  return `paraaf:import:${digest.slice(0, 32)}`;
}
