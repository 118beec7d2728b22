import type { Budget } from '../budget.js'
import { runPinnedBaseline } from '../baselines/run-pinned-baseline.js'
import type { BaselineTask } from '../baselines/pinned-baseline-process.js'
import { waitUntilIdle } from '../cpu-time.js'
import { runWrk, type WrkLoad, type WrkResult, wrkProblems } from '../load/run-wrk.js'
import { childPids } from '../process-memory.js'
import { type Goal, makeRow, type Row, type RunCpu } from '../row.js'

/**
 * WORKERS of the throughput scenarios: 1 and 2 (both on the server's core: what the cluster
 * costs), only 1 in --quick, which CI runs to keep the harness working and must stay short.
 */
export function workerCounts(budget: Budget): readonly number[] {
  return budget.quick ? [1] : [1, 2]
}

/** A server under load: its URL, and its main process, whose CPU (and its workers') is counted. */
export interface Target {
  url: string
  pid: number
}

/** One side of a ratio, measured: its median round, and every round's rate. */
export interface Measured {
  perSecond: number
  cpu: RunCpu
  latencyUs?: { p50: number; p99: number }
  problems?: string
  roundsPerSecond: number[]
}

/** Something to measure in turns with others: warmed up once, then measured round after round. */
export interface Side {
  warmUp(): Promise<void>
  measure(seconds: number): Promise<Measured>
}

/**
 * Measures the sides in turns, `budget.rounds` rounds of `budget.roundSeconds` (A B A B …) after
 * warming each up, and keeps each side's median round: a drift of the machine's speed over the
 * minutes of a run then weighs on both sides alike.
 */
export async function alternate(budget: Budget, sides: readonly Side[]): Promise<Measured[]> {
  for (const side of sides) await side.warmUp()
  const rounds: Measured[][] = sides.map(() => [])
  for (let round = 0; round < budget.rounds; round++) {
    for (const [i, side] of sides.entries()) rounds[i]?.push(await side.measure(budget.roundSeconds))
  }
  return rounds.map((runs) => {
    const median = [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor((runs.length - 1) / 2)] as Measured
    return { ...median, roundsPerSecond: runs.map((run) => run.perSecond) }
  })
}

/**
 * A server driven by wrk; `load` is asked for again before every run (refresh chains need fresh
 * tokens). After each run the server is left to finish what the run queued (logins still hashing
 * when wrk stops) before anything else is measured.
 */
export function wrkSide(budget: Budget, target: Target, connections: number, load: () => WrkLoad | Promise<WrkLoad>): Side {
  const run = async (seconds: number) => {
    const result = await runWrk({ url: target.url, serverPid: target.pid, connections, seconds, load: await load() })
    await waitUntilIdle([target.pid, ...childPids(target.pid)])
    return result
  }
  return {
    warmUp: async () => {
      if (budget.warmupSeconds > 0) await run(budget.warmupSeconds)
    },
    measure: async (seconds) => fromWrk(await run(seconds)),
  }
}

/** A raw baseline in a process of its own on the server's core(s). */
export function baselineSide(task: BaselineTask): Side {
  return {
    warmUp: async () => {},
    measure: async (seconds) => {
      const result = await runPinnedBaseline({ ...task, seconds })
      return { perSecond: result.perSecond, cpu: { server: result.cpuPercentOfCore }, roundsPerSecond: [result.perSecond] }
    },
  }
}

export function fromWrk(result: WrkResult): Measured {
  return {
    perSecond: result.okPerSecond,
    cpu: { server: result.server?.percentOfCore, generator: result.generator.percentOfCore },
    latencyUs: { p50: result.latencyUs.p50, p99: result.latencyUs.p99 },
    problems: wrkProblems(result),
    roundsPerSecond: [result.okPerSecond],
  }
}

/**
 * A throughput row from two sides measured in turns: each side's median round, and as the ratio
 * the median of the rounds' own ratios (each round's two runs a few seconds apart, so the
 * machine's drift cancels out of it); the CPU, latency and round-by-round ratios come along.
 */
export function throughputRow(
  fields: { scenario: string; workers: number | undefined; db: Row['db']; latchkey: Measured; baseline: Measured; note?: string },
  goal: Goal,
): Row {
  const { latchkey, baseline } = fields
  const perRound = latchkey.roundsPerSecond.map((rate, i) => rate / (baseline.roundsPerSecond[i] ?? Number.NaN))
  const pairedRatio = [...perRound].sort((a, b) => a - b)[Math.floor((perRound.length - 1) / 2)]
  const note = [
    latchkey.problems,
    baseline.problems === undefined ? undefined : `baseline: ${baseline.problems}`,
    perRound.length > 1 ? `rounds ${perRound.map((ratio) => ratio.toFixed(2)).join(', ')}` : undefined,
    fields.note,
  ]
  return makeRow(
    {
      scenario: fields.scenario,
      workers: fields.workers,
      db: fields.db,
      unit: 'req/s',
      latchkey: latchkey.perSecond,
      baseline: baseline.perSecond,
      cpu: { latchkey: latchkey.cpu, baseline: baseline.cpu },
      latencyUs: latchkey.latencyUs,
      note: note.filter(Boolean).join('; ') || undefined,
    },
    goal,
    pairedRatio,
  )
}
