// `npm run bench [-- --quick] [-- --only protected,refresh] [-- --peers] [-- --cpu-prof DIR]`:
// starts Latchkey in production mode as separate processes pinned to their own core, drives it
// over loopback with wrk pinned to another, measures each scenario's baseline in the same run the
// same way, prints one table and writes bench/results.json.
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { budgetFor } from './budget.js'
import { Harness } from './harness.js'
import { describeMachine } from './machine.js'
import { formatTable } from './print-table.js'
import { WRK } from './load/run-wrk.js'
import { PINNING, pinThisProcess } from './pinning.js'
import { hasNumbers, type Row } from './row.js'
import { benchCacheMiss } from './scenarios/cache-miss.js'
import { benchLogin } from './scenarios/login.js'
import { benchLoginStorm } from './scenarios/login-storm.js'
import { benchLoginOverload } from './scenarios/login-overload.js'
import { benchLoginTiming } from './scenarios/login-timing.js'
import { benchMailTiming } from './scenarios/mail-timing.js'
import { benchMemory } from './scenarios/memory.js'
import { benchPeers } from './scenarios/peers.js'
import { benchProtected } from './scenarios/protected.js'
import { benchRefresh } from './scenarios/refresh.js'
import { benchStartup } from './scenarios/startup.js'

const SCENARIOS: Record<string, (h: Harness) => Promise<Row[]>> = {
  protected: benchProtected,
  'cache-miss': benchCacheMiss,
  refresh: benchRefresh,
  login: benchLogin,
  storm: benchLoginStorm,
  overload: benchLoginOverload,
  'login-timing': benchLoginTiming,
  'mail-timing': benchMailTiming,
  startup: benchStartup,
  memory: benchMemory,
  // Only with --peers: it installs Better Auth in a temp folder first.
  peers: benchPeers,
}
const ON_DEMAND = new Set(['peers'])

const RESULTS_PATH = 'bench/results.json'

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      peers: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  })
  const selected = (values.only ?? Object.keys(SCENARIOS).filter((name) => !ON_DEMAND.has(name))).flatMap((name) => name.split(','))
  if (values.peers && !selected.includes('peers')) selected.push('peers')
  const unknown = selected.filter((name) => !(name in SCENARIOS))
  if (unknown.length > 0) {
    console.error(`unknown scenario: ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})`)
    return 2
  }
  try {
    accessSync(WRK, constants.X_OK)
  } catch {
    console.error(`${WRK} is missing: the load generator is wrk (apt-get install wrk, or set LATCHKEY_BENCH_WRK)`)
    return 2
  }
  if (values['cpu-prof'] !== undefined) process.env.LATCHKEY_BENCH_CPU_PROF_DIR = resolve(values['cpu-prof'])
  // The harness itself (setup, fetch-driven scenarios, the probe thread) stays off the server's core.
  pinThisProcess(PINNING.generatorCpus)
  const loadBefore = loadAverage()

  const budget = budgetFor(values.quick)
  const harness = new Harness(budget)
  const rows: Row[] = []
  const failures: { scenario: string; error: string }[] = []
  const startedAt = new Date()
  console.log(`latchkey bench${budget.quick ? ' --quick' : ''}: ${selected.join(', ')}; NODE_ENV=production, RATE_LIMIT_PER_MINUTE=0`)
  console.log(`  ${PINNING.description}; load average before: ${loadBefore}`)
  try {
    for (const name of selected) {
      const began = performance.now()
      try {
        const produced = await (SCENARIOS[name] as (h: Harness) => Promise<Row[]>)(harness)
        rows.push(...produced)
        console.log(`  ${name}: ${produced.length} rows in ${((performance.now() - began) / 1000).toFixed(1)} s`)
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        failures.push({ scenario: name, error: message })
        console.error(`  ${name}: FAILED: ${message}`)
      }
    }
  } finally {
    await harness.close()
  }

  const seconds = (Date.now() - startedAt.getTime()) / 1000
  const loadAfter = loadAverage()
  console.log(`\n${formatTable(rows)}\n`)
  console.log(`${rows.length} rows in ${seconds.toFixed(0)} s; every Latchkey ran with NODE_ENV=production and RATE_LIMIT_PER_MINUTE=0`)
  console.log(`${PINNING.description}; CPU columns: percent of one core, server / generator, over each measured run`)
  console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`)
  const report = {
    startedAt: startedAt.toISOString(),
    seconds,
    quick: budget.quick,
    budget,
    machine: describeMachine(),
    pinning: PINNING,
    loadAverage: { before: loadBefore, after: loadAfter },
    rateLimitPerMinute: 0,
    rows,
    failures,
  }
  writeFileSync(RESULTS_PATH, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`wrote ${RESULTS_PATH}`)

  // The check CI runs with --quick: every scenario ran and produced numbers. It asserts no speed.
  const empty = rows.filter((row) => !hasNumbers(row))
  for (const row of empty) console.error(`no numbers: ${row.scenario} (workers ${row.workers ?? '-'}, ${row.db ?? '-'})`)
  return failures.length > 0 || empty.length > 0 || rows.length === 0 ? 1 : 0
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'unknown'
  }
}

process.exitCode = await main()
