import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { Database, Executor } from '../database.js'
import type { Tables } from '../schema.js'

export function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new SqliteDatabase(path)
  // WAL lets readers run beside the writer; busy_timeout makes a second process wait for the
  // write lock instead of failing; NORMAL sync is durable across a process crash in WAL mode.
  connection.pragma('journal_mode = WAL')
  connection.pragma('busy_timeout = 5000')
  connection.pragma('synchronous = NORMAL')
  connection.pragma('foreign_keys = ON')
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: connection }) })

  return {
    kind: 'sqlite',
    db,
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
    isUniqueViolation: (error, column) =>
      error instanceof Error &&
      (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
      (column === undefined || error.message.includes(`.${column}`)),
    close: () => db.destroy(),
  }
}
