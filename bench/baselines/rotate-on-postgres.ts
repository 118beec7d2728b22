import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { randomId } from '../../src/crypto/random-id.js'
import { sha256 } from './rotate-on-sqlite.js'
import { FIND_TOKEN, INSERT_TOKEN, numbered, REFRESH_TTL_MS, SEALED_SUCCESSOR_STAND_IN, TOUCH_SESSION, type TokenRow, USE_TOKEN } from './rotation-sql.js'

export interface PostgresRotator {
  /** Uses up `token` and returns its successor; undefined when the token cannot be rotated. */
  rotate(token: string): Promise<string | undefined>
  close(): Promise<void>
}

/**
 * The rotation straight on `pg` over a pool of 10 connections (Latchkey's pool size): the lookup,
 * then begin, touch, conditional use, insert, commit.
 */
export function postgresRotator(url: string): PostgresRotator {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  const find = numbered(FIND_TOKEN.postgres)
  const [touch, use, insert] = [TOUCH_SESSION, USE_TOKEN, INSERT_TOKEN].map(numbered) as [string, string, string]
  return {
    async rotate(token) {
      const row = (await pool.query<TokenRow>(find, [sha256(token)])).rows[0]
      if (row === undefined || row.used_at !== null || row.ended_at !== null) return undefined
      const successor = randomBytes(32).toString('base64url')
      const successorId = randomId()
      const now = Date.now()
      const client = await pool.connect()
      try {
        await client.query('begin')
        const touched = await client.query(touch, [now, '127.0.0.1', 'latchkey-bench', now + REFRESH_TTL_MS, row.session_id, now])
        if (touched.rowCount !== 1) {
          await client.query('rollback')
          return undefined
        }
        const used = await client.query(use, [now, successorId, SEALED_SUCCESSOR_STAND_IN, row.id])
        if (used.rowCount !== 1) throw new Error('token already used')
        await client.query(insert, [successorId, row.session_id, sha256(successor), now, now + REFRESH_TTL_MS])
        await client.query('commit')
      } catch (error) {
        await client.query('rollback')
        throw error
      } finally {
        client.release()
      }
      return successor
    },
    close: () => pool.end(),
  }
}

/** One user with `chains` live sessions, one unused refresh token each; returns the tokens. */
export async function insertPostgresChains(url: string, chains: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const now = Date.now()
    const userId = randomId()
    const name = `raw-${userId}`.toLowerCase()
    await client.query(`insert into users (id, user_name, user_name_key, email, email_key, first_name, last_name, password_hash, disabled_at, created_at)
      values ($1, $2, $2, $3, $3, $4, $4, $5, null, $6)`, [userId, name, `${name}@bench.example`, 'Raw', 'x', now])
    await client.query(`insert into user_roles (user_id, role) values ($1, 'api_access')`, [userId])
    const tokens: string[] = []
    for (let i = 0; i < chains; i++) {
      const sessionId = randomId()
      await client.query(`insert into sessions (id, user_id, created_at, last_used_at, absolute_expires_at, expires_at, ended_at, end_reason, ip_address, user_agent)
        values ($1, $2, $3, $3, $4, $5, null, null, null, null)`, [sessionId, userId, now, now + 30 * 86_400_000, now + REFRESH_TTL_MS])
      const token = randomBytes(32).toString('base64url')
      await client.query(numbered(INSERT_TOKEN), [randomId(), sessionId, sha256(token), now, now + REFRESH_TTL_MS])
      tokens.push(token)
    }
    return tokens
  } finally {
    await client.end()
  }
}

/** Rotations per second with no HTTP at all: `chains` at once over the pool. */
export async function rotateOnPostgresPerSecond(url: string, chains: number, seconds: number): Promise<number> {
  const heads = await insertPostgresChains(url, chains)
  const rotator = postgresRotator(url)
  try {
    const deadline = performance.now() + seconds * 1000
    const startedAt = performance.now()
    let count = 0
    const runChain = async (chain: number) => {
      while (performance.now() < deadline) {
        const successor = await rotator.rotate(heads[chain] as string)
        if (successor === undefined) throw new Error('chain broken')
        heads[chain] = successor
        count++
      }
    }
    await Promise.all(heads.map((_, chain) => runChain(chain)))
    return count / ((performance.now() - startedAt) / 1000)
  } finally {
    await rotator.close()
  }
}
