import type { Row, RunCpu } from './row.js'

const HEADER = ['scenario', 'workers', 'db', 'latchkey', 'baseline', 'ratio', 'goal', 'met?', 'CPU srv/gen', 'baseline CPU srv/gen', 'p50 / p99 µs', 'note']

/** The results as one Markdown table (readable in a terminal, pasteable into docs/benchmarks.md). */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.workers === undefined ? '' : String(row.workers),
    row.db ?? '',
    `${formatNumber(row.latchkey)} ${row.unit}`,
    row.baseline === undefined ? '—' : `${formatNumber(row.baseline)} ${row.unit}`,
    row.invalid !== undefined ? 'invalid' : row.ratio === undefined ? '—' : row.ratio.toFixed(2),
    row.goal,
    row.invalid !== undefined ? 'invalid' : row.met === undefined ? '—' : row.met ? 'yes' : 'NO',
    formatCpu(row.cpu?.latchkey),
    formatCpu(row.cpu?.baseline),
    row.latencyUs === undefined ? '' : `${formatNumber(row.latencyUs.p50)} / ${formatNumber(row.latencyUs.p99)}`,
    [row.invalid, row.note].filter(Boolean).join('; '),
  ])
  const widths = HEADER.map((title, i) => Math.max(title.length, ...cells.map((line) => (line[i] ?? '').length)))
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')
}

/** "98 / 41 %": the server's and the generator's share of one core during the run. */
function formatCpu(cpu: RunCpu | undefined): string {
  if (cpu === undefined) return ''
  const percent = (value: number | undefined) => (value === undefined ? '–' : Math.round(value).toString())
  return `${percent(cpu.server)} / ${percent(cpu.generator)} %`
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(value >= 10 ? 1 : 2)
}
