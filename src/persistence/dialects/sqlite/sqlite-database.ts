import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase, { type Statement } from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from '#kysely'
import type { Database, Executor, OpenOptions } from '../../database.js'
import type { Tables } from '../../schema.js'
import { startCheckpointer } from './sqlite-checkpointer.js'
import { createSqliteRefreshTokenStore } from './sqlite-refresh-tokens.js'

/**
 * The one better-sqlite3 connection. Work runs synchronously, so nothing on the event loop can
 * interleave with it; it only waits while a `writeTransaction` holds the connection open.
 */
export interface SqliteConnection {
  /** Prepared once per SQL text and kept. */
  statement(sql: string): Statement
  /** Runs `work` (reads) on the connection, outside any other transaction. */
  read<T>(work: () => T): Promise<T>
  /** Runs `work` in BEGIN IMMEDIATE … COMMIT (ROLLBACK when it throws), outside any other transaction. */
  write<T>(work: () => T): Promise<T>
}

export function openSqlite(path: string, options: OpenOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new SqliteDatabase(path)
  // WAL lets readers run beside the writer; busy_timeout makes a second process wait for the
  // write lock instead of failing; NORMAL sync is durable across a process crash in WAL mode.
  connection.pragma('journal_mode = WAL')
  connection.pragma('busy_timeout = 5000')
  connection.pragma('synchronous = NORMAL')
  connection.pragma('foreign_keys = ON')
  const checkpointer = path === ':memory:' || options.backgroundCheckpoints !== true ? undefined : startCheckpointer(path)
  if (checkpointer !== undefined) connection.pragma('wal_autocheckpoint = 0')
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: connection }) })

  return {
    db,
    refreshTokens: createSqliteRefreshTokenStore(direct(connection, db)),
    writeTransaction: <T>(work: (trx: Executor) => Promise<T>) =>
      db.connection().execute(async (conn) => {
        // IMMEDIATE takes the write lock now, so another process cannot slip a write in
        // between this transaction's reads and writes.
        await sql`begin immediate`.execute(conn)
        try {
          const result = await work(conn)
          await sql`commit`.execute(conn)
          return result
        } catch (error) {
          await sql`rollback`.execute(conn)
          throw error
        }
      }),
    // BEGIN IMMEDIATE already makes every writeTransaction, registrations included, take turns.
    lockRegistrations: async () => {},
    // The same: positions are handed out and committed one writer at a time.
    takeTurnsEndingSessions: async () => {},
    // No push between processes: another process on this file finds new ends by its poll.
    signalSessionEnd: async () => {},
    watchSessionEnds: async () => ({ close: async () => {} }),
    // Locked past busy_timeout, or a file that cannot be opened, read or written.
    isUnavailable: (error) => error instanceof Error && /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/.test(String((error as { code?: unknown }).code)),
    isUniqueViolation: (error, column) =>
      error instanceof Error &&
      (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
      (column === undefined || error.message.includes(`.${column}`)),
    close: async () => {
      await checkpointer?.stop()
      await db.destroy()
    },
  }
}

/** Synchronous access to the connection, taking turns with the query builder's transactions. */
function direct(connection: SqliteDatabase.Database, db: Kysely<Tables>): SqliteConnection {
  const statements = new Map<string, Statement>()
  const immediate = connection.transaction((work: () => unknown) => work()).immediate
  const outside = async <T>(work: () => T): Promise<T> => {
    // A writeTransaction awaiting between its statements leaves the shared connection inside its
    // BEGIN: running now would read its uncommitted rows or write into it. Queue on the query
    // builder's connection lock instead, which it holds until COMMIT.
    if (!connection.inTransaction) return work()
    return db.connection().execute(async () => {
      if (connection.inTransaction) throw new Error('the SQLite connection was left inside a transaction')
      return work()
    })
  }
  return {
    statement(text) {
      let statement = statements.get(text)
      if (statement === undefined) statements.set(text, (statement = connection.prepare(text)))
      return statement
    },
    read: outside,
    // IMMEDIATE takes the write lock first, so another process cannot write between the reads
    // and writes of `work`.
    write: (work) => outside(() => immediate(work) as ReturnType<typeof work>),
  }
}
