/**
 * Writes the OpenAPI document exactly as `GET /openapi.json` serves it, for `npm run
 * lint:openapi` (Redocly lints files, not a running server). Usage: tsx scripts/write-openapi.ts <out.json>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../src/http/openapi/index.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/write-openapi.ts <out.json>');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(path.join(import.meta.dirname, '../package.json'), 'utf8')) as { version: string };
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(openApiDocument({ serverUrl: 'https://paraaf.example.org', version }), null, 2)}\n`);
console.log(`wrote ${out}`);
