/** One line of the results table: Latchkey's number, the baseline measured in the same run, the goal. */
export interface Row {
  scenario: string
  workers: number | undefined
  db: 'sqlite' | 'postgres' | undefined
  unit: string
  latchkey: number
  baseline: number | undefined
  /** latchkey / baseline (throughput), or the goal's own measure when there is no baseline. */
  ratio: number | undefined
  goal: string
  met: boolean
  note?: string
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

/** Builds a row and decides whether its goal is met. */
export function makeRow(fields: Omit<Row, 'ratio' | 'goal' | 'met'>, goal: Goal): Row {
  const { latchkey, baseline } = fields
  const ratio = baseline === undefined || baseline === 0 ? undefined : latchkey / baseline
  if ('below' in goal) return { ...fields, ratio, goal: `< ${goal.below} ${fields.unit}`, met: latchkey < goal.below }
  if ('withinRatio' in goal) {
    return { ...fields, ratio, goal: `1 ± ${goal.withinRatio} ×`, met: ratio !== undefined && Math.abs(ratio - 1) <= goal.withinRatio }
  }
  if ('atLeastRatio' in goal) return { ...fields, ratio, goal: `≥ ${goal.atLeastRatio} ×`, met: ratio !== undefined && ratio >= goal.atLeastRatio }
  return { ...fields, ratio, goal: `≤ ${goal.atMostRatio} ×`, met: ratio !== undefined && ratio <= goal.atMostRatio }
}

/** A row produced numbers: the CI check of `--quick` (it asserts no speed). */
export function hasNumbers(row: Row): boolean {
  const finite = (value: number | undefined) => value !== undefined && Number.isFinite(value) && value > 0
  return finite(row.latchkey) && (row.baseline === undefined || finite(row.baseline))
}
