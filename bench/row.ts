/** One line of the results table: Latchkey's number, the baseline measured in the same run, the goal. */
export interface Row {
  scenario: string
  workers: number | undefined
  db: 'sqlite' | 'postgres' | undefined
  unit: string
  latchkey: number
  baseline: number | undefined
  /** latchkey / baseline (throughput), or the goal's own measure; undefined when there is none or the row is invalid. */
  ratio: number | undefined
  goal: string
  /** Undefined for a reference row, which has no goal. */
  met: boolean | undefined
  /** CPU both sides used during each measured run, in percent of one core. */
  cpu?: { latchkey?: RunCpu; baseline?: RunCpu }
  /** Latency of Latchkey's measured run, in microseconds. */
  latencyUs?: { p50: number; p99: number }
  /** Why the row's ratio is not reported (its load generator was the limit). */
  invalid?: string
  note?: string
}

/** Percent of one core busy during a measurement: the server's processes and the load generator's. */
export interface RunCpu {
  server?: number
  generator?: number
}

export type Goal =
  /** latchkey ≥ value × baseline (throughput). */
  | { atLeastRatio: number }
  /** latchkey ≤ value × baseline (latency). */
  | { atMostRatio: number }
  /** latchkey < value, in the row's unit. */
  | { below: number }
  /** |latchkey / baseline − 1| ≤ value: the two are the same within that fraction. */
  | { withinRatio: number }
  /** No goal: the row is there to read the others by (a baseline of a baseline, a peer). */
  | { reference: true }

/** A generator this busy may have been the limit, not the server: the row's ratio is not reported. */
export const GENERATOR_BUSY_LIMIT_PERCENT = 90

/**
 * Builds a row and decides whether its goal is met (never, when a generator was the limit). The
 * ratio is latchkey / baseline unless the caller measured it better (paired rounds).
 */
export function makeRow(fields: Omit<Row, 'ratio' | 'goal' | 'met' | 'invalid'>, goal: Goal, ratio?: number): Row {
  const { latchkey, baseline } = fields
  const measured = ratio ?? (baseline === undefined || baseline === 0 ? undefined : latchkey / baseline)
  const row = (ratio: number | undefined, goalText: string, met: boolean | undefined): Row => {
    const invalid = generatorLimited(fields.cpu)
    return invalid === undefined ? { ...fields, ratio, goal: goalText, met } : { ...fields, ratio: undefined, goal: goalText, met: met === undefined ? undefined : false, invalid }
  }
  if ('reference' in goal) return row(measured, '—', undefined)
  if ('below' in goal) return row(measured, `< ${goal.below} ${fields.unit}`, latchkey < goal.below)
  if ('withinRatio' in goal) return row(measured, `1 ± ${goal.withinRatio} ×`, measured !== undefined && Math.abs(measured - 1) <= goal.withinRatio)
  if ('atLeastRatio' in goal) return row(measured, `≥ ${goal.atLeastRatio} ×`, measured !== undefined && measured >= goal.atLeastRatio)
  return row(measured, `≤ ${goal.atMostRatio} ×`, measured !== undefined && measured <= goal.atMostRatio)
}

function generatorLimited(cpu: Row['cpu']): string | undefined {
  const busy = (['latchkey', 'baseline'] as const).filter((side) => (cpu?.[side]?.generator ?? 0) >= GENERATOR_BUSY_LIMIT_PERCENT)
  if (busy.length === 0) return undefined
  return `generator ≥ ${GENERATOR_BUSY_LIMIT_PERCENT} % busy in the ${busy.join(' and ')} run`
}

/** A row produced numbers: the CI check of `--quick` (it asserts no speed). */
export function hasNumbers(row: Row): boolean {
  const finite = (value: number | undefined) => value !== undefined && Number.isFinite(value) && value > 0
  return finite(row.latchkey) && (row.baseline === undefined || finite(row.baseline))
}
