import { insertPostgresChains } from '../baselines/rotate-on-postgres.js'
import { insertSqliteChains } from '../baselines/rotate-on-sqlite.js'
import { startRotateOverHttp } from '../baselines/start-baseline-server.js'
import { type BenchDatabase, postgresAnswers } from '../databases.js'
import { type BenchUser, registerUsers } from '../fixtures/register-users.js'
import { logInSessions } from '../fixtures/log-in-sessions.js'
import type { Harness } from '../harness.js'
import type { Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { accessTokens } from './protected.js'
import { alternate, baselineSide, type Measured, throughputRow, workerCounts, wrkSide } from './measure-throughput.js'

const PATH = '/api/auth/refresh'

/**
 * POST /api/auth/refresh, each request a fresh token (refreshChains concurrent chains, each
 * started by a login), against the limit of the same job: a bare node:http server that parses
 * the same body, runs the same rotation statements straight on the driver and answers a pair
 * (rotate-over-http.ts). Next to it, the statements alone with no HTTP (rotate-on-*.ts), both
 * baselines in processes of their own on the server's core.
 */
export async function benchRefresh(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  const main = await h.mainFixture()
  rows.push(...(await refreshRows(h, main.database.url, main.loginUsers, await h.database('sqlite', 'raw-rotation'))))
  if (!(await postgresAnswers())) {
    console.log('note: PostgreSQL does not answer: refresh on PostgreSQL skipped')
    return rows
  }
  const database = await h.database('postgres', 'refresh')
  const users = await registerOn(database.url)
  rows.push(...(await refreshRows(h, database.url, users, await h.database('postgres', 'raw-rotation'))))
  return rows
}

async function refreshRows(h: Harness, databaseUrl: string, users: readonly BenchUser[], raw: BenchDatabase): Promise<Row[]> {
  const db = raw.kind
  const chains = h.budget.refreshChains
  const [sample] = await accessTokens(h, 'EdDSA')
  const rawServer = await startRotateOverHttp(raw.url, sample?.length ?? 560)
  const rows: Row[] = []
  try {
    // Its chains written straight into the database before every run.
    const heads = () => (raw.kind === 'sqlite' ? insertSqliteChains(raw.path as string, chains) : insertPostgresChains(raw.url, chains))
    const overHttp = wrkSide(h.budget, rawServer, chains, async () => ({ kind: 'refresh-chains', path: PATH, tokens: await heads() }))
    for (const workers of workerCounts(h.budget)) {
      const server = await startLatchkey({ databaseUrl, algorithm: 'EdDSA', workers })
      try {
        // Every run (the warm-up too) starts each chain with a login: no chain is reused.
        const logins = async () => (await logInSessions(server.url, users, chains)).map((pair) => pair.refreshToken)
        const latchkey = wrkSide(h.budget, server, chains, async () => ({ kind: 'refresh-chains', path: PATH, tokens: await logins() }))
        const [measured, baseline] = (await alternate(h.budget, [latchkey, overHttp])) as [Measured, Measured]
        rows.push(
          throughputRow(
            { scenario: 'refresh exchange vs raw rotation over node:http', workers, db, latchkey: measured, baseline, note: db === 'postgres' ? 'PostgreSQL itself unpinned' : undefined },
            { atLeastRatio: 0.6 },
          ),
        )
      } finally {
        await server.stop()
      }
    }
    const statementsTask =
      db === 'sqlite' ? { kind: 'rotate-on-sqlite' as const, path: raw.path as string, chains, seconds: 0 } : { kind: 'rotate-on-postgres' as const, url: raw.url, chains, seconds: 0 }
    const [http, statements] = (await alternate(h.budget, [overHttp, baselineSide(statementsTask)])) as [Measured, Measured]
    rows.push(
      throughputRow(
        { scenario: 'raw rotation: over node:http vs statements alone', workers: 1, db, latchkey: http, baseline: statements, note: `statements alone: ${chains} chains, no HTTP, one process` },
        { reference: true },
      ),
    )
  } finally {
    await rawServer.stop()
  }
  return rows
}

async function registerOn(databaseUrl: string): Promise<BenchUser[]> {
  const server = await startLatchkey({ databaseUrl, algorithm: 'EdDSA', workers: 1 }, { setup: true })
  try {
    return await registerUsers(server.url, 'login', 8)
  } finally {
    await server.stop()
  }
}
