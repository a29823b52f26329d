import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config.ts';
import { createDb, type Knex } from '../../../src/store/index.ts';
import { runCli, type CliRun } from '../../helpers/run-cli.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type Run = CliRun;

/** The CLI as an operator runs it, on the given environment only (no DATABASE_URL leaks in). */
export function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return runCli(args, env, { withoutDatabaseUrl: true });
}

export interface CliWorkspace {
  /** The temporary directory holding DATA_DIR (`data`) and CERTS_DIR (`certs`). */
  work: string;
  env: Record<string, string>;
  /** The workspace's database, as the CLI opens it. */
  db: Knex;
  close(): Promise<void>;
}

/** A fresh DATA_DIR and CERTS_DIR in which `org create` has made one organisation, and a connection to its database. */
export async function cliWorkspace(prefix: string, organisation: { slug: string; name: string }): Promise<CliWorkspace> {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  const env = { DATA_DIR: path.join(work, 'data'), CERTS_DIR: path.join(work, 'certs'), LOG_LEVEL: 'silent' };
  const created = await cli(['org', 'create', organisation.slug, '--name', organisation.name], env);
  expect(created.code, created.stderr).to.equal(0);
  const db = createDb(loadConfig(env).database);
  return {
    work,
    env,
    db,
    async close() {
      await db.destroy();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
