/**
 * Counts the SQL statements a piece of work sends (issue 11: what a sign request costs). Listens to
 * knex's 'query' event, which fires once per statement sent to the database, for every connection
 * of this knex instance and its transactions — so BEGIN (on SQLite `BEGIN IMMEDIATE`), COMMIT,
 * ROLLBACK and savepoints are counted as statements too, as the database sees them; so is each statement of
 * a query that sends several (BEGIN and a transaction's first locks, on PostgreSQL). Statements of
 * other work running at the same time on the same instance are counted as well: measure alone.
 */
import type { Knex } from 'knex';

export interface StatementCount {
  /** Stops listening; answers how many statements were sent since the start. */
  stop(): number;
  /** The SQL of each statement, in the order sent (with `?` / `$n` placeholders, no bindings). */
  readonly statements: string[];
}

/**
 * The statements of one query's SQL: one, or several (PostgreSQL's BEGIN with a transaction's first locks, withTransaction's
 * `lockFirst`). A PREPARE is not counted: it comes once per connection before the EXECUTE of the same statement
 * (db.ts, PreparedRead), as the protocol's Parse before a named statement's first run, which knex does not report either.
 */
export function statementsOf(sql: string): string[] {
  return sql.split(/;\s+(?=\S)/).filter((statement) => !/^PREPARE\s/.test(statement));
}

export function countStatements(db: Knex): StatementCount {
  const statements: string[] = [];
  const listener = (query: { sql?: string }) => {
    statements.push(...statementsOf(query.sql ?? ''));
  };
  db.on('query', listener);
  let stopped = false;
  return {
    statements,
    stop() {
      if (!stopped) db.off('query', listener);
      stopped = true;
      return statements.length;
    },
  };
}
