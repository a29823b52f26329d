/**
 * Staff import the mandataries of their local government from a CSV export of the Flemish mandate database (issue 12;
 * the file's shapes in src/domain/mandate-csv.ts). One transaction: every row becomes a function (found by name, or
 * added), a person of the directory and a mandate; a row that cannot be used is reported with its line and the
 * others are imported; an unexpected error imports nothing; a dry run reports the same and stores nothing.
 *
 * - Person: by the row's e-mail when the file has one (an unknown e-mail adds the person to the directory), else by
 *   name, accents, case and spaces ignored, and only when exactly one active person of this organisation has it.
 * - Mandate: Effectief → holder, Waarnemend → substitute; Verhinderd/Titelvoerend → holder with an absence for the
 *   row's period (a period without an end is reported and not imported, so the substitute signs). Its external id is
 *   the export's mandate URI, or importKey(body, function, person, start): importing the same export again updates.
 * - Rows of another bestuurseenheid (the public export covers all of Flanders) are counted as skipped, not reported
 *   one by one; a file with no row of this organisation is refused (422 `csv_other_organisation`).
 * Events on the organisation's chain: function.created, person.created, mandate.added, mandate.ended (when an update
 * only ends it), absence.recorded/withdrawn, and one `mandates.imported` with the counts.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditEvent } from '../audit/index.ts';
import { importKey, parseMandateCsv, personNameKey, sameUnit, type MandateCsvProblem, type MandateCsvRow } from '../domain/mandate-csv.ts';
import { functionNameKey, isDelegableByLaw, type MandateKind } from '../domain/mandates.ts';
import { validatePerson } from '../domain/person.ts';
import { AppError } from '../errors.ts';
import { insertAbsence, insertFunction, insertMandate, listAbsences, listFunctions, mandateByExternalId, updateMandate, withdrawAbsence, type FunctionRow, type MandateRow } from '../store/mandates.ts';
import { organisationById } from '../store/organisations.ts';
import { listPeople, upsertPerson, type Person } from '../store/people.ts';
import { personSummary } from './add-person.ts';
import type { StaffActor, StaffRequest, WorkflowDeps } from './deps.ts';
import { recordOrganisationEvent } from './mandate-checks.ts';
import { inTransaction } from './transaction.ts';

/** Staff or an API client; the CLI imports as the system. */
export type ImportActor = StaffActor | { kind: 'system'; id?: null; label: string };

export interface ImportMandatesOptions extends Omit<StaffRequest, 'actor'> {
  actor: ImportActor;
  csv: string;
  /** Report what the import would do, store nothing. */
  dryRun?: boolean;
}

/** What the import did (or, in a dry run, would do) with one row of the file, for a preview. */
export interface MandateImportChange {
  line: number;
  outcome: 'created' | 'updated' | 'unchanged';
  functionName: string;
  personName: string;
  /** The person was added to the directory by this row. */
  personCreated: boolean;
  kind: MandateKind;
  startsOn: string;
  endsOn: string | null;
  /** Verhinderd or titelvoerend: the absence for the row's period. */
  impeded: boolean;
}

export interface MandateImportReport {
  dryRun: boolean;
  /** Data rows read from the file. */
  rows: number;
  functionsCreated: number;
  peopleCreated: number;
  mandatesCreated: number;
  mandatesUpdated: number;
  unchanged: number;
  absencesRecorded: number;
  /** Rows of another local government. */
  skipped: number;
  problems: MandateCsvProblem[];
  /** Each imported row, in file order. */
  changes: MandateImportChange[];
}

interface ImportRun {
  trx: Knex.Transaction;
  options: ImportMandatesOptions;
  now: Date;
  people: Person[];
  functions: FunctionRow[];
  /** External id → the line that imported it, against a mandate listed twice. */
  seen: Map<string, number>;
  report: MandateImportReport;
}

class DryRunRollback extends Error {
  constructor(readonly report: MandateImportReport) {
    super('dry run');
  }
}

