import { availableParallelism } from 'node:os'
import { verifySignaturesPerSecond } from '../baselines/verify-signatures.js'
import { mintAccessTokens, signingKey } from '../fixtures/mint-access-tokens.js'
import type { Harness } from '../harness.js'
import { cyclingBearer, eachBearerOnce, loadProblems, runLoad } from '../load/run-load.js'
import { makeRow, type Row } from '../row.js'
import type { Algorithm } from '../server-env.js'
import { startLatchkey } from '../server-process.js'
import { accessTokens, protectedRate } from './protected.js'
import { WORKER_COUNTS } from './measure-throughput.js'

/** Distinct tokens the raw baseline cycles over (it keeps no cache, so repeats cost the same). */
const BASELINE_TOKENS = 5_000
/** Margin on the token supply, so a run lasts about cacheMissSeconds or a little longer. */
const SAFETY = 1.1
/** A run ends when its tokens are used up, or after this many times cacheMissSeconds. */
const MAX_STRETCH = 3

/**
 * GET /api/protected where every request carries a token the server has never seen: a copy of
 * a live session's token with its own `jti`, signed beforehand with the server's key (each
 * server process starts with an empty cache, so one supply serves every run). Against raw
 * signature verification of the same tokens on one core, straight on node:crypto.
 */
export async function benchCacheMiss(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  const { database } = await h.mainFixture()
  for (const algorithm of ['EdDSA', 'HS256'] as const) {
    const cached = await accessTokens(h, algorithm)
    const key = signingKey(database.path, algorithm)
    const baseline = verifySignaturesPerSecond(mintAccessTokens(database.path, algorithm, cached[0] as string, BASELINE_TOKENS), key, h.budget.loadSeconds / 2)
    const supply = mintAccessTokens(database.path, algorithm, cached[0] as string, await supplySize(h, algorithm, cached, baseline))
    for (const workers of WORKER_COUNTS) {
      const result = await cacheMissRun(h, algorithm, workers, cached, supply)
      rows.push(
        makeRow(
          {
            scenario: `GET /api/protected ${algorithm}, every token new`,
            workers,
            db: undefined,
            unit: 'req/s',
            latchkey: result.okPerSecond,
            baseline,
            note: [loadProblems(result), `baseline on one core; ${result.ok} new tokens in ${result.seconds.toFixed(1)} s`].filter(Boolean).join('; '),
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
 * miss) nor the raw verification rate on every core can be beaten by a cache-miss request.
 */
async function supplySize(h: Harness, algorithm: Algorithm, cached: readonly string[], rawPerCore: number): Promise<number> {
  const cacheHit = await Promise.all(WORKER_COUNTS.map((workers) => protectedRate(h, algorithm, workers, cached)))
  const ceiling = Math.min(Math.max(...cacheHit.map((result) => result.okPerSecond)), rawPerCore * availableParallelism())
  return Math.ceil(ceiling * h.budget.cacheMissSeconds * SAFETY)
}

async function cacheMissRun(h: Harness, algorithm: Algorithm, workers: number, cached: readonly string[], supply: readonly string[]) {
  const { database } = await h.mainFixture()
  const server = await startLatchkey({ databaseUrl: database.url, algorithm, workers })
  try {
    // Warm the code paths with cached tokens; the measured run then sends each new token once.
    await runLoad({ url: server.url, connections: h.budget.connections, seconds: h.budget.warmupSeconds, requests: cyclingBearer('/api/protected', cached) })
    const seconds = h.budget.cacheMissSeconds * MAX_STRETCH
    const stream = eachBearerOnce('/api/protected', supply)
    const load = await runLoad({ url: server.url, connections: h.budget.connections, seconds, requests: stream.requests })
    return { ...load, ...stream.result() }
  } finally {
    await server.stop()
  }
}
