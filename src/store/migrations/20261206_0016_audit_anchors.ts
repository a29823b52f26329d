import type { Knex } from 'knex';
import { isPostgres, nowDefault, timestampColumn } from '../sql.ts';

/**
 * Anchors of the audit trail (issue 9, DESIGN §6): the hash chains are keyless, so someone who can
 * write the database could rewrite a whole chain and recompute every hash. An anchor is an RFC 3161
 * timestamp token (RFC 3161 §2.4.2) over the chain heads that changed since the previous anchor,
 * chained to that previous anchor's digest; an anchored head that no longer matches its event, or a
 * token that no longer verifies, is what `audit verify` reports.
 *
 * `audit_anchors`: one row per anchor, `seq` 1, 2, 3 … (the primary key stops two writers from
 * forking the anchor chain). `audit_anchor_heads`: the heads it covers, `chain:seq:hash`.
 * Both are append-only like `audit_events` (20261128_0010), by trigger. The index on
 * `audit_events (action, occurred_at)` lets the minute poll find recent completions without a scan.
 */
const TABLES = ['audit_anchors', 'audit_anchor_heads'] as const;
export const ANCHORS_APPEND_ONLY_MESSAGE = 'audit anchors are append-only';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_anchors', (table) => {
    table.integer('seq').primary();
    table.string('prev_digest', 64).notNullable();
    /** SHA-256 (hex) of what the token's message imprint covers (src/audit/anchors.ts `anchorDigest`). */
    table.string('digest', 64).notNullable();
    table.integer('head_count').notNullable();
    /** The DER TimeStampToken. */
    table.binary('token').notNullable();
    /** The token's genTime, copied for queries; `audit verify` checks it against the token. */
    timestampColumn(table, 'gen_time').notNullable();
    /** Why it was taken: 'periodic' or 'completion'. */
    table.string('reason', 16).notNullable();
    timestampColumn(table, 'created_at').notNullable().defaultTo(nowDefault(knex));
  });
  await knex.schema.createTable('audit_anchor_heads', (table) => {
    table.integer('anchor_seq').notNullable().references('seq').inTable('audit_anchors');
    table.string('chain', 64).notNullable();
    table.integer('seq').notNullable();
    table.string('hash', 64).notNullable();
    table.primary(['anchor_seq', 'chain']);
    table.index(['chain', 'seq']);
  });
  await knex.schema.alterTable('audit_events', (table) => {
    table.index(['action', 'occurred_at'], 'audit_events_action_occurred_at');
  });
  if (isPostgres(knex)) {
    await knex.raw(`
      CREATE FUNCTION audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '${ANCHORS_APPEND_ONLY_MESSAGE}: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const name of TABLES) {
      await knex.raw(`CREATE TRIGGER ${name}_no_update_delete BEFORE UPDATE OR DELETE ON ${name} FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only()`);
      await knex.raw(`CREATE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_append_only()`);
    }
    return;
  }
  for (const name of TABLES) {
    await knex.raw(`CREATE TRIGGER ${name}_no_update BEFORE UPDATE ON ${name} BEGIN SELECT RAISE(ABORT, '${ANCHORS_APPEND_ONLY_MESSAGE}: UPDATE rejected'); END`);
    await knex.raw(`CREATE TRIGGER ${name}_no_delete BEFORE DELETE ON ${name} BEGIN SELECT RAISE(ABORT, '${ANCHORS_APPEND_ONLY_MESSAGE}: DELETE rejected'); END`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    for (const name of TABLES) {
      await knex.raw(`DROP TRIGGER IF EXISTS ${name}_no_truncate ON ${name}`);
      await knex.raw(`DROP TRIGGER IF EXISTS ${name}_no_update_delete ON ${name}`);
    }
    await knex.raw('DROP FUNCTION IF EXISTS audit_anchors_append_only()');
  } else {
    for (const name of TABLES) {
      await knex.raw(`DROP TRIGGER IF EXISTS ${name}_no_delete`);
      await knex.raw(`DROP TRIGGER IF EXISTS ${name}_no_update`);
    }
  }
  await knex.schema.alterTable('audit_events', (table) => {
    table.dropIndex(['action', 'occurred_at'], 'audit_events_action_occurred_at');
  });
  await knex.schema.dropTable('audit_anchor_heads');
  await knex.schema.dropTable('audit_anchors');
}
