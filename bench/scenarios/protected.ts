import { startBareHttp, startFastifyFloor } from '../baselines/start-baseline-server.js'
import type { Harness, MainFixture } from '../harness.js'
import { mapConcurrently, postJson, type TokenPair } from '../http-client.js'
import type { Row } from '../row.js'
import { type Algorithm } from '../server-env.js'
import { startLatchkey } from '../server-process.js'
import { alternate, type Measured, throughputRow, workerCounts, wrkSide } from './measure-throughput.js'

const PATH = '/api/protected'

/**
 * GET /api/protected cycling over the access tokens of ≥ 1,000 live sessions (each token
 * verified once, then served from the verifier's cache), against a bare node:http server
 * answering the same JSON with the same number of processes on the same core, the two measured
 * in turns. First, the check that the harness's generator is not the limit: the bare server as
 * the harness drives it (wrk, a Lua script cycling the tokens) against wrk alone (its one static
 * request, no Lua per request).
 */
export async function benchProtected(h: Harness): Promise<Row[]> {
  const rows: Row[] = [await generatorCheck(h)]
  for (const algorithm of ['EdDSA', 'HS256'] as const) {
    const tokens = await accessTokens(h, algorithm)
    for (const workers of workerCounts(h.budget)) {
      const [latchkey, baseline, floor] = await protectedPair(h, algorithm, workers)
      rows.push(
        throughputRow(
          {
            scenario: `GET /api/protected ${algorithm}, ${tokens.length} sessions`,
            workers,
            db: undefined,
            latchkey,
            baseline,
            note: workers > 1 ? 'both on one core: the cost of the cluster, not scaling' : undefined,
          },
          { atLeastRatio: 0.6 },
        ),
      )
      if (floor !== undefined) {
        const scenario = 'Fastify alone (Latchkey\'s options, logger, request id, headers; no token check)'
        rows.push(throughputRow({ scenario, workers, db: undefined, latchkey: floor, baseline, note: 'the framework\'s floor: measured in turns with the row above' }, { reference: true }))
        rows.push(
          throughputRow(
            { scenario: `GET /api/protected ${algorithm} vs Fastify alone`, workers, db: undefined, latchkey, baseline: floor, note: 'what Latchkey adds to the framework: the token check, its routes and plugins' },
            { reference: true },
          ),
        )
      }
    }
  }
  return rows
}

/**
 * The bare node:http baseline as the harness measures it, against wrk alone on the same server:
 * nine rounds each, since two runs of the same load a minute apart differ by up to 20 % here.
 */
async function generatorCheck(h: Harness): Promise<Row> {
  const tokens = await accessTokens(h, 'EdDSA')
  const server = await startBareHttp(1)
  const budget = { ...h.budget, rounds: h.budget.quick ? 1 : 9 }
  try {
    const [harness, alone] = await alternate(budget, [
      wrkSide(h.budget, server, h.budget.connections, () => ({ kind: 'bearer', path: PATH, tokens })),
      wrkSide(h.budget, server, h.budget.connections, () => ({ kind: 'plain', path: PATH, headers: { authorization: `Bearer ${tokens[0]}` } })),
    ]) as [Measured, Measured]
    return throughputRow(
      { scenario: 'bare node:http: harness generator vs wrk alone', workers: 1, db: undefined, latchkey: harness, baseline: alone, note: 'wrk + Lua cycling tokens / wrk alone' },
      { withinRatio: 0.1 },
    )
  } finally {
    await server.stop()
  }
}

/**
 * Latchkey and the bare node:http server, `workers` processes each, measured in turns; with one
 * EdDSA worker, also Fastify alone with Latchkey's framework options (the framework's floor).
 */
function protectedPair(h: Harness, algorithm: Algorithm, workers: number): Promise<[Measured, Measured, Measured?]> {
  return h.once(`protected ${algorithm} ${workers}`, async () => {
    const { database } = await h.mainFixture()
    const tokens = await accessTokens(h, algorithm)
    const latchkey = await startLatchkey({ databaseUrl: database.url, algorithm, workers })
    try {
      const bare = await startBareHttp(workers)
      const floor = algorithm === 'EdDSA' && workers === 1 ? await startFastifyFloor() : undefined
      try {
        const load = () => ({ kind: 'bearer' as const, path: PATH, tokens })
        const sides = [latchkey, bare, ...(floor === undefined ? [] : [floor])].map((server) => wrkSide(h.budget, server, h.budget.connections, load))
        return (await alternate(h.budget, sides)) as [Measured, Measured, Measured?]
      } finally {
        await floor?.stop()
        await bare.stop()
      }
    } finally {
      await latchkey.stop()
    }
  })
}

/** Latchkey's cache-hit rate in one configuration (the cache-miss scenario sizes its token supply by it). */
export async function protectedRate(h: Harness, algorithm: Algorithm, workers: number): Promise<Measured> {
  return (await protectedPair(h, algorithm, workers))[0]
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
  const server = await startLatchkey({ databaseUrl: main.database.url, algorithm: 'HS256', workers: 1 }, { setup: true })
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
