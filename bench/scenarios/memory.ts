import { hash } from '@node-rs/argon2'
import SqliteDatabase from 'better-sqlite3'
import { insertLiveSessions } from '../fixtures/insert-live-sessions.js'
import type { Harness } from '../harness.js'
import { mapConcurrently, postJson, type TokenPair } from '../http-client.js'
import { runWrk } from '../load/run-wrk.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'

const SESSIONS_PER_USER = 100
const PASSWORD = 'bench passphrase 7f3c9a'
const MB = 1024 * 1024

/**
 * Resident memory of one server process (WORKERS=1) with memorySessions live sessions in its
 * database, after it has served logins, refreshes and protected requests.
 */
export async function benchMemory(h: Harness): Promise<Row[]> {
  const database = await h.database('sqlite', 'memory')
  const db = new SqliteDatabase(database.path as string)
  const passwordHash = await hash(PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
  const { userNames } = (() => {
    try {
      return insertLiveSessions(db, Math.ceil(h.budget.memorySessions / SESSIONS_PER_USER), SESSIONS_PER_USER, passwordHash)
    } finally {
      db.close()
    }
  })()
  const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
  try {
    // A few logins (each ends its user's least recently used session: the user is at the cap).
    const pairs = await mapConcurrently(8, 4, (i) => postJson<TokenPair>(server.url, '/api/auth/login', { userName: userNames[i], password: PASSWORD }))
    await mapConcurrently(pairs.length, 4, (i) => postJson(server.url, '/api/auth/refresh', { refreshToken: (pairs[i] as TokenPair).refreshToken }))
    const tokens = pairs.map((pair) => pair.accessToken.token)
    await runWrk({ url: server.url, connections: 8, seconds: 1, load: { kind: 'bearer', path: '/api/protected', tokens } })
    const rss = server.residentBytes().total / MB
    const note = `${(h.budget.memorySessions / 1000).toFixed(0)}k sessions; one process`
    return [makeRow({ scenario: `resident memory, ${h.budget.memorySessions} live sessions`, workers: 1, db: 'sqlite', unit: 'MB', latchkey: rss, baseline: undefined, note }, { below: 200 })]
  } finally {
    await server.stop()
  }
}
