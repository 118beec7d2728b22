import { readFileSync } from 'node:fs'

/** USER_HZ: the unit of utime and stime in /proc/PID/stat (100 on every Linux build in use). */
export const CLOCK_TICKS_PER_SECOND = 100

/** utime + stime of one process (all its threads, the finished ones included), in clock ticks. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The name (field 2) may hold spaces: count fields from the last ')'. utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

/** How busy a set of processes was over a measurement, as a share of one core (100 = one core all the time). */
export interface CpuUse {
  /** CPU seconds used over the measurement. */
  seconds: number
  /** Percent of one core: CPU seconds over wall seconds. */
  percentOfCore: number
}

export function cpuUse(ticks: number, wallSeconds: number): CpuUse {
  const seconds = ticks / CLOCK_TICKS_PER_SECOND
  return { seconds, percentOfCore: wallSeconds > 0 ? (seconds / wallSeconds) * 100 : Number.NaN }
}

/** Starts counting the CPU time of `pids`; `stop()` gives their use since, over the wall time since. */
export function startCpuMeter(pids: readonly number[]): { stop(): CpuUse } {
  const sum = () => pids.reduce((total, pid) => total + cpuTicks(pid), 0)
  const before = sum()
  const startedAt = performance.now()
  return { stop: () => cpuUse(sum() - before, (performance.now() - startedAt) / 1000) }
}

/**
 * Resolves once `pids` have been idle (under `percent` of one core) for a window of `windowMs`,
 * or after `maxMs`: work a measured run left queued (logins still hashing) must not run into the
 * next measurement, which may be another server's on the same core.
 */
export async function waitUntilIdle(pids: readonly number[], { percent = 5, windowMs = 300, maxMs = 20_000 } = {}): Promise<void> {
  const deadline = performance.now() + maxMs
  while (performance.now() < deadline) {
    const meter = startCpuMeter(pids)
    await new Promise((resolve) => setTimeout(resolve, windowMs))
    if (meter.stop().percentOfCore < percent) return
  }
}
