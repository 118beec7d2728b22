import type { Row } from './row.js'

const HEADER = ['scenario', 'workers', 'db', 'latchkey', 'baseline', 'ratio', 'goal', 'met?', 'note']

/** The results as one Markdown table (readable in a terminal, pasteable into docs/benchmarks.md). */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.workers === undefined ? '' : String(row.workers),
    row.db ?? '',
    `${formatNumber(row.latchkey)} ${row.unit}`,
    row.baseline === undefined ? '—' : `${formatNumber(row.baseline)} ${row.unit}`,
    row.ratio === undefined ? '—' : row.ratio.toFixed(2),
    row.goal,
    row.met ? 'yes' : 'NO',
    row.note ?? '',
  ])
  const widths = HEADER.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)))
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(value >= 10 ? 1 : 2)
}
