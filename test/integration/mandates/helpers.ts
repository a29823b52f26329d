/** What the mandates tests share: the CLI on a test app's database, and answers checked against its OpenAPI document. */
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TestApp } from '../../helpers/bootstrap.ts';
import { cli, type Run } from '../admin-cli/helpers.ts';

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

/** `npm run cli -- …` on the app's own database (a PostgreSQL test schema through its search_path). */
export async function cliOnApp(app: TestApp, args: string[]): Promise<Run> {
  const { database, dataDir } = app.config;
  let url = database.url;
  if (database.client === 'pg') {
    const { rows } = (await app.deps.db.raw('select current_schema() as schema')) as { rows: Array<{ schema: string }> };
    url = `${database.url}${database.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${rows[0]!.schema}`)}`;
  }
  return cli(args, { DATA_DIR: dataDir, DATABASE_URL: url, CERTS_DIR: path.join(dataDir, 'certs'), LOG_LEVEL: 'silent', SIGNER_SECRET: 'mandates-test-secret-'.repeat(2) });
}

/** Validates a value against a schema of the document's components: `validate('Mandate', body)` → null or the errors. */
export function openApiValidator(document: object): (schema: string | object, value: unknown) => string | null {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  for (const keyword of ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'security', 'tags', 'paths', 'webhooks', 'components']) ajv.addKeyword(keyword);
  ajv.addSchema({ ...document, $id: 'urn:paraaf:api' });
  const ref = (name: string) => ({ $ref: `urn:paraaf:api#/components/schemas/${name}` });
  return (schema, value) => {
    const validate = ajv.compile(typeof schema === 'string' ? ref(schema) : schema);
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}
