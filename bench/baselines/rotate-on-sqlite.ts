import { createHash, randomBytes } from 'node:crypto'
import SqliteDatabase from 'better-sqlite3'
import { randomId } from '../../src/crypto/random-id.js'
import { insertLiveSessions } from '../fixtures/insert-live-sessions.js'
import { FIND_TOKEN, INSERT_TOKEN, REFRESH_TTL_MS, SEALED_SUCCESSOR_STAND_IN, TOUCH_SESSION, USE_TOKEN } from './rotation-sql.js'

interface TokenRow {
  id: string
  session_id: string
  used_at: number | null
  ended_at: number | null
}

/**
 * Refresh-token rotations per second straight on better-sqlite3, on a migrated Latchkey file,
 * with Latchkey's pragmas (WAL, synchronous NORMAL) and its BEGIN IMMEDIATE transaction.
 */
export function rotateOnSqlitePerSecond(path: string, chains: number, seconds: number): number {
  const db = new SqliteDatabase(path)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  try {
    const heads = insertLiveSessions(db, 1, chains, 'not-a-password-hash').refreshTokens
    const find = db.prepare(FIND_TOKEN)
    const touch = db.prepare(TOUCH_SESSION)
    const use = db.prepare(USE_TOKEN)
    const insert = db.prepare(INSERT_TOKEN)
    const rotate = db.transaction((row: TokenRow, now: number, successorId: string, successorHash: string) => {
      if (touch.run(now, '127.0.0.1', 'latchkey-bench', now + REFRESH_TTL_MS, row.session_id, now).changes !== 1) throw new Error('session not live')
      if (use.run(now, successorId, SEALED_SUCCESSOR_STAND_IN, row.id).changes !== 1) throw new Error('token already used')
      insert.run(successorId, row.session_id, successorHash, now, now + REFRESH_TTL_MS)
    })

    const deadline = performance.now() + seconds * 1000
    const startedAt = performance.now()
    let count = 0
    while (performance.now() < deadline) {
      const chain = count % heads.length
      const row = find.get(sha256(heads[chain] as string)) as TokenRow | undefined
      if (row === undefined || row.used_at !== null || row.ended_at !== null) throw new Error('chain broken')
      const successor = randomBytes(32).toString('base64url')
      rotate.immediate(row, Date.now(), randomId(), sha256(successor))
      heads[chain] = successor
      count++
    }
    return count / ((performance.now() - startedAt) / 1000)
  } finally {
    db.close()
  }
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
