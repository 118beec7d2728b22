import type { Harness } from '../harness.js'
import { runWrk, wrkProblems } from '../load/run-wrk.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { cyclingLogins } from './login.js'
import { fromWrk } from './measure-throughput.js'
import { accessTokens } from './protected.js'

const PROTECTED_CONNECTIONS = 10

/**
 * p99 of GET /api/protected at a steady, moderate rate (each of 10 connections waits between an
 * answer and its next request), alone and then while logins run flat out beside it
 * (loginConcurrency connections): argon2 must not starve the event loop. Latencies from wrk,
 * in microseconds, each measured from the request's send to its answer.
 */
export async function benchLoginStorm(h: Harness): Promise<Row[]> {
  const { database, loginUsers } = await h.mainFixture()
  const tokens = await accessTokens(h, 'EdDSA')
  const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
  try {
    const thinkMs = (PROTECTED_CONNECTIONS * 1000) / h.budget.stormProtectedRate
    const protectedLoad = (seconds: number) =>
      runWrk({ url: server.url, serverPid: server.pid, connections: PROTECTED_CONNECTIONS, seconds, thinkMs, load: { kind: 'bearer', path: '/api/protected', tokens } })
    const logins = (seconds: number) => runWrk({ url: server.url, connections: h.budget.loginConcurrency, seconds, load: cyclingLogins(loginUsers) })
    if (h.budget.warmupSeconds > 0) await Promise.all([protectedLoad(h.budget.warmupSeconds), logins(h.budget.warmupSeconds)])
    const quiet = await protectedLoad(h.budget.loadSeconds)
    const [stormy, storm] = await Promise.all([protectedLoad(h.budget.loadSeconds), logins(h.budget.loadSeconds)])
    const note = [
      wrkProblems(stormy),
      `${Math.round(storm.okPerSecond)} logins/s beside ${Math.round(stormy.okPerSecond)} req/s; p50 ${stormy.latencyUs.p50} µs (idle ${quiet.latencyUs.p50} µs)`,
    ]
      .filter(Boolean)
      .join('; ')
    return [
      makeRow(
        {
          scenario: 'GET /api/protected p99 during a login storm',
          workers: 1,
          db: 'sqlite',
          unit: 'µs',
          latchkey: stormy.latencyUs.p99,
          baseline: quiet.latencyUs.p99,
          // Both generators share one core: their sum is what it had left.
          cpu: { latchkey: { ...fromWrk(stormy).cpu, generator: stormy.generator.percentOfCore + storm.generator.percentOfCore }, baseline: fromWrk(quiet).cpu },
          note,
        },
        { atMostRatio: 3 },
      ),
    ]
  } finally {
    await server.stop()
  }
}
