import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './free-port.js'
import { ALL_CPUS, PINNING, pinned } from './pinning.js'
import { childPids, residentBytes } from './process-memory.js'
import { type ServerSettings, serverEnv } from './server-env.js'
import { waitForHealth } from './wait-for-health.js'

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 15_000

export interface ServerProcess {
  url: string
  pid: number
  /** Milliseconds from spawn to the first /healthz 200. */
  startupMs: number
  /** RSS of the process and its workers, in bytes. */
  residentBytes(): { total: number; perProcess: number[] }
  stop(): Promise<void>
}

export interface SpawnOptions {
  /** Extra node flags, e.g. `--cpu-prof` (cluster workers inherit them). */
  nodeArgs?: string[]
  /**
   * Setup only (users, sessions, tokens), nothing measured: run on every core, so that hashing
   * thousands of passwords does not take twice as long.
   */
  setup?: boolean
  /** Every core of the machine, not only the server's (the startup row without pinning). */
  allCores?: boolean
}

/**
 * Starts `node <command>` as a separate process on a free port, on the server's core(s) (taskset
 * execs node in place, so the pid is node's and its workers and threads inherit the mask), and
 * waits until /healthz answers 200.
 */
export async function spawnServer(command: string[], env: NodeJS.ProcessEnv, port: number, cpus = PINNING.serverCpus): Promise<ServerProcess> {
  const startedAt = performance.now()
  const [file, ...args] = pinned(cpus, [process.execPath, ...command]) as [string, ...string[]]
  const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)))
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `server exited early (${code ?? signal}): ${stderr.trim()}`))
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(url, START_TIMEOUT_MS, () => exited)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const startupMs = performance.now() - startedAt
  const pid = child.pid as number
  return {
    url,
    pid,
    startupMs,
    residentBytes() {
      const perProcess = [pid, ...childPids(pid)].map(residentBytes)
      return { total: perProcess.reduce((sum, bytes) => sum + bytes, 0), perProcess }
    },
    stop: () => stopChild(child),
  }
}

/** Latchkey in production mode (`node dist/src/main.js`), as its own process. */
export async function startLatchkey(settings: ServerSettings, options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = settings.port ?? (await freePort())
  const env = serverEnv({ ...settings, port })
  const cpus = (options.setup === true || options.allCores === true) && PINNING.serverCpus !== undefined ? ALL_CPUS : PINNING.serverCpus
  return spawnServer([...(options.nodeArgs ?? cpuProfileArgs()), 'dist/src/main.js'], env, port, cpus)
}

/** `--cpu-prof DIR` on the bench command line profiles every Latchkey process it starts. */
function cpuProfileArgs(): string[] {
  const dir = process.env.LATCHKEY_BENCH_CPU_PROF_DIR
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}

/** SIGTERM (graceful: the server drains and exits 0), SIGKILL if it does not exit in time. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(killer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
