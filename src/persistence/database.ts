import { type Kysely, type Transaction, Migrator, sql } from '#kysely'
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
  /**
   * Inside a `writeTransaction`, before it ends a session: transactions that end sessions take
   * turns, each holding its turn until it commits, so the positions of `session_ends` are handed
   * out in commit order and a reader following `position > cursor` never skips a row that
   * commits late (SQLite: BEGIN IMMEDIATE already serialises every writer).
   */
  takeTurnsEndingSessions(trx: Executor): Promise<void>
  /** Inside that transaction: once it commits, every `watchSessionEnds` watcher hears that `position` exists. */
  signalSessionEnd(trx: Executor, position: number): Promise<void>
  /**
   * Calls `watcher.signal` whenever a session end may have been recorded (by any process), and
   * keeps doing so across lost connections. Where the dialect cannot push, the watch never
   * signals: the caller's poll is then the only way other processes' ends arrive.
   */
  watchSessionEnds(watcher: SessionEndWatcher): Promise<{ close(): Promise<void> }>
  /** True when `error` says the database cannot be reached (gone, refusing, restarting). */
  isUnavailable(error: unknown): boolean
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

export interface SessionEndWatcher {
  /** New session ends may be there: read them (the watch may call this more often than needed). */
  signal(): void
  /** The push channel dropped; it comes back by itself after `retryInMs`, signalling once it does. */
  lost(error: unknown, retryInMs: number): void
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
