// Times single GET requests, one after another at a steady pace, on a thread of its own: the
// load generator on the main thread (hundreds of sockets) would otherwise delay the probe's own
// callbacks and add its queueing to the latencies, which are reported to the microsecond.
import { Agent, get } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Piscina } from 'piscina'

export interface ProbeTarget {
  name: string
  path: string
  headers?: Record<string, string>
}

export interface ProbeTask {
  url: string
  targets: ProbeTarget[]
  seconds: number
  /** Pause between one answer and the next request of the same target. */
  intervalMs: number
}

export interface ProbeResult {
  /** Latencies in microseconds, in order sent. */
  latenciesUs: number[]
  /** Answers other than 200, and requests that failed. */
  failures: number
}

/** Probes every target side by side for `seconds`, each over one keep-alive connection. */
export async function probeLatency(task: ProbeTask): Promise<Record<string, ProbeResult>> {
  // Under tsx (the bench) this module is .ts; piscina loads it in the worker through tsx too.
  const pool = new Piscina<ProbeTask, Record<string, ProbeResult>>({ filename: import.meta.url, minThreads: 1, maxThreads: 1 })
  try {
    return await pool.run(task)
  } finally {
    await pool.close()
  }
}

/** The worker side: run by piscina, never called directly. */
export default async function probe(task: ProbeTask): Promise<Record<string, ProbeResult>> {
  const until = performance.now() + task.seconds * 1000
  const results = await Promise.all(task.targets.map((target) => probeOne(task.url, target, until, task.intervalMs)))
  return Object.fromEntries(task.targets.map((target, i) => [target.name, results[i] as ProbeResult]))
}

async function probeOne(url: string, target: ProbeTarget, until: number, intervalMs: number): Promise<ProbeResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const result: ProbeResult = { latenciesUs: [], failures: 0 }
  try {
    while (performance.now() < until) {
      const startedAt = process.hrtime.bigint()
      const status = await getStatus(`${url}${target.path}`, target.headers ?? {}, agent)
      result.latenciesUs.push(Number(process.hrtime.bigint() - startedAt) / 1000)
      if (status !== 200) result.failures++
      await sleep(intervalMs)
    }
  } finally {
    agent.destroy()
  }
  return result
}

/** The status once the whole body is read (0 when the request failed). */
function getStatus(url: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, { headers, agent }, (response) => {
      response.resume()
      response.once('end', () => resolve(response.statusCode ?? 0))
      response.once('error', () => resolve(0))
    })
    request.once('error', () => resolve(0))
  })
}

/** The p-th percentile (0–100) of a list of numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
