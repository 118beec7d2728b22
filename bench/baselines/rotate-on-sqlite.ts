import { createHash, randomBytes } from 'node:crypto'
import SqliteDatabase from 'better-sqlite3'
import { randomId } from '../../src/crypto/random-id.js'
import { insertLiveSessions } from '../fixtures/insert-live-sessions.js'
import { FIND_TOKEN, INSERT_TOKEN, REFRESH_TTL_MS, SEALED_SUCCESSOR_STAND_IN, TOUCH_SESSION, type TokenRow, USE_TOKEN } from './rotation-sql.js'

export interface SqliteRotator {
  /** Uses up `token` and returns its successor; undefined when the token cannot be rotated. */
  rotate(token: string): string | undefined
  close(): void
}

/**
 * The rotation straight on better-sqlite3, on a migrated Latchkey file, with Latchkey's pragmas
 * (WAL, synchronous NORMAL) and its BEGIN IMMEDIATE transaction; token generation and SHA-256
 * included, the successor's seal a stand-in string of the same length.
 */
export function sqliteRotator(path: string): SqliteRotator {
  const db = new SqliteDatabase(path)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  const find = db.prepare(FIND_TOKEN.sqlite)
  const touch = db.prepare(TOUCH_SESSION)
  const use = db.prepare(USE_TOKEN)
  const insert = db.prepare(INSERT_TOKEN)
  const transaction = db.transaction((row: TokenRow, now: number, successorId: string, successorHash: string) => {
    if (touch.run(now, '127.0.0.1', 'latchkey-bench', now + REFRESH_TTL_MS, row.session_id, now).changes !== 1) return false
    if (use.run(now, successorId, SEALED_SUCCESSOR_STAND_IN, row.id).changes !== 1) throw new Error('token already used')
    insert.run(successorId, row.session_id, successorHash, now, now + REFRESH_TTL_MS)
    return true
  })
  return {
    rotate(token) {
      const row = find.get(sha256(token)) as (TokenRow & { roles: string }) | undefined
      if (row === undefined || row.used_at !== null || row.ended_at !== null) return undefined
      JSON.parse(row.roles)
      const successor = randomBytes(32).toString('base64url')
      return transaction.immediate(row, Date.now(), randomId(), sha256(successor)) ? successor : undefined
    },
    close: () => db.close(),
  }
}

/** `chains` live sessions with one unused refresh token each, written straight into the file. */
export function insertSqliteChains(path: string, chains: number): string[] {
  const db = new SqliteDatabase(path)
  try {
    db.pragma('busy_timeout = 5000')
    return insertLiveSessions(db, 1, chains, 'not-a-password-hash').refreshTokens
  } finally {
    db.close()
  }
}

/** Rotations per second with no HTTP at all: the statements alone, `chains` taking turns. */
export function rotateOnSqlitePerSecond(path: string, chains: number, seconds: number): number {
  const heads = insertSqliteChains(path, chains)
  const rotator = sqliteRotator(path)
  try {
    const deadline = performance.now() + seconds * 1000
    const startedAt = performance.now()
    let count = 0
    while (performance.now() < deadline) {
      const chain = count % heads.length
      const successor = rotator.rotate(heads[chain] as string)
      if (successor === undefined) throw new Error('chain broken')
      heads[chain] = successor
      count++
    }
    return count / ((performance.now() - startedAt) / 1000)
  } finally {
    rotator.close()
  }
}

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
