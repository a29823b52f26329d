/**
 * Every migration, in order, imported statically: the migrator never scans a folder,
 * so it works the same under tsx, a build, and on any file extension.
 * Add a migration by creating `YYYYMMDD_NNNN_name.ts` and listing it here.
 */
import type { Knex } from 'knex';
import * as organisations from './20251128_0001_organisations.ts';

export interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const migrations: readonly NamedMigration[] = [{ name: '20251128_0001_organisations', migration: organisations }];
