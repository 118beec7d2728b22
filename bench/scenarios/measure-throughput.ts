import type autocannon from 'autocannon'
import type { Budget } from '../budget.js'
import { type LoadResult, runLoad } from '../load/run-load.js'

/** A warm-up run, then the measured one, both over the same request stream. */
export async function measureThroughput(
  budget: Budget,
  url: string,
  connections: number,
  requests: () => autocannon.Request[],
  beforeEach: () => Promise<void> = async () => {},
): Promise<LoadResult> {
  await beforeEach()
  await runLoad({ url, connections, seconds: budget.warmupSeconds, requests: requests() })
  await beforeEach()
  return runLoad({ url, connections, seconds: budget.loadSeconds, requests: requests() })
}

export const WORKER_COUNTS = [1, 2] as const
