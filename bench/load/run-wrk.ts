import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CpuUse, cpuUse } from '../cpu-time.js'
import { PINNING, pinned } from '../pinning.js'
import { childPids } from '../process-memory.js'

export const WRK = process.env.LATCHKEY_BENCH_WRK ?? '/usr/bin/wrk'
const SCRIPTS = new URL('./wrk/', import.meta.url)
const RESULT_MARK = 'LATCHKEY_WRK_RESULT '

/** What a run sends: a request file cycled (bearer tokens or JSON bodies), refresh chains, or wrk's own fixed request. */
export type WrkLoad =
  | { kind: 'bearer'; method?: string; path: string; tokens: readonly string[] }
  | { kind: 'json'; method?: string; path: string; bodies: readonly string[] }
  | { kind: 'refresh-chains'; path: string; tokens: readonly string[] }
  | { kind: 'plain'; path: string; headers?: Record<string, string> }

export interface WrkOptions {
  url: string
  connections: number
  /** Whole seconds (wrk's -d). */
  seconds: number
  load: WrkLoad
  /** The server's main process: it and its children (cluster workers) are the CPU counted as the server's. */
  serverPid?: number
  /** Each connection waits this long before each request: a steady, moderate rate instead of flat out. */
  thinkMs?: number
}

export interface WrkResult {
  /** Answers below 400 per second of the run. */
  okPerSecond: number
  ok: number
  non2xx: number
  /** Connect, read and write errors, and timeouts. */
  errors: number
  seconds: number
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number }
  /** CPU of the wrk process over the run (its one load thread and its idle main thread). */
  generator: CpuUse
  /** CPU of the server's processes over the same window (undefined without a serverPid). */
  server: CpuUse | undefined
  /** Refresh chains only: requests sent when no token was left. */
  dry: number
}

interface RawResult {
  requests: number
  non2xx: number
  errors: number
  timeouts: number
  durationUs: number
  latencyUs: WrkResult['latencyUs']
  generatorTicks: number
  serverTicks: number
  dry: number
}

/**
 * One wrk run (one thread, pinned to the generator's core) over loopback. The script is the
 * shared reporting part (bench/load/wrk/report.lua) and the load's part, written to a temp dir
 * with the request file; its done() reports the CPU both sides used over the run.
 */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  if (!Number.isInteger(options.seconds) || options.seconds < 1) throw new Error(`wrk runs whole seconds, not ${options.seconds}`)
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-wrk-'))
  try {
    const { script, args, url, wrkOptions } = prepare(dir, options)
    const scriptPath = join(dir, 'load.lua')
    writeFileSync(scriptPath, script)
    const serverPids = options.serverPid === undefined ? [] : [options.serverPid, ...childPids(options.serverPid)]
    const argv = pinned(PINNING.generatorCpus, [WRK, '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', scriptPath, ...wrkOptions, url, '--', ...args])
    const stdout = await run(argv, { ...process.env, LATCHKEY_WRK_SERVER_PIDS: serverPids.join(',') })
    const line = stdout.split('\n').find((text) => text.startsWith(RESULT_MARK))
    if (line === undefined) throw new Error(`wrk printed no result:\n${stdout.slice(-2_000)}`)
    const raw = JSON.parse(line.slice(RESULT_MARK.length)) as RawResult
    const seconds = raw.durationUs / 1e6
    const ok = raw.requests - raw.non2xx
    return {
      okPerSecond: ok / seconds,
      ok,
      non2xx: raw.non2xx,
      errors: raw.errors + raw.timeouts,
      seconds,
      latencyUs: raw.latencyUs,
      generator: cpuUse(raw.generatorTicks, seconds),
      server: options.serverPid === undefined ? undefined : cpuUse(raw.serverTicks, seconds),
      dry: raw.dry,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Prepared {
  script: string
  /** The script's arguments (after `--`). */
  args: string[]
  url: string
  /** wrk options of the load itself (its -H headers). */
  wrkOptions: string[]
}

function prepare(dir: string, options: WrkOptions): Prepared {
  const report = readScript('report.lua')
  const think = options.thinkMs === undefined ? '' : `\nfunction delay() return ${Math.round(options.thinkMs)} end\n`
  const { load } = options
  const url = new URL(load.path, options.url).toString()
  if (load.kind === 'plain') {
    // No request() of ours: wrk's own static request, plus the reporting.
    const headers = Object.entries(load.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
    return { script: `${report}\nfunction init(args) mark_start() end\n${think}`, args: [], url, wrkOptions: headers }
  }
  const file = join(dir, 'lines.txt')
  if (load.kind === 'refresh-chains') {
    writeLines(file, load.tokens)
    return { script: `${report}\n${readScript('refresh-chains.lua')}${think}`, args: [load.path, file], url, wrkOptions: [] }
  }
  writeLines(file, load.kind === 'bearer' ? load.tokens : load.bodies)
  const method = load.method ?? (load.kind === 'bearer' ? 'GET' : 'POST')
  return { script: `${report}\n${readScript('cycle.lua')}${think}`, args: [method, load.path, load.kind, file], url, wrkOptions: [] }
}

function readScript(name: string): string {
  return readFileSync(new URL(name, SCRIPTS), 'utf8')
}

function writeLines(file: string, lines: readonly string[]): void {
  if (lines.length === 0) throw new Error('nothing to send')
  if (lines.some((line) => line.includes('\n'))) throw new Error('a request line holds a newline')
  writeFileSync(file, `${lines.join('\n')}\n`)
}

/** Runs a command to its end; its stdout, or an error with its stderr. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv as [string, ...string[]]
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)))
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}: ${stderr.trim() || stdout.slice(-1_000)}`))
    })
  })
}

/** Notes what went wrong in a run, for the table's note column. */
export function wrkProblems(result: WrkResult): string | undefined {
  const problems = [
    result.non2xx > 0 ? `${result.non2xx} answers ≥ 400` : '',
    result.errors > 0 ? `${result.errors} socket errors/timeouts` : '',
    result.dry > 0 ? `${result.dry} requests without a token` : '',
  ].filter(Boolean)
  return problems.length === 0 ? undefined : problems.join(', ')
}
