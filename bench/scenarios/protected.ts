import { startBareHttp } from '../baselines/start-bare-http.js'
import type { Harness, MainFixture } from '../harness.js'
import { mapConcurrently, postJson, type TokenPair } from '../http-client.js'
import { cyclingBearer, loadProblems } from '../load/run-load.js'
import { makeRow, type Row } from '../row.js'
import { type Algorithm } from '../server-env.js'
import { startLatchkey } from '../server-process.js'
import { measureThroughput, WORKER_COUNTS } from './measure-throughput.js'

/**
 * GET /api/protected cycling over the access tokens of ≥ 1,000 live sessions (each token
 * verified once, then served from the verifier's cache), against a bare node:http server
 * answering the same JSON with the same number of processes.
 */
export async function benchProtected(h: Harness): Promise<Row[]> {
  const rows: Row[] = []
  for (const algorithm of ['EdDSA', 'HS256'] as const) {
    const tokens = await accessTokens(h, algorithm)
    for (const workers of WORKER_COUNTS) {
      const latchkey = await protectedRate(h, algorithm, workers, tokens)
      const baseline = await bareHttpRate(h, workers)
      rows.push(
        makeRow(
          {
            scenario: `GET /api/protected ${algorithm}, ${tokens.length} sessions`,
            workers,
            db: undefined,
            unit: 'req/s',
            latchkey: latchkey.okPerSecond,
            baseline,
            note: loadProblems(latchkey),
          },
          { atLeastRatio: 0.7 },
        ),
      )
    }
  }
  return rows
}

/** The cache-hit rate of one configuration; the cache-miss scenario sizes its token supply by it. */
export function protectedRate(h: Harness, algorithm: Algorithm, workers: number, tokens: readonly string[]) {
  return h.once(`protected ${algorithm} ${workers}`, async () => {
    const { database } = await h.mainFixture()
    const server = await startLatchkey({ databaseUrl: database.url, algorithm, workers })
    try {
      return await measureThroughput(h.budget, server.url, h.budget.connections, () => cyclingBearer('/api/protected', tokens))
    } finally {
      await server.stop()
    }
  })
}

function bareHttpRate(h: Harness, workers: number): Promise<number> {
  return h.once(`bare http ${workers}`, async () => {
    const server = await startBareHttp(workers)
    try {
      const result = await measureThroughput(h.budget, server.url, h.budget.connections, () => cyclingBearer('/api/protected', ['bare']))
      return result.okPerSecond
    } finally {
      await server.stop()
    }
  })
}

/**
 * One access token per live session, as the server issued it: EdDSA from the logins; HS256 by
 * refreshing every session once on an HS256 server (same sessions, new HS256 access tokens).
 */
export function accessTokens(h: Harness, algorithm: Algorithm): Promise<string[]> {
  return h.once(`tokens ${algorithm}`, async () => {
    const main = await h.mainFixture()
    if (algorithm === 'EdDSA') return main.pairs.map((pair) => pair.accessToken.token)
    return refreshAll(main)
  })
}

async function refreshAll(main: MainFixture): Promise<string[]> {
  const server = await startLatchkey({ databaseUrl: main.database.url, algorithm: 'HS256', workers: 1 })
  try {
    return await mapConcurrently(main.pairs.length, 8, async (index) => {
      const pair = main.pairs[index] as TokenPair
      const next = await postJson<TokenPair>(server.url, '/api/auth/refresh', { refreshToken: pair.refreshToken })
      main.pairs[index] = { ...pair, refreshToken: next.refreshToken }
      return next.accessToken.token
    })
  } finally {
    await server.stop()
  }
}
