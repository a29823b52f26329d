/**
 * What differs between SQLite and PostgreSQL, in one place, so migrations and repositories
 * are the same code on both (DESIGN §8).
 *
 * Conventions:
 * - ids are UUIDs made by the application (`crypto.randomUUID()`), `uuid` columns on PostgreSQL;
 * - timestamps are knex `timestamp` columns (timestamptz on PostgreSQL), always WRITTEN as ISO-8601
 *   UTC strings with milliseconds (`Date#toISOString()`, never a Date: the sqlite3 driver would store
 *   epoch milliseconds) and always READ back through `toIso`, so callers only ever see ISO strings
 *   and SQLite compares them correctly as text;
 * - JSON is `jsonb` on PostgreSQL and `text` on SQLite, written with `toJson` and read with `fromJson`;
 * - booleans are `boolean` on PostgreSQL and 0/1 on SQLite, read with `Boolean(…)`.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** A knex instance or a transaction: every repository function takes either. */
export type Db = Knex | Knex.Transaction;

/**
 * On PostgreSQL, runs `query` as a named prepared statement (node-postgres `name`), so each connection parses and
 * plans its text once rather than at every request: the sign request's joined reads were planned anew each time
 * (issue 11). The name is the hash of the compiled text, so two texts never share a name; it is set in the
 * builder's 'query' event, whose options object is the one knex hands node-postgres, so the text is compiled
 * once (`prepare` only marks it; node-postgres ignores it). SQLite: as it is.
 */
export function prepared<T extends Knex.QueryBuilder | Knex.Raw>(db: Db, query: T): T {
  if (!isPostgres(db)) return query;
  query.options({ prepare: true });
  query.on('query', (compiled: { sql: string; options?: { name?: string } }) => {
    if (compiled.options) compiled.options.name = `q${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 24)}`;
  });
  return query;
}

/**
 * Writes whose results nobody reads, sent as ONE statement on PostgreSQL: every write but the last becomes a
 * data-modifying WITH query of the last, so they cost one round trip instead of one each (issue 11). They all
 * see the same snapshot, so none may depend on another's effect; a constraint violation fails them all. On
 * SQLite, whose statements are calls into the same process, one after another.
 */
export async function writeTogether(db: Db, writes: ReadonlyArray<Knex.QueryBuilder | undefined>): Promise<void> {
  const present = writes.filter((write): write is Knex.QueryBuilder => write !== undefined);
  if (!isPostgres(db) || present.length < 2) {
    for (const write of present) await write;
    return;
  }
  const last = present[present.length - 1];
  present.slice(0, -1).forEach((write, i) => last.with(`write_${i}`, write));
  await last;
}

/**
 * SQLite: the process has one connection (db.ts), so a transaction holds back every other statement of the process
 * until it ends, and no CPU work should be done inside one that can be done before it. PostgreSQL: a pool.
 */
export function hasOneConnection(db: Db): boolean {
  return !isPostgres(db);
}

export function isPostgres(db: Db): boolean {
  return (db.client as { dialect?: string }).dialect === 'postgresql';
}

/** A JSON column: jsonb on PostgreSQL, text on SQLite. */
export function jsonColumn(db: Db, table: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string): Knex.ColumnBuilder {
  return isPostgres(db) ? table.jsonb(name) : table.text(name);
}

/** A timestamp column (nullable unless the caller says otherwise); see the conventions above. */
export function timestampColumn(table: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string): Knex.ColumnBuilder {
  return table.timestamp(name, { useTz: true });
}

/** `created_at`-style default: now, in the same ISO format the application writes on SQLite. */
export function nowDefault(db: Db): Knex.Raw {
  return isPostgres(db) ? db.raw('CURRENT_TIMESTAMP') : db.raw(`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);
}

/** The one way to write a timestamp. */
export function isoTimestamp(date: Date): string {
  return date.toISOString();
}

/** A timestamp as read from either database (Date on PostgreSQL, text on SQLite) as an ISO string. */
export function toIso(value: unknown): string;
export function toIso(value: unknown, nullable: 'nullable'): string | null;
export function toIso(value: unknown, nullable?: 'nullable'): string | null {
  if (value === null || value === undefined) {
    if (nullable) return null;
    throw new Error('expected a timestamp, got null');
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const text = String(value);
  // SQLite's CURRENT_TIMESTAMP ('YYYY-MM-DD HH:MM:SS', UTC) from columns created before this convention.
  const date = new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(text) && !/[zZ+]/.test(text.slice(19)) ? `${text.replace(' ', 'T')}Z` : text);
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${JSON.stringify(text).slice(0, 40)}`);
  return date.toISOString();
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** jsonb comes back parsed from pg; text comes back as a string from SQLite. */
export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** COUNT(*) is a string on PostgreSQL (bigint) and a number on SQLite. */
export function toCount(row: Record<string, unknown> | undefined): number {
  if (!row) return 0;
  return Number(Object.values(row)[0] ?? 0);
}

/** A unique or primary-key constraint violation, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code === '23505') return true;
  return e.code === 'SQLITE_CONSTRAINT' && /UNIQUE|PRIMARY KEY/.test(e.message ?? '');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** PostgreSQL rejects a malformed uuid literal with an error; repositories answer "not found" instead. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
