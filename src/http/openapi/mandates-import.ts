/**
 * The API document's part on importing mandataries from the Flemish mandate database (issue 12):
 * `POST /mandates/import` and its report, merged into the document by index.ts.
 */
import { MANDATE_KINDS } from '../../domain/mandates.ts';
import { nullableString, object, ref, string } from './schemas.ts';
import type { JsonSchema, PathItem, Response } from './types.ts';

const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const problem = (description: string): Response => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const line: JsonSchema = { type: 'integer', minimum: 1, description: 'Line of the file where the row starts (the header is line 1).' };

export const mandateImportSchemas: Record<string, JsonSchema> = {
  MandateImportProblem: object({ line, message: string() }),
  MandateImportChange: object({
    line,
    outcome: { type: 'string', enum: ['created', 'updated', 'unchanged'] },
    functionName: string('The function as the organisation names it.'),
    personName: string('The person of the directory.'),
    personCreated: { type: 'boolean', description: 'Added to the directory by this row.' },
    kind: { type: 'string', enum: MANDATE_KINDS },
    startsOn: string(undefined, { format: 'date' }),
    endsOn: nullableString('Inclusive; null: open-ended.', { format: 'date' }),
    impeded: { type: 'boolean', description: 'Verhinderd or titelvoerend: absent for the period.' },
  }),
  MandateImportReport: object({
    dryRun: { type: 'boolean', description: 'True: nothing was stored.' },
    rows: count('Data rows read from the file.'),
    functionsCreated: count('Functions added (a function is found by name, case, accents and "van de" ignored).'),
    peopleCreated: count('People added to the directory: rows with an e-mail nobody in the directory has.'),
    mandatesCreated: count('Mandates added.'),
    mandatesUpdated: count('Mandates imported before (same mandate URI, or same body, function, person and start) that changed.'),
    unchanged: count('Mandates imported before that did not change.'),
    absencesRecorded: count('Absences recorded for verhinderd or titelvoerend holders.'),
    skipped: count('Rows of another local government (bestuurseenheid).'),
    problems: { type: 'array', items: ref('MandateImportProblem'), description: 'Rows not imported, by line, with the reason.' },
    changes: { type: 'array', items: ref('MandateImportChange'), description: 'Each imported row, in file order.' },
  }),
};

export const mandateImportPaths: Record<string, PathItem> = {
  '/mandates/import': {
    post: {
      operationId: 'importMandates',
      summary: 'Import mandataries from the Flemish mandate database',
      description:
        'The body is a CSV export of the Vlaamse Mandatendatabank: the "Download" of Lokaal Mandatenbeheer (`Voornaam,Naam,Fractie,Mandaat,Status,Orgaan,StartMandaat,EindeMandaat,…`) ' +
        'or the public export (`mandataris,start,eind,…,bestuursfunctieLabel,…,bestuurseenheidLabel,…`), as downloaded or saved again by Excel (`;`, BOM, CRLF, d/m/yyyy), ' +
        'optionally with an e-mail column. Each row becomes a function, a person and a mandate: Effectief → holder, Waarnemend → substitute, Verhinderd/Titelvoerend → holder with an absence for the period. ' +
        'People are matched by e-mail (an unknown e-mail adds the person), else by name when exactly one person of the organisation has it. ' +
        'Importing the same mandates again updates them. Rows that cannot be used are in `problems` and the others are imported, in one transaction; rows of another local government are skipped. ' +
        'Recorded on the organisation\'s audit chain (`function.created`, `person.created`, `mandate.added`, `absence.recorded`, `mandates.imported`).',
      tags: ['Mandates'],
      parameters: [
        { name: 'dryRun', in: 'query', description: '`true`: report what the import would do and store nothing.', schema: { type: 'string', enum: ['true', 'false'], default: 'false' } },
        { $ref: '#/components/parameters/IdempotencyKey' },
      ],
      requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string', description: 'UTF-8, at most 16 MB.' } } } },
      responses: {
        '200': { description: 'The import report.', content: { 'application/json': { schema: ref('MandateImportReport') } } },
        '400': { $ref: '#/components/responses/BadRequest' },
        '401': { $ref: '#/components/responses/Unauthorized' },
        '409': problem('A request with this Idempotency-Key is still running (`idempotency_request_in_progress`).'),
        '413': problem('The file is larger than 16 MB (`payload_too_large`).'),
        '415': problem('The body is not `text/csv` (`unsupported_media_type`).'),
        '422': problem(
          'The file cannot be read or is not the export (`csv_invalid`), or none of its rows is of this organisation (`csv_other_organisation`); `problems: [{ line, message }]` says where. Or the Idempotency-Key was used for another request (`idempotency_key_reused`).',
        ),
        '500': { $ref: '#/components/responses/InternalError' },
      },
    },
  },
};
