import type { BenchUser } from '../fixtures/register-users.js'
import type { Harness } from '../harness.js'
import { percentile, type ProbeResult, probeLatency } from '../load/latency-probe.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { accessTokens } from './protected.js'

/** Logins fired at once in each wave of the storm. */
const STORM_LOGINS = 300
/** Pause between one probe answer and the next request of the same path (≤ 500 req/s each). */
const PROBE_INTERVAL_MS = 2

interface StormCount {
  waves: number
  logins: number
  ok: number
  /** 503 service_unavailable with Retry-After and problem+json, as the contract says. */
  refused: number
  /** Anything else, 503s without Retry-After included. */
  other: number
}

/**
 * Overload (contract §4.5): waves of 300 concurrent logins, each wave fired once the last is
 * answered, against one process (WORKERS=1: two niced hashing threads on this machine). The
 * bounded hashing queue admits what it can hash within about 2 s and answers the rest 503 at
 * once. Beside the storm, GET /api/protected and GET /healthz are timed one request at a time
 * on a thread of their own; their p99, in microseconds, is compared with the same probe alone.
 */
export async function benchLoginOverload(h: Harness): Promise<Row[]> {
  const { database, loginUsers } = await h.mainFixture()
  const [token] = await accessTokens(h, 'EdDSA')
  if (token === undefined) throw new Error('no access token to probe with')
  const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
  try {
    const probe = (seconds: number) =>
      probeLatency({
        url: server.url,
        seconds,
        intervalMs: PROBE_INTERVAL_MS,
        targets: [
          { name: 'protected', path: '/api/protected', headers: { authorization: `Bearer ${token}` } },
          { name: 'healthz', path: '/healthz' },
        ],
      })
    // Warm-up: the login path's JIT, the storm's 300 connections and the service-time estimate.
    const warmupSeconds = Math.max(h.budget.warmupSeconds, 0.3)
    await Promise.all([probe(warmupSeconds), loginStorm(server.url, loginUsers, warmupSeconds)])
    const idle = await probe(h.budget.loadSeconds)
    const [stormy, storm] = await Promise.all([probe(h.budget.loadSeconds), loginStorm(server.url, loginUsers, h.budget.loadSeconds)])

    const stormNote = `${storm.refused} of ${storm.logins} logins 503 in ${storm.waves} wave(s) of ${STORM_LOGINS}; ${storm.ok} ok${storm.other > 0 ? `, ${storm.other} other` : ''}`
    const row = (name: 'protected' | 'healthz', scenario: string) =>
      makeRow(
        {
          scenario,
          workers: 1,
          db: 'sqlite',
          unit: 'µs',
          latchkey: percentile((stormy[name] as ProbeResult).latenciesUs, 99),
          baseline: percentile((idle[name] as ProbeResult).latenciesUs, 99),
          note: [probeProblems(stormy[name]), probeProblems(idle[name]), stormNote].filter(Boolean).join('; '),
        },
        { atMostRatio: 3 },
      )
    return [
      row('protected', `GET /api/protected p99 during waves of ${STORM_LOGINS} logins`),
      row('healthz', `GET /healthz p99 during waves of ${STORM_LOGINS} logins`),
    ]
  } finally {
    await server.stop()
  }
}

/** Fires STORM_LOGINS logins at once, again and again until `seconds` have passed. */
async function loginStorm(url: string, users: readonly BenchUser[], seconds: number): Promise<StormCount> {
  const count: StormCount = { waves: 0, logins: 0, ok: 0, refused: 0, other: 0 }
  const until = performance.now() + seconds * 1000
  let next = 0
  while (performance.now() < until) {
    const statuses = await Promise.all(
      Array.from({ length: STORM_LOGINS }, () => {
        const user = users[next++ % users.length] as BenchUser
        return login(url, user)
      }),
    )
    count.waves++
    for (const status of statuses) {
      count.logins++
      if (status === 200) count.ok++
      else if (status === 'refused') count.refused++
      else count.other++
    }
  }
  return count
}

async function login(url: string, user: BenchUser): Promise<number | 'refused'> {
  try {
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName: user.userName, password: user.password }),
    })
    const body = await response.text()
    const asContract =
      response.status === 503 &&
      /^[1-9]\d*$/.test(response.headers.get('retry-after') ?? '') &&
      (response.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
      body.includes('"service_unavailable"')
    return asContract ? 'refused' : response.status
  } catch {
    return 0
  }
}

function probeProblems(result: ProbeResult | undefined): string | undefined {
  return result !== undefined && result.failures > 0 ? `${result.failures} probe failures` : undefined
}
