import { rotateOnPostgresPerSecond } from '../baselines/rotate-on-postgres.js'
import { rotateOnSqlitePerSecond } from '../baselines/rotate-on-sqlite.js'
import { postgresAnswers } from '../databases.js'
import type { BenchUser } from '../fixtures/register-users.js'
import { registerUsers } from '../fixtures/register-users.js'
import { logInSessions } from '../fixtures/log-in-sessions.js'
import type { Harness } from '../harness.js'
import { loadProblems } from '../load/run-load.js'
import { refreshChains } from '../load/refresh-chains.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { measureThroughput, WORKER_COUNTS } from './measure-throughput.js'

/**
 * POST /api/auth/refresh, each request a fresh token (refreshChains concurrent chains, each
 * started by a login), against the same rotation transaction straight on the driver.
 */
export async function benchRefresh(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  const main = await h.mainFixture()
  const sqliteBaseline = rotateOnSqlitePerSecond((await h.database('sqlite', 'raw-rotation')).path as string, h.budget.refreshChains, h.budget.loadSeconds / 2)
  for (const workers of WORKER_COUNTS) {
    const result = await refreshRun(h, main.database.url, workers, main.loginUsers)
    rows.push(refreshRow('sqlite', workers, result, sqliteBaseline, 0.5))
  }
  if (!(await postgresAnswers())) {
    console.log('note: PostgreSQL does not answer: refresh on PostgreSQL skipped')
    return rows
  }
  const database = await h.database('postgres', 'refresh')
  const users = await h.once('postgres users', () => registerOn(database.url))
  for (const workers of WORKER_COUNTS) {
    const result = await refreshRun(h, database.url, workers, users)
    const baseline = await h.once('raw pg rotation', () => rotateOnPostgresPerSecond(database.url, h.budget.refreshChains, h.budget.loadSeconds / 2))
    rows.push(refreshRow('postgres', workers, result, baseline, 0.6))
  }
  return rows
}

async function refreshRun(h: Harness, databaseUrl: string, workers: number, users: readonly BenchUser[]) {
  const server = await startLatchkey({ databaseUrl, algorithm: 'EdDSA', workers })
  const pool: string[] = []
  // Each run starts every chain with a login: the chains of an earlier run are not reused.
  const topUp = async () => {
    const missing = h.budget.refreshChains - pool.length
    if (missing > 0) pool.push(...(await logInSessions(server.url, users, missing)).map((pair) => pair.refreshToken))
  }
  try {
    return await measureThroughput(h.budget, server.url, h.budget.refreshChains, () => refreshChains(pool), topUp)
  } finally {
    await server.stop()
  }
}

async function registerOn(databaseUrl: string): Promise<BenchUser[]> {
  const server = await startLatchkey({ databaseUrl, algorithm: 'EdDSA', workers: 1 })
  try {
    return await registerUsers(server.url, 'login', 8)
  } finally {
    await server.stop()
  }
}

function refreshRow(db: 'sqlite' | 'postgres', workers: number, result: Awaited<ReturnType<typeof refreshRun>>, baseline: number, goal: number): Row {
  return makeRow(
    { scenario: 'refresh exchange', workers, db, unit: 'req/s', latchkey: result.okPerSecond, baseline, note: loadProblems(result) },
    { atLeastRatio: goal },
  )
}
