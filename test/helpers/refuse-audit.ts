/**
 * Makes the database refuse every new audit event with one action (a trigger on `audit_events`,
 * SQLite or PostgreSQL) while `fn` runs: a use case whose state change and audit event share one
 * transaction then leaves nothing behind.
 */
import type { Knex } from 'knex';
import { isPostgres } from '../../src/store/index.ts';

export async function whileAuditRefused<T>(db: Knex, action: string, fn: () => Promise<T>): Promise<T> {
  const name = `refuse_${action.replace(/\W/g, '_')}`;
  if (isPostgres(db)) {
    await db.raw(`create function ${name}() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$`);
    await db.raw(`create trigger ${name} before insert on audit_events for each row when (new.action = '${action}') execute function ${name}()`);
  } else {
    await db.raw(`create trigger ${name} before insert on audit_events when new.action = '${action}' begin select raise(abort, 'audit refused'); end`);
  }
  try {
    return await fn();
  } finally {
    if (isPostgres(db)) {
      await db.raw(`drop trigger ${name} on audit_events`);
      await db.raw(`drop function ${name}()`);
    } else {
      await db.raw(`drop trigger ${name}`);
    }
  }
}
