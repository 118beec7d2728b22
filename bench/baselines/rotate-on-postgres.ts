import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'
import { randomId } from '../../src/crypto/random-id.js'
import { FIND_TOKEN, INSERT_TOKEN, numbered, REFRESH_TTL_MS, SEALED_SUCCESSOR_STAND_IN, TOUCH_SESSION, USE_TOKEN } from './rotation-sql.js'

interface TokenRow {
  id: string
  session_id: string
  used_at: string | null
  ended_at: string | null
}

/**
 * Refresh-token rotations per second straight on `pg`, `chains` at once over a pool of 10
 * connections (Latchkey's pool size), on a migrated Latchkey database.
 */
export async function rotateOnPostgresPerSecond(url: string, chains: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  try {
    const heads = await insertChains(pool, chains)
    const deadline = performance.now() + seconds * 1000
    const startedAt = performance.now()
    let count = 0
    const runChain = async (chain: number) => {
      while (performance.now() < deadline) {
        heads[chain] = await rotateOnce(pool, heads[chain] as string)
        count++
      }
    }
    await Promise.all(heads.map((_, chain) => runChain(chain)))
    return count / ((performance.now() - startedAt) / 1000)
  } finally {
    await pool.end()
  }
}

async function rotateOnce(pool: pg.Pool, token: string): Promise<string> {
  const found = await pool.query<TokenRow>(numbered(FIND_TOKEN), [sha256(token)])
  const row = found.rows[0]
  if (row === undefined || row.used_at !== null || row.ended_at !== null) throw new Error('chain broken')
  const successor = randomBytes(32).toString('base64url')
  const successorId = randomId()
  const now = Date.now()
  const client = await pool.connect()
  try {
    await client.query('begin')
    const touched = await client.query(numbered(TOUCH_SESSION), [now, '127.0.0.1', 'latchkey-bench', now + REFRESH_TTL_MS, row.session_id, now])
    if (touched.rowCount !== 1) throw new Error('session not live')
    const used = await client.query(numbered(USE_TOKEN), [now, successorId, SEALED_SUCCESSOR_STAND_IN, row.id])
    if (used.rowCount !== 1) throw new Error('token already used')
    await client.query(numbered(INSERT_TOKEN), [successorId, row.session_id, sha256(successor), now, now + REFRESH_TTL_MS])
    await client.query('commit')
  } catch (error) {
    await client.query('rollback')
    throw error
  } finally {
    client.release()
  }
  return successor
}

/** One user with `chains` live sessions, one unused refresh token each; returns the tokens. */
async function insertChains(pool: pg.Pool, chains: number): Promise<string[]> {
  const now = Date.now()
  const userId = randomId()
  const name = `raw-${userId}`.toLowerCase()
  await pool.query('insert into users values ($1, $2, $2, $3, $3, $4, $4, $5, null, $6)', [userId, name, `${name}@bench.example`, 'Raw', 'x', now])
  const tokens: string[] = []
  for (let i = 0; i < chains; i++) {
    const sessionId = randomId()
    await pool.query('insert into sessions values ($1, $2, $3, $3, $4, $5, null, null, null, null)', [sessionId, userId, now, now + 30 * 86_400_000, now + REFRESH_TTL_MS])
    const token = randomBytes(32).toString('base64url')
    await pool.query(numbered(INSERT_TOKEN), [randomId(), sessionId, sha256(token), now, now + REFRESH_TTL_MS])
    tokens.push(token)
  }
  return tokens
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}
