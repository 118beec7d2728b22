import type { BenchUser } from '../fixtures/register-users.js'
import type { Harness } from '../harness.js'
import type { WrkLoad } from '../load/run-wrk.js'
import type { Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { alternate, baselineSide, type Measured, throughputRow, workerCounts, wrkSide } from './measure-throughput.js'

/**
 * POST /api/auth/login at loginConcurrency connections, against argon2id verify at the same
 * parameters and the same concurrency straight on @node-rs/argon2, in a process of its own on
 * the server's core(s): the same cores the server hashes on. The two in turns.
 */
export async function benchLogin(h: Harness): Promise<Row[]> {
  const { database, loginUsers } = await h.mainFixture()
  const concurrency = h.budget.loginConcurrency
  const rows: Row[] = []
  for (const workers of workerCounts(h.budget)) {
    const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers })
    try {
      const [latchkey, baseline] = (await alternate(h.budget, [
        wrkSide(h.budget, server, concurrency, () => cyclingLogins(loginUsers)),
        baselineSide({ kind: 'verify-passwords', concurrency, seconds: 0 }),
      ])) as [Measured, Measured]
      rows.push(throughputRow({ scenario: `login, concurrency ${concurrency}`, workers, db: 'sqlite', latchkey, baseline }, { atLeastRatio: 0.85 }))
    } finally {
      await server.stop()
    }
  }
  return rows
}

/** POST /api/auth/login cycling over users (each login is a new session and one argon2id verify). */
export function cyclingLogins(users: readonly BenchUser[]): WrkLoad {
  return { kind: 'json', path: '/api/auth/login', bodies: users.map((user) => JSON.stringify({ userName: user.userName, password: user.password })) }
}
