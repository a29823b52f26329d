/** Shared by the API tests: fixture PDFs and one development PKI per test process. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevPki, type DevPki } from '../../../src/keys/index.ts';

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/pdf');
export const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

let sharedPki: Promise<DevPki> | undefined;

/** Generating the RSA-3072 root and seal takes a while: once per process. */
export function devPki(): Promise<DevPki> {
  sharedPki ??= (async () => {
    const parent = mkdtempSync(join(tmpdir(), 'paraaf-api-pki-'));
    process.once('exit', () => rmSync(parent, { recursive: true, force: true }));
    return loadOrCreateDevPki({ directory: join(parent, 'pki'), organisationName: 'Gemeente Zonnebeke' });
  })();
  return sharedPki;
}
