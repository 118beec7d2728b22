import type { Harness } from '../harness.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'

/** Milliseconds from spawning `node dist/src/main.js` to the first /healthz 200, migrated SQLite file; the median. */
export async function benchStartup(h: Harness): Promise<Row[]> {
  const { database } = await h.mainFixture()
  const times: number[] = []
  for (let run = 0; run < h.budget.startupRuns; run++) {
    const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 })
    times.push(server.startupMs)
    await server.stop()
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)] as number
  const note = `median of ${times.length}: ${times.map((ms) => Math.round(ms)).join(', ')} ms`
  return [makeRow({ scenario: 'process start to /healthz 200', workers: 1, db: 'sqlite', unit: 'ms', latchkey: median, baseline: undefined, note }, { below: 1000 })]
}
