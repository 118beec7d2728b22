import type { Statement } from 'better-sqlite3'
import { type Kysely, type Transaction, Migrator, sql } from 'kysely'
import type { Tables } from './schema.js'
import { migrations } from './migrations/index.js'
import { openSqlite } from './dialects/sqlite.js'
import { openPostgres } from './dialects/postgres.js'

export type Executor = Kysely<Tables> | Transaction<Tables>

/** One open database: the query builder plus the few things that differ by dialect. */
export interface Database {
  readonly kind: 'sqlite' | 'postgres'
  readonly db: Kysely<Tables>
  /**
   * Runs `work` in a transaction that holds the write lock from its first statement, so
   * a read-then-write inside it cannot be overtaken by another writer (SQLite: BEGIN IMMEDIATE).
   */
  writeTransaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>
  /** True when `error` is a unique-constraint violation; `column` narrows it to one column. */
  isUniqueViolation(error: unknown, column?: string): boolean
  /** SQLite only: the connection itself, for hot paths that skip the query builder. */
  readonly sqlite?: SqliteConnection
  /** PostgreSQL only: prepared statements straight on the pool, for hot paths that skip the query builder. */
  readonly postgres?: PostgresConnection
  close(): Promise<void>
}

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

export interface PostgresConnection {
  /** Runs one statement that each pooled connection parses and plans once, under `name`. */
  query<Row>(name: string, text: string, values: readonly unknown[]): Promise<Row[]>
}

/** `backgroundCheckpoints`: a long-running server checkpoints SQLite's WAL off the event loop. */
export async function openDatabase(url: string, options: { backgroundCheckpoints?: boolean } = {}): Promise<Database> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options)
  return openPostgres(url)
}

export async function migrateToLatest(database: Database): Promise<void> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
  })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error))
}

export async function pingDatabase(database: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(database.db)
    return true
  } catch {
    return false
  }
}
