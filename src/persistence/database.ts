import { type Kysely, type Transaction, Migrator, sql } from 'kysely'
import type { Tables } from './schema.js'
import { migrations } from './migrations/index.js'
import { openDialect } from './dialects/index.js'
import type { SessionStore } from './store.js'

export type Executor = Kysely<Tables> | Transaction<Tables>

/**
 * One open database: the query builder plus the few things each dialect does its own way. Every
 * dialect (`dialects/<name>/`) builds one; nothing outside a dialect folder knows which it is.
 */
export interface Database {
  readonly db: Kysely<Tables>
  /**
   * Runs `work` in a transaction that holds the write lock from its first statement, so
   * a read-then-write inside it cannot be overtaken by another writer (SQLite: BEGIN IMMEDIATE).
   */
  writeTransaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>
  /**
   * Inside a `writeTransaction` that adds users: makes such transactions take turns, since no
   * unique index spans user names and emails (a user name may not equal another user's email).
   */
  lockRegistrations(trx: Executor): Promise<void>
  /** True when `error` is a unique-constraint violation; `column` narrows it to one column. */
  isUniqueViolation(error: unknown, column?: string): boolean
  /**
   * Lookup, rotation and the grace claim of refresh tokens: they run on every refresh, so each
   * dialect writes them on prepared statements without the query builder; the Store contract
   * suite holds every dialect to the same behaviour.
   */
  readonly refreshTokens: RefreshTokenStore
  close(): Promise<void>
}

export type RefreshTokenStore = Pick<SessionStore, 'findRefreshToken' | 'rotateRefreshToken' | 'claimGraceSuccessor'>

export interface OpenOptions {
  /** A long-running server: SQLite checkpoints its WAL on a thread of its own. */
  backgroundCheckpoints?: boolean
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  return openDialect(url, options)
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
