import type { Knex } from 'knex';
import { isPostgres } from '../sql.ts';

/**
 * The audit trail is append-only (DESIGN §6) in the database too, not only by convention: an
 * UPDATE, DELETE (or, on PostgreSQL, TRUNCATE) of `audit_events` is rejected by a trigger. The
 * application never does either (test/unit/audit/append-only.test.ts scans src/ for it); this
 * stops a careless operator or a compromised application role. The table owner or a superuser
 * can still disable the trigger: the hash chain and `audit verify` are what detect that.
 */
export const APPEND_ONLY_MESSAGE = 'audit_events is append-only';

export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '${APPEND_ONLY_MESSAGE}: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await knex.raw('CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()');
    await knex.raw('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()');
    return;
  }
  // SQLite has no TRUNCATE (a DELETE without WHERE fires the row trigger: no truncate optimisation with triggers).
  await knex.raw(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}: UPDATE rejected'); END`);
  await knex.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}: DELETE rejected'); END`);
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.raw('DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events');
    await knex.raw('DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events');
    await knex.raw('DROP FUNCTION IF EXISTS audit_events_append_only()');
    return;
  }
  await knex.raw('DROP TRIGGER IF EXISTS audit_events_no_delete');
  await knex.raw('DROP TRIGGER IF EXISTS audit_events_no_update');
}
