/**
 * The knex factory. SQLite is the default (one process serves a region, DESIGN §8);
 * a `postgres://…` DATABASE_URL selects PostgreSQL for several instances.
 */
import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config.ts';
import { keepSqliteStatements } from './sqlite-statements.ts';
import { isUuid } from './sql.ts';

export type { Knex } from 'knex';

export interface CreateDbOptions {
  /** PostgreSQL only: the schema to work in (tests use a fresh one per run). */
  searchPath?: string;
}

/** How long a SQLite connection waits for another writer's lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

type SqliteConnection = { run(sql: string, callback: (error: Error | null) => void): void };

export function createDb(database: DatabaseConfig, options: CreateDbOptions = {}): Knex {
  if (database.client === 'pg') {
    const db = knexFactory({
      client: 'pg',
      connection: database.url,
      searchPath: options.searchPath ? [options.searchPath] : undefined,
      pool: { min: 0, max: 10 },
    });
    useLockFirstTransactions(db);
    return db;
  }
  const db = knexFactory({
    client: 'sqlite3',
    connection: { filename: database.url },
    useNullAsDefault: true,
    // One connection: SQLite allows one writer at a time anyway, and a single connection
    // makes that writer lock the serialization point for signing (DESIGN §8).
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        const pragmas = ['PRAGMA journal_mode = WAL', 'PRAGMA foreign_keys = ON', `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`, 'PRAGMA synchronous = NORMAL'];
        const runNext = (index: number): void => {
          if (index === pragmas.length) return done(null, connection);
          connection.run(pragmas[index], (error) => (error ? done(error, connection) : runNext(index + 1)));
        };
        runNext(0);
      },
    },
  });
  useImmediateTransactions(db);
  keepSqliteStatements(db);
  return db;
}

interface KnexTransactionInternals {
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
  /** The transaction's own client (knex sets it before `begin`): its query rejects on error, and emits 'query'. */
  trxClient: { query(connection: unknown, sql: string): Promise<unknown> };
}
type TransactionFactory = (...args: unknown[]) => KnexTransactionInternals;

/**
 * Gives `dialect`'s client a transaction factory whose transactions begin as `beginFor` says (undefined: knex's own
 * BEGIN), for what knex has no option for (below). knex calls `begin` asynchronously, after the constructor returns,
 * and passes the factory the config given to `db.transaction`. Once per client (`done`); a no-op on the other dialect.
 */
function overrideBegin(
  db: Knex,
  dialect: string,
  done: WeakSet<object>,
  beginFor: (transaction: KnexTransactionInternals, config: unknown) => ((connection: unknown) => Promise<unknown>) | undefined,
): void {
  const client = db.client as { dialect?: string; transaction: TransactionFactory };
  if (client.dialect !== dialect || done.has(client)) return;
  const createTransaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const transaction = createTransaction(...args);
    const begin = beginFor(transaction, args[1]);
    if (begin) transaction.begin = begin;
    return transaction;
  };
  done.add(client);
}

const immediateClients = new WeakSet<object>();

/**
 * SQLite: make every top-level transaction `BEGIN IMMEDIATE`. knex begins SQLite transactions
 * DEFERRED, which takes the write lock only at the first write; a transaction that reads and
 * then writes can then fail with SQLITE_BUSY (busy_timeout does not help once another process
 * wrote after our read). IMMEDIATE takes the write lock up front, so writers queue (waiting up to
 * busy_timeout) instead — the serialization DESIGN §8 relies on. Nested transactions are
 * savepoints and unaffected. Idempotent; a no-op on PostgreSQL.
 */
export function useImmediateTransactions(db: Knex): void {
  overrideBegin(db, 'sqlite3', immediateClients, (transaction) => (connection) => transaction.query(connection, 'BEGIN IMMEDIATE;'));
}

/** What withTransaction passes knex for a transaction that takes its locks as it begins. */
export interface LockFirstConfig {
  lockFirst?: string;
  /**
   * A read sent after `lockFirst` in the same round trip (literal SQL, or a PreparedRead); its rows are put in `rows`. An
   * object of its own: knex hands the transaction a shallow copy of its config.
   */
  readFirst?: { sql: string | PreparedRead; rows?: unknown[] };
}

