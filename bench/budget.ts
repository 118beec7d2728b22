/** How long and how big each part of a run is; `--quick` keeps every scenario but shrinks it. */
export interface Budget {
  quick: boolean
  /** Seconds of each measured load run (HTTP scenarios and their baselines): whole seconds, as wrk takes them. */
  loadSeconds: number
  /**
   * A ratio's two sides are measured in turns, this many rounds of roundSeconds each (A B A B …):
   * this machine's speed drifts by ±20 % within a minute, and short turns make both sides drift
   * alike (the row's ratio is the median of the rounds' ratios).
   */
  rounds: number
  roundSeconds: number
  /** Seconds of unmeasured load before each run, so the JIT and caches are warm (whole seconds; none in --quick). */
  warmupSeconds: number
  /** Seconds of each cache-miss run: every request needs a token minted beforehand. */
  cacheMissSeconds: number
  /** Live sessions whose access tokens the protected scenario cycles over. */
  sessions: number
  /** Sessions bulk-inserted for the memory scenario. */
  memorySessions: number
  /** wrk connections for the protected scenarios and the bare node:http baseline. */
  connections: number
  /** Concurrent refresh chains (wrk connections) for the refresh scenarios. */
  refreshChains: number
  /** Concurrent logins: libuv's default thread-pool size, where argon2 runs. */
  loginConcurrency: number
  /** Fixed request rate (req/s) of the protected load whose p99 the login storm scenario compares. */
  stormProtectedRate: number
  startupRuns: number
}

export function budgetFor(quick: boolean): Budget {
  const shared = { connections: 50, refreshChains: 16, loginConcurrency: 4, stormProtectedRate: 1_000 }
  if (quick) {
    return { ...shared, quick, loadSeconds: 1, rounds: 1, roundSeconds: 1, warmupSeconds: 0, cacheMissSeconds: 1, sessions: 100, memorySessions: 10_000, startupRuns: 3 }
  }
  return { ...shared, quick, loadSeconds: 10, rounds: 5, roundSeconds: 2, warmupSeconds: 2, cacheMissSeconds: 5, sessions: 1_000, memorySessions: 100_000, startupRuns: 5 }
}
