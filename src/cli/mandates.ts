/**
 * `mandates import <file.csv> --org <slug> [--dry-run]`: the mandataries of a local government from a CSV export of
 * the Flemish mandate database (src/workflow/import-mandates.ts). Exit 1 when rows were reported, 0 otherwise.
 */
import { readFile } from 'node:fs/promises';
import { createLogger } from '../logger.ts';
import { importMandates, type MandateImportReport } from '../workflow/import-mandates.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';
import { requireOrganisation, subcommand, withDatabase } from './database.ts';
import { decodeUtf8 } from './people.ts';

export async function runMandates(args: string[], context: CliContext): Promise<number> {
  const [handler, rest] = subcommand('mandates', args, { import: importFile });
  return handler(rest, context);
}

async function importFile(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { org: { type: 'string' }, 'dry-run': { type: 'boolean' } }, 1);
  const file = positionals[0];
  const bytes = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const csv = decodeUtf8(bytes, file);
  return withDatabase(context, async (db) => {
    const organisation = await requireOrganisation(db, values.org);
    const deps = { db, clock: () => new Date(), logger: createLogger({ level: 'warn' }) };
    const actor = { kind: 'system' as const, label: 'mandates import (CLI)' };
    const report = await importMandates(deps, { organisationId: organisation.id, actor, csv, dryRun: values['dry-run'] });
    context.out(`${report.dryRun ? 'Dry run, nothing stored' : 'Imported'}: ${file} into '${organisation.slug}': ${summary(report)}.`);
    for (const problem of report.problems) context.err(`  line ${problem.line}: ${problem.message}`);
    return report.problems.length > 0 ? 1 : 0;
  });
}

function summary(report: MandateImportReport): string {
  return [
    `${report.mandatesCreated} mandates created, ${report.mandatesUpdated} updated, ${report.unchanged} unchanged`,
    `${report.functionsCreated} functions and ${report.peopleCreated} people added`,
    `${report.absencesRecorded} absences recorded`,
    `${report.skipped} rows of other local governments skipped`,
    `${report.problems.length} rows not imported`,
  ].join('; ');
}