/**
 * A read sent with BEGIN (`readFirst`) as SQL's PREPARE and EXECUTE: a simple-protocol query takes no protocol-level
 * prepared statement, and PostgreSQL parsed and planned the literal SQL anew at every signature, on the cores the sign
 * request runs on (issue 11: BEGIN, the lock and the signature's read took 0.8–1.2 ms of the server's time, 0.46–0.49
 * prepared). Prepared once per connection, its plan is kept. `text` takes `$1…` for `args`, UUIDs (checked, then
 * sent as literals); `name` comes from the text (preparedRead), so a changed text is prepared anew under its own name.
 */
export interface PreparedRead {
  name: string;
  text: string;
  args: readonly string[];
}

export function preparedRead(text: string, args: readonly string[]): PreparedRead {
  return { name: `paraaf_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text, args };
}

/** The PREPAREd statements of each PostgreSQL connection: session state, which outlives a rollback. */
const preparedOn = new WeakMap<object, Set<string>>();

/** The SQL that runs `read` on `connection`: its EXECUTE, after its PREPARE the first time there. */
function executeSql(connection: object, read: PreparedRead): { sql: string; statements: number } {
  if (!read.args.every(isUuid)) throw new Error('a prepared read sent with BEGIN takes UUIDs only');
  const execute = `EXECUTE ${read.name}(${read.args.map((id) => `'${id}'`).join(', ')})`;
  if (preparedOn.get(connection)?.has(read.name)) return { sql: execute, statements: 1 };
  return { sql: `PREPARE ${read.name} AS ${read.text}; ${execute}`, statements: 2 };
}

function rememberPrepared(connection: object, name: string): void {
  const names = preparedOn.get(connection) ?? new Set<string>();
  names.add(name);
  preparedOn.set(connection, names);
}

const lockFirstClients = new WeakSet<object>();

/**
 * PostgreSQL: a transaction given `lockFirst` (a parameterless locking statement, see withTransaction) sends it
 * with its BEGIN as one simple-protocol query: one round trip for both (issue 11), and `readFirst` after them, whose
 * rows it keeps in the config. Should a statement fail (a deadlock, a lock timeout), BEGIN has already opened the
 * transaction block, now aborted: it is rolled back here, before knex hands the connection back to the pool.
 * Idempotent; a no-op on SQLite.
 */
export function useLockFirstTransactions(db: Knex): void {
  overrideBegin(db, 'postgresql', lockFirstClients, (transaction, config) => {
    const first = config as LockFirstConfig | undefined;
    if (first?.lockFirst === undefined) return undefined;
    const { lockFirst, readFirst } = first;
    return async (connection) => {
      const prepared = typeof readFirst?.sql === 'object' ? readFirst.sql : undefined;
      try {
        if (readFirst === undefined) return await transaction.trxClient.query(connection, `BEGIN; ${lockFirst}`);
        const read = prepared ? executeSql(connection as object, prepared) : { sql: String(readFirst.sql), statements: 1 };
        const answered = (await transaction.trxClient.query(connection, `BEGIN; ${lockFirst}; ${read.sql}`)) as { response: Array<{ rows: unknown[] }> };
        if (prepared) rememberPrepared(connection as object, prepared.name);
        // The read's answer is the last: after BEGIN, the lock and, the first time, its PREPARE.
        readFirst.rows = answered.response[1 + read.statements]!.rows;
        return answered;
      } catch (error) {
        await transaction.trxClient.query(connection, 'ROLLBACK').catch(() => undefined);
        // Its PREPARE may have run before a later statement failed, and outlives the rollback: dropped, to be made again
        // (PREPARE under a name that exists fails).
        if (prepared && !preparedOn.get(connection as object)?.has(prepared.name)) {
          await transaction.trxClient.query(connection, `DEALLOCATE ${prepared.name}`).catch(() => undefined);
        }
        throw error;
      }
    };
  });
}

export function hasImmediateTransactions(db: Knex): boolean {
  return immediateClients.has(db.client as object);
}

/** Resolves when the database answers a trivial query. */
export async function pingDb(db: Knex): Promise<void> {
  await db.raw('select 1');
}
