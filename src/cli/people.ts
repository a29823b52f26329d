import { readFile } from 'node:fs/promises';
import { AppError } from '../errors.ts';
import { validatePerson, type ValidPerson } from '../domain/person.ts';
import { upsertPerson, withTransaction, type UpsertOutcome } from '../store/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { CsvError, parseCsv } from './csv.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';

const REQUIRED_COLUMNS = ['name', 'email', 'function'] as const;
const OPTIONAL_COLUMNS = ['language'] as const;

interface InvalidRow {
  line: number;
  reason: string;
}

interface ParsedPeople {
  valid: { line: number; person: ValidPerson }[];
  invalid: InvalidRow[];
}

/** `people import --org <slug> <file.csv>`: header `name,email,function[,language]`, UTF-8. */
export async function runPeople(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('people', args, { import: importPeople });
  return handler(rest, context);
}

async function importPeople(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { org: { type: 'string' } }, 1);
  const file = positionals[0];
  const bytes = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const { valid, invalid } = parsePeopleCsv(decodeUtf8(bytes, file));

  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const counts: Record<UpsertOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
    await withTransaction(db, async (trx) => {
      for (const { person } of valid) counts[(await upsertPerson(trx, organisation.id, person)).outcome] += 1;
    });
    context.out(
      `Imported ${file} into '${organisation.slug}': ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${invalid.length} skipped.`,
    );
    for (const row of invalid) context.err(`  line ${row.line}: ${row.reason}`);
    return invalid.length > 0 ? 1 : 0;
  });
}

export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('csv_invalid', 422, `${file} is not UTF-8 text; save it as "CSV UTF-8".`);
  }
}

/** Splits the file into people to import and rows to skip, each with its line number. */
export function parsePeopleCsv(text: string): ParsedPeople {
  let records;
  try {
    records = parseCsv(text).filter((record) => record.fields.some((field) => field.trim() !== ''));
  } catch (error) {
    if (error instanceof CsvError) throw new AppError('csv_invalid', 422, `The CSV file cannot be read: ${error.message}.`);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw new AppError('csv_invalid', 422, 'The CSV file is empty; expected a header line name,email,function[,language].');
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const known: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
  const unknown = columns.filter((name) => !known.includes(name));
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  const repeated = columns.filter((name, index) => columns.indexOf(name) !== index);
  if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    const problems = [
      ...missing.map((name) => `missing column '${name}'`),
      ...unknown.map((name) => `unknown column '${name}'`),
      ...repeated.map((name) => `column '${name}' appears twice`),
    ];
    throw new AppError('csv_invalid', 422, `Line ${header.line}: the header must be name,email,function[,language] (${problems.join(', ')}).`);
  }

  const valid: ParsedPeople['valid'] = [];
  const invalid: InvalidRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.length !== columns.length) {
      invalid.push({ line, reason: `expected ${columns.length} fields, found ${fields.length}` });
      continue;
    }
    const value = (name: string): string | undefined => {
      const index = columns.indexOf(name);
      return index < 0 ? undefined : fields[index];
    };
    const result = validatePerson({ name: value('name') ?? '', email: value('email') ?? '', function: value('function'), language: value('language') });
    if (!result.ok) {
      invalid.push({ line, reason: result.errors.join('; ') });
      continue;
    }
    const earlier = seen.get(result.person.email);
    if (earlier !== undefined) {
      invalid.push({ line, reason: `${result.person.email} already appears on line ${earlier}` });
      continue;
    }
    seen.set(result.person.email, line);
    valid.push({ line, person: result.person });
  }
  return { valid, invalid };
}
