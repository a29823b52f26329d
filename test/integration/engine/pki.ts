/** A development PKI in a temp directory, one per test file, removed when the process exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevPki } from '../../../src/index.ts';
import type { DevPki } from '../../../src/keys/index.ts';

export async function tempDevPki(): Promise<DevPki> {
  const parent = mkdtempSync(join(tmpdir(), 'paraaf-engine-pki-'));
  process.once('exit', () => rmSync(parent, { recursive: true, force: true }));
  return loadOrCreateDevPki({ directory: join(parent, 'pki') });
}

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/pdf');
export const OTHER_TOOL_ROOT = join(FIXTURES, 'other-tool-root.pem');
