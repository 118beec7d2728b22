import type { Harness } from '../harness.js'
import { cyclingLogins } from '../load/cycling-logins.js'
import { cyclingBearer, loadProblems, runLoad } from '../load/run-load.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { accessTokens } from './protected.js'

const PROTECTED_CONNECTIONS = 10

/**
 * p99 of GET /api/protected at a fixed, moderate rate, alone and then while logins run flat
 * out beside it (loginConcurrency connections): argon2 must not starve the event loop.
 */
export async function benchLoginStorm(h: Harness): Promise<Row[]> {
  const { database, loginUsers } = await h.mainFixture()
  const tokens = await accessTokens(h, 'EdDSA')
  const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
  try {
    const protectedLoad = (seconds: number) =>
      runLoad({ url: server.url, connections: PROTECTED_CONNECTIONS, overallRate: h.budget.stormProtectedRate, seconds, requests: cyclingBearer('/api/protected', tokens) })
    await protectedLoad(h.budget.warmupSeconds)
    const quiet = await protectedLoad(h.budget.loadSeconds)
    const [stormy, logins] = await Promise.all([
      protectedLoad(h.budget.loadSeconds),
      runLoad({ url: server.url, connections: h.budget.loginConcurrency, seconds: h.budget.loadSeconds, requests: cyclingLogins(loginUsers) }),
    ])
    const note = [loadProblems(stormy), `${Math.round(logins.okPerSecond)} logins/s beside ${h.budget.stormProtectedRate} req/s`].filter(Boolean).join('; ')
    return [
      makeRow(
        { scenario: 'GET /api/protected p99 during a login storm', workers: 1, db: 'sqlite', unit: 'ms', latchkey: stormy.p99Ms, baseline: quiet.p99Ms, note },
        { atMostRatio: 3 },
      ),
    ]
  } finally {
    await server.stop()
  }
}
