/** What every admin command shares: open the configured database, migrate it, find the organisation. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { createDb, migrateToLatest, organisationBySlug, type Knex, type Organisation } from '../store/index.ts';
import { UsageError, type CliContext } from './context.ts';

/** Opens the database of `loadConfig()` (DATABASE_URL / DATA_DIR), applies pending migrations, runs `fn`, closes. */
export async function withDatabase<T>(context: CliContext, fn: (db: Knex, applied: string[]) => Promise<T>): Promise<T> {
  const { database } = context.config;
  if (database.client === 'sqlite3' && database.url !== ':memory:') await fs.mkdir(path.dirname(database.url), { recursive: true });
  const db = createDb(database);
  try {
    const applied = await migrateToLatest(db);
    return await fn(db, applied);
  } finally {
    await db.destroy();
  }
}

export async function requireOrganisation(db: Knex, slug: string | undefined): Promise<Organisation> {
  if (!slug) throw new UsageError('--org <slug> is required.');
  const organisation = await organisationBySlug(db, slug);
  if (!organisation) throw new AppError('organisation_not_found', 404, `Unknown organisation '${slug}'.`, { detail: 'create it with: org create <slug> --name "…"' });
  return organisation;
}

/** `<command> <subcommand> …`: picks the subcommand's handler or explains which exist. */
export function subcommand<T>(command: string, args: string[], handlers: Record<string, T>): [T, string[]] {
  const [name, ...rest] = args;
  const handler = name === undefined ? undefined : handlers[name];
  if (handler === undefined) {
    const known = Object.keys(handlers).join('|');
    throw new UsageError(name === undefined ? `Usage: ${command} ${known} …` : `Unknown subcommand '${command} ${name}'; expected ${command} ${known}.`);
  }
  return [handler, rest];
}