export async function importMandates(deps: Pick<WorkflowDeps, 'db' | 'logger' | 'clock'>, options: ImportMandatesOptions): Promise<MandateImportReport> {
  const parsed = parseMandateCsv(options.csv);
  try {
    return await inTransaction(deps, 'importMandates', async (trx) => {
      const organisation = await organisationById(trx, options.organisationId);
      if (!organisation) throw new AppError('organisation_not_found', 404, 'There is no such organisation.');
      const isOurs = (row: { unit: string | null }) => row.unit === null || sameUnit(row.unit, organisation.name);
      const ours = parsed.rows.filter(isOurs);
      if (parsed.rows.length > 0 && ours.length === 0) throw otherOrganisation(parsed.rows, organisation.name);
      const problems = parsed.problems.filter(isOurs).map(({ line, message }) => ({ line, message }));
      const rows = parsed.rows.length + parsed.problems.length;
      const run: ImportRun = {
        trx,
        options,
        now: deps.clock(),
        people: await listPeople(trx, options.organisationId, { includeInactive: true }),
        functions: await listFunctions(trx, options.organisationId),
        seen: new Map(),
        report: emptyReport(options, rows, rows - ours.length - problems.length, problems),
      };
      for (const row of ours) {
        const problem = await importRow(run, row);
        if (problem) run.report.problems.push({ line: row.line, message: problem });
      }
      const { report } = run;
      report.problems.sort((a, b) => a.line - b.line);
      const counts = { created: report.mandatesCreated, updated: report.mandatesUpdated, unchanged: report.unchanged, unmatched: report.problems.length };
      await record(run, { action: 'mandates.imported', details: counts });
      if (options.dryRun) throw new DryRunRollback(report);
      return report;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.report;
    throw error;
  }
}

function emptyReport(options: ImportMandatesOptions, rows: number, skipped: number, problems: MandateCsvProblem[]): MandateImportReport {
  return { dryRun: options.dryRun === true, rows, functionsCreated: 0, peopleCreated: 0, mandatesCreated: 0, mandatesUpdated: 0, unchanged: 0, absencesRecorded: 0, skipped, problems: [...problems], changes: [] };
}

function otherOrganisation(rows: readonly MandateCsvRow[], organisationName: string): AppError {
  const units = [...new Set(rows.map((row) => row.unit))].slice(0, 5).join(', ');
  const message = `No row of this file is of ${organisationName}: it lists ${units}. Export the mandataries of ${organisationName} from the mandate database.`;
  return new AppError('csv_other_organisation', 422, message, { extensions: { problems: [{ line: rows[0].line, message }] } });
}

function record(run: ImportRun, event: AuditEvent): Promise<void> {
  return recordOrganisationEvent(run.trx, run.options, event, run.now);
}

/** Imports one row; returns why it was not imported. */
async function importRow(run: ImportRun, row: MandateCsvRow): Promise<string | null> {
  if (row.impeded && !row.endsOn) {
    return `${row.name} is ${row.status} as ${row.functionName} from ${row.startsOn} without an end date: not imported, so the substitute signs; record the absence when its end is known`;
  }
  const person = await findPerson(run, row);
  if (typeof person === 'string') return person;
  const externalId = row.externalId ?? importKey(row, person.id);
  const earlier = run.seen.get(externalId);
  if (earlier !== undefined) return `${row.name}: the same mandate as line ${earlier}`;
  run.seen.set(externalId, row.line);
  const peopleBefore = run.report.peopleCreated;
  const fn = await ensureFunction(run, row);
  const outcome = await upsertMandate(run, row, { functionId: fn.id, personId: person.id, externalId });
  if (row.impeded && row.endsOn) await ensureAbsence(run, row, person.id, row.endsOn);
  const { line, kind, startsOn, endsOn, impeded } = row;
  run.report.changes.push({ line, outcome, functionName: fn.name, personName: person.name, personCreated: run.report.peopleCreated > peopleBefore, kind, startsOn, endsOn, impeded });
  return null;
}

async function findPerson(run: ImportRun, row: MandateCsvRow): Promise<Person | string> {
  if (row.email) {
    const known = run.people.find((p) => p.email === row.email);
    if (known && !known.active) return `${row.name}: ${row.email} belongs to a person who is deactivated in the directory; reactivate them first`;
    if (known) return known;
    const validation = validatePerson({ name: row.name, email: row.email, function: row.functionName });
    if (!validation.ok) return `${row.name}: ${validation.errors.join('; ')}`;
    const { person } = await upsertPerson(run.trx, run.options.organisationId, validation.person, { now: run.now });
    run.people.push(person);
    run.report.peopleCreated += 1;
    await record(run, { action: 'person.created', details: personSummary(person) });
    return person;
  }
  const key = personNameKey(row.name);
  const named = run.people.filter((p) => p.active && personNameKey(p.name) === key);
  if (named.length === 1) return named[0];
  if (named.length > 1) return `${row.name}: ${named.length} people in the directory have this name; add an e-mail column to tell them apart`;
  return `${row.name} (${row.functionName}): unmatched: add an e-mail column or add the person to the directory first`;
}

/** "Voorzitter gemeenteraad" and the export's "Voorzitter van de gemeenteraad" are one function. */
function looseFunctionKey(name: string): string {
  return functionNameKey(name)
    .split(' ')
    .filter((word) => !['van', 'de', 'het', 'der', 'den'].includes(word))
    .join(' ');
}

async function ensureFunction(run: ImportRun, row: MandateCsvRow): Promise<FunctionRow> {
  const exact = run.functions.find((f) => functionNameKey(f.name) === functionNameKey(row.functionName));
  const loose = exact ?? run.functions.find((f) => looseFunctionKey(f.name) === looseFunctionKey(row.functionName));
  if (loose) return loose;
  const fn = await insertFunction(run.trx, {
    id: randomUUID(),
    organisationId: run.options.organisationId,
    name: row.functionName,
    body: row.body,
    delegable: isDelegableByLaw(row.functionName),
    now: run.now.toISOString(),
  });
  run.functions.push(fn);
  run.report.functionsCreated += 1;
  await record(run, { action: 'function.created', details: { functionId: fn.id, name: fn.name, body: fn.body, delegable: fn.delegable } });
  return fn;
}

type MandateFields = Pick<MandateRow, 'functionId' | 'personId' | 'kind' | 'rank' | 'startsOn' | 'endsOn'>;

async function upsertMandate(run: ImportRun, row: MandateCsvRow, ids: { functionId: string; personId: string; externalId: string }): Promise<MandateImportChange['outcome']> {
  const { organisationId } = run.options;
  const wanted: MandateFields = { functionId: ids.functionId, personId: ids.personId, kind: row.kind, rank: row.rank, startsOn: row.startsOn, endsOn: row.endsOn };
  const existing = await mandateByExternalId(run.trx, organisationId, ids.externalId);
  if (!existing) {
    const mandate = await insertMandate(run.trx, { id: randomUUID(), organisationId, ...wanted, source: 'import', externalId: ids.externalId, now: run.now.toISOString() });
    run.report.mandatesCreated += 1;
    const { id: mandateId, functionId, personId, kind, rank, startsOn, endsOn } = mandate;
    await record(run, { action: 'mandate.added', details: { mandateId, functionId, personId, kind, rank, startsOn, endsOn } });
    return 'created';
  }
  const changed = (Object.keys(wanted) as (keyof MandateFields)[]).filter((field) => existing[field] !== wanted[field]);
  if (changed.length === 0) {
    run.report.unchanged += 1;
    return 'unchanged';
  }
  await updateMandate(run.trx, organisationId, existing.id, wanted, run.now.toISOString());
  run.report.mandatesUpdated += 1;
  if (changed.length === 1 && changed[0] === 'endsOn' && wanted.endsOn !== null) {
    const details = { mandateId: existing.id, functionId: existing.functionId, personId: existing.personId, endsOn: wanted.endsOn, previousEndsOn: existing.endsOn };
    await record(run, { action: 'mandate.ended', details });
  }
  return 'updated';
}

/** The absence of an impeded holder, once: an earlier import's absence from the same day with another end is replaced. */
async function ensureAbsence(run: ImportRun, row: MandateCsvRow, personId: string, endsOn: string): Promise<void> {
  const { organisationId, actor } = run.options;
  const reason = `${row.status === 'verhinderd' ? 'Verhinderd' : 'Titelvoerend'} als ${row.functionName.toLowerCase()} (mandatendatabank)`;
  const absences = await listAbsences(run.trx, organisationId, { personId });
  if (absences.some((a) => a.startsOn === row.startsOn && a.endsOn === endsOn)) return;
  for (const earlier of absences.filter((a) => !a.withdrawn && a.startsOn === row.startsOn && a.reason === reason)) {
    await withdrawAbsence(run.trx, organisationId, earlier.id, run.now.toISOString());
    await record(run, { action: 'absence.withdrawn', details: { absenceId: earlier.id, personId } });
  }
  const absence = await insertAbsence(run.trx, {
    id: randomUUID(),
    organisationId,
    personId,
    startsOn: row.startsOn,
    endsOn,
    reason,
    createdByKind: actor.kind,
    createdById: actor.id ?? actor.label ?? actor.kind,
    now: run.now.toISOString(),
  });
  run.report.absencesRecorded += 1;
  await record(run, { action: 'absence.recorded', details: { absenceId: absence.id, personId, startsOn: absence.startsOn, endsOn: absence.endsOn, reason } });
}
