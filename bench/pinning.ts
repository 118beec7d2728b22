import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/**
 * Which cores the server under test gets and which the load generator (and this harness) get.
 * With two cores or more: the server on CPU 0, everything else on CPU 1, so neither steals the
 * other's time (override with LATCHKEY_BENCH_SERVER_CPUS / LATCHKEY_BENCH_GENERATOR_CPUS, taskset
 * lists such as "0-1"). On one core nothing is pinned, and the table says so.
 */
export interface Pinning {
  serverCpus: string | undefined
  generatorCpus: string | undefined
  /** How the table's header describes it. */
  description: string
}

export function pinningFor(cpuCount = availableParallelism()): Pinning {
  const server = process.env.LATCHKEY_BENCH_SERVER_CPUS ?? (cpuCount >= 2 ? '0' : undefined)
  const generator = process.env.LATCHKEY_BENCH_GENERATOR_CPUS ?? (cpuCount >= 2 ? '1' : undefined)
  if (server === undefined || generator === undefined) {
    return { serverCpus: undefined, generatorCpus: undefined, description: `not pinned: ${cpuCount} core(s), the server and the load generator share them` }
  }
  return { serverCpus: server, generatorCpus: generator, description: `server on CPU ${server} (taskset -c ${server}, all its processes and threads), load generator and harness on CPU ${generator}` }
}

export const PINNING = pinningFor()

/** Every core of the machine (the harness's own mask is the generator's, which children inherit). */
export const ALL_CPUS = `0-${availableParallelism() - 1}`

/** `argv` run under `taskset -c cpus` (as is, when not pinning). */
export function pinned(cpus: string | undefined, argv: readonly string[]): string[] {
  return cpus === undefined ? [...argv] : ['taskset', '-c', cpus, ...argv]
}

/** Moves every thread of this process to `cpus`; what it starts later inherits the mask. */
export function pinThisProcess(cpus: string | undefined): void {
  if (cpus === undefined) return
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' })
}

/** How many cores a taskset list names ("0", "0-1", "0,2-3"); every core when not pinning. */
export function coresIn(cpus: string | undefined): number {
  if (cpus === undefined) return availableParallelism()
  return cpus.split(',').reduce((count, part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined]
    return count + (to === undefined ? 1 : to - from + 1)
  }, 0)
}
