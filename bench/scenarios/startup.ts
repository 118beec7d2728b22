import type { Harness } from '../harness.js'
import { PINNING } from '../pinning.js'
import { makeRow, type Row } from '../row.js'
import { startLatchkey } from '../server-process.js'

/**
 * Milliseconds from spawning `node dist/src/main.js` to the first /healthz 200, migrated SQLite
 * file; the median. Pinned to the server's core like every other row (the goal's row), and again
 * on every core, as `npm start` runs on this machine (V8 compiles and collects on other threads).
 */
export async function benchStartup(h: Harness): Promise<Row[]> {
  const rows = [await startupRow(h, false)]
  if (PINNING.serverCpus !== undefined) rows.push(await startupRow(h, true))
  return rows
}

async function startupRow(h: Harness, allCores: boolean): Promise<Row> {
  const { database } = await h.mainFixture()
  const times: number[] = []
  for (let run = 0; run < h.budget.startupRuns; run++) {
    const server = await startLatchkey({ databaseUrl: database.url, algorithm: 'EdDSA', workers: 1 }, { allCores })
    times.push(server.startupMs)
    await server.stop()
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)] as number
  const note = `median of ${times.length}: ${times.map((ms) => Math.round(ms)).join(', ')} ms`
  const scenario = allCores ? 'process start to /healthz 200, on every core' : 'process start to /healthz 200'
  return makeRow({ scenario, workers: 1, db: 'sqlite', unit: 'ms', latchkey: median, baseline: undefined, note }, allCores ? { reference: true } : { below: 1000 })
}
