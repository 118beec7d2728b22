import { verifyPasswordsPerSecond } from '../baselines/verify-passwords.js'
import type { Harness } from '../harness.js'
import { cyclingLogins } from '../load/cycling-logins.js'
import { loadProblems } from '../load/run-load.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'
import { measureThroughput, WORKER_COUNTS } from './measure-throughput.js'

/**
 * POST /api/auth/login at loginConcurrency connections, against argon2id verify at the same
 * parameters and the same concurrency straight on @node-rs/argon2 (in the harness process).
 */
export async function benchLogin(h: Harness): Promise<Row[]> {
  const { database, loginUsers } = await h.mainFixture()
  const concurrency = h.budget.loginConcurrency
  const baseline = await verifyPasswordsPerSecond(concurrency, h.budget.loadSeconds)
  const rows: Row[] = []
  for (const workers of WORKER_COUNTS) {
    const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers })
    try {
      const result = await measureThroughput(h.budget, server.url, concurrency, () => cyclingLogins(loginUsers))
      rows.push(
        makeRow(
          { scenario: `login, concurrency ${concurrency}`, workers, db: 'sqlite', unit: 'req/s', latchkey: result.okPerSecond, baseline, note: loadProblems(result) },
          { atLeastRatio: 0.85 },
        ),
      )
    } finally {
      await server.stop()
    }
  }
  return rows
}
