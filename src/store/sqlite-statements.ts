/**
 * SQLite: every statement runs through a prepared statement kept on its connection, found again by its SQL text.
 * node-sqlite3's `Database#all` and `#run`, which knex calls, prepare a statement in the thread pool, run it in a
 * second trip there and finalize it: two trips between the event loop and the pool for each statement, where a kept
 * statement needs one. Measured on this machine, 210 µs against 90 µs a statement (p50), and a sign request sends
 * about seven one after the other (issue 11). SQLite prepares a kept statement again by itself when the schema has
 * changed (sqlite3_prepare_v2). A statement runs to its end (`all` reads every row; knex uses `run` for writes only),
 * so none is left holding a lock between uses.
 */
import type { Knex } from 'knex';

/** Statements kept per connection, the least recently used finalized first: texts with literals in them vary. */
export const STATEMENTS_KEPT = 200;

interface SqliteStatement {
  all(parameters: unknown[], callback: (this: SqliteStatement, error: Error | null, rows: unknown[]) => void): void;
  run(parameters: unknown[], callback: (this: SqliteStatement & { lastID: number; changes: number }, error: Error | null) => void): void;
  finalize(callback?: (error: Error | null) => void): void;
}

interface SqliteDatabase {
  prepare(sql: string, callback?: (error: Error | null) => void): SqliteStatement;
}

/** What knex's sqlite3 client hands `_query`: the compiled statement, and where the driver's answer goes. */
interface QueryObject {
  sql: string;
  bindings?: unknown[];
  method?: string;
  returning?: unknown;
  response?: unknown;
  context?: unknown;
}

interface Sqlite3Client {
  dialect?: string;
  _query(connection: SqliteDatabase, obj: QueryObject): Promise<QueryObject>;
  destroyRawConnection(connection: SqliteDatabase): Promise<void>;
}

/** The statements kept on each connection, most recently used last; each once it is prepared. */
const kept = new WeakMap<SqliteDatabase, Map<string, Promise<SqliteStatement>>>();
const clients = new WeakSet<object>();

function statementFor(connection: SqliteDatabase, sql: string): Promise<SqliteStatement> {
  let statements = kept.get(connection);
  if (!statements) kept.set(connection, (statements = new Map()));
  const known = statements.get(sql);
  if (known) {
    statements.delete(sql);
    statements.set(sql, known);
    return known;
  }
  // Run only once prepared: node-sqlite3 never answers a run queued on a statement whose prepare failed (a syntax
  // error), which is then the query's error, and not kept.
  const prepared = new Promise<SqliteStatement>((resolve, reject) => {
    const statement = connection.prepare(sql, (error) => {
      if (!error) return resolve(statement);
      if (statements.get(sql) === prepared) statements.delete(sql);
      reject(error);
    });
  });
  statements.set(sql, prepared);
  if (statements.size > STATEMENTS_KEPT) {
    const [oldest, evicted] = statements.entries().next().value as [string, Promise<SqliteStatement>];
    statements.delete(oldest);
    // node-sqlite3 queues the finalize behind any run of the statement still under way.
    evicted.then((statement) => statement.finalize(), () => undefined);
  }
  return prepared;
}

/** How many statements `connection` keeps (tests). */
export function statementsKept(connection: unknown): number {
  return kept.get(connection as SqliteDatabase)?.size ?? 0;
}

/**
 * Runs `db`'s SQLite statements through kept prepared statements (above). Idempotent; a no-op on PostgreSQL.
 * Installed on the client's class, not the client: knex gives each transaction a client of its own made from
 * `client.constructor.prototype` (makeTxClient), so an override on the instance would miss every statement sent
 * in a transaction, the sign request's write phase among them.
 */
export function keepSqliteStatements(db: Knex): void {
  const client = db.client as Sqlite3Client;
  if (client.dialect !== 'sqlite3' || clients.has(client)) return;
  clients.add(client);
  Object.setPrototypeOf(client, keptStatementsClass(Object.getPrototypeOf(client).constructor).prototype);
}

type Sqlite3ClientClass = new (...args: never[]) => Sqlite3Client;
const keptClasses = new WeakMap<Sqlite3ClientClass, Sqlite3ClientClass>();

/** `Base` (knex's sqlite3 client) with `_query` and `destroyRawConnection` going through kept statements; one per base. */
function keptStatementsClass(Base: Sqlite3ClientClass): Sqlite3ClientClass {
  const known = keptClasses.get(Base);
  if (known) return known;
  class KeptStatementsClient extends Base {
    // As knex's own `_query`: writes without `returning` through `run`, whose statement carries lastID and changes.
    override _query(connection: SqliteDatabase, obj: QueryObject): Promise<QueryObject> {
      if (!obj.sql) return Promise.reject(new Error('The query is empty'));
      const writes = obj.method === 'insert' || obj.method === 'update' ? !obj.returning : obj.method === 'counter' || obj.method === 'del';
      const parameters = obj.bindings ?? [];
      return statementFor(connection, obj.sql).then((statement) => new Promise<QueryObject>((resolve, reject) => {
        if (writes) {
          statement.run(parameters, function (error) {
            if (error) return reject(error);
            obj.context = { lastID: this.lastID, changes: this.changes };
            resolve(obj);
          });
        } else {
          statement.all(parameters, function (error, rows) {
            if (error) return reject(error);
            obj.response = rows;
            obj.context = this;
            resolve(obj);
          });
        }
      }));
    }

    // SQLite refuses to close a connection with statements not finalized.
    override async destroyRawConnection(connection: SqliteDatabase): Promise<void> {
      const statements = [...(kept.get(connection)?.values() ?? [])];
      kept.delete(connection);
      const finalize = (statement: SqliteStatement) => new Promise<void>((resolve) => statement.finalize(() => resolve()));
      await Promise.all(statements.map((prepared) => prepared.then(finalize, () => undefined)));
      return super.destroyRawConnection(connection);
    }
  }
  keptClasses.set(Base, KeptStatementsClient);
  return KeptStatementsClient;
}
