import { runPinnedBaseline } from '../baselines/run-pinned-baseline.js'
import { mintAccessTokens, signingKey } from '../fixtures/mint-access-tokens.js'
import type { Harness } from '../harness.js'
import { runWrk, wrkProblems } from '../load/run-wrk.js'
import { coresIn, PINNING } from '../pinning.js'
import { makeRow, type Row } from '../row.js'
import type { Algorithm } from '../server-env.js'
import { startLatchkey } from '../server-process.js'
import { fromWrk, workerCounts } from './measure-throughput.js'
import { accessTokens, protectedRate } from './protected.js'

/** Distinct tokens the raw baseline cycles over (it keeps no cache, so repeats cost the same). */
const BASELINE_TOKENS = 5_000
/** Margin on the token supply, so a run never comes back to a token it sent. */
const SAFETY = 1.2

/**
 * GET /api/protected where every request carries a token the server has never seen: a copy of
 * a live session's token with its own `jti`, signed beforehand with the server's key (each
 * server process starts with an empty cache, so one supply serves every run). Against raw
 * signature verification of the same tokens straight on node:crypto, in a process on the
 * server's core.
 */
export async function benchCacheMiss(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  const { database } = await h.mainFixture()
  for (const algorithm of ['EdDSA', 'HS256'] as const) {
    const cached = await accessTokens(h, algorithm)
    const key = signingKey(database.path, algorithm)
    const tokens = mintAccessTokens(database.path, algorithm, cached[0] as string, BASELINE_TOKENS)
    const baseline = await runPinnedBaseline({ kind: 'verify-signatures', tokens, key, seconds: Math.max(1, h.budget.loadSeconds / 2) })
    const supply = mintAccessTokens(database.path, algorithm, cached[0] as string, await supplySize(h, algorithm, baseline.perSecond))
    for (const workers of workerCounts(h.budget)) {
      const result = await cacheMissRun(h, algorithm, workers, cached, supply)
      const sent = result.ok + result.non2xx
      rows.push(
        makeRow(
          {
            scenario: `GET /api/protected ${algorithm}, every token new`,
            workers,
            db: undefined,
            unit: 'req/s',
            latchkey: result.okPerSecond,
            baseline: baseline.perSecond,
            cpu: { latchkey: fromWrk(result).cpu, baseline: { server: baseline.cpuPercentOfCore } },
            latencyUs: fromWrk(result).latencyUs,
            note: [
              wrkProblems(result),
              sent > supply.length ? `supply of ${supply.length} wrapped: ${sent - supply.length} repeats were cache hits` : '',
              `baseline: raw verify, one process; ${result.ok} new tokens`,
            ]
              .filter(Boolean)
              .join('; '),
          },
          { atLeastRatio: 0.6 },
        ),
      )
    }
  }
  return rows
}

/**
 * How many fresh tokens a run needs: neither the cache-hit rate (no more work than a cache
 * miss) nor the raw verification rate on the server's cores can be beaten by a cache-miss request.
 */
async function supplySize(h: Harness, algorithm: Algorithm, rawPerCore: number): Promise<number> {
  const cacheHit = await Promise.all(workerCounts(h.budget).map((workers) => protectedRate(h, algorithm, workers)))
  const ceiling = Math.min(Math.max(...cacheHit.map((result) => Math.max(...result.roundsPerSecond))), rawPerCore * coresIn(PINNING.serverCpus))
  return Math.ceil(ceiling * h.budget.cacheMissSeconds * SAFETY)
}

async function cacheMissRun(h: Harness, algorithm: Algorithm, workers: number, cached: readonly string[], supply: readonly string[]) {
  const { database } = await h.mainFixture()
  const server = await startLatchkey({ databaseUrl: database.url, algorithm, workers })
  try {
    const run = (seconds: number, tokens: readonly string[]) =>
      runWrk({ url: server.url, serverPid: server.pid, connections: h.budget.connections, seconds, load: { kind: 'bearer', path: '/api/protected', tokens } })
    // Warm the code paths with cached tokens; the measured run then sends each new token once.
    if (h.budget.warmupSeconds > 0) await run(h.budget.warmupSeconds, cached)
    return await run(h.budget.cacheMissSeconds, supply)
  } finally {
    await server.stop()
  }
}
