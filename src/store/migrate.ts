import type { Knex } from 'knex';
import { runExclusively } from './job-lock.ts';
import { migrations, type NamedMigration } from './migrations/index.ts';

const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (entry) => entry.name,
  getMigration: async (entry) => entry.migration,
};

/** The migrator settings every caller must share, so `latest` and `list` agree. */
export const migratorConfig: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'knex_migrations',
};

/**
 * Applies pending migrations; returns the names applied. Instances starting at once on one PostgreSQL
 * database take turns (an advisory lock): knex's own lock makes the second one fail ("Migration table is
 * already locked", or a duplicate key while creating knex_migrations) instead of waiting.
 */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const run = await runExclusively(db, 'migrations', async () => ((await db.migrate.latest(migratorConfig)) as [number, string[]])[1], { wait: true });
  return run.ran ? run.result : [];
}

/** Names of migrations known to the code but not yet applied to the database. */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migratorConfig)) as [unknown[], NamedMigration[]];
  return pending.map((entry) => entry.name);
}
