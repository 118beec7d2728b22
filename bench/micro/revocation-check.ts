/**
 * The cost of the ended-session check on every authenticated request: `authenticate()` on a
 * token verified before (the usual request: no signature check, no promise), with the
 * revocation list empty and holding 100,000 ended sessions. Nanoseconds per call, median of
 * the rounds; no database read (the keys load once from an in-memory one), no HTTP.
 *
 *   node --import tsx bench/micro/revocation-check.ts [--ended 100000] [--calls 2000000] [--rounds 7]
 */
import { parseArgs } from 'node:util'
import { authenticate, RevocationList, type Verifiers } from '../../src/access-tokens/index.js'
import { issueAccessToken } from '../../src/auth/issue-access-token.js'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { randomId } from '../../src/crypto/random-id.js'
import { openContext } from '../../src/open-context.js'

const { values: args } = parseArgs({
  options: {
    ended: { type: 'string', default: '100000' },
    calls: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '7' },
  },
})
const ENDED = Number(args.ended)
const CALLS = Number(args.calls)
const ROUNDS = Number(args.rounds)

// The server's own wiring (its default EdDSA keys) on an in-memory database.
const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' })
const silent = { info() {}, warn() {}, error() {} }
const opened = await openContext(config, { clock: systemClock, log: silent })
const { keys, store } = opened.ctx
const retainMs = (config.accessTokenTtlSeconds + config.clockSkewSeconds) * 1000 + 1000

function tokenFor(sessionId: string): string {
  const session = { id: sessionId, absoluteExpiresAt: Date.now() + 3_600_000, amr: ['pwd'] }
  return issueAccessToken({ config, clock: systemClock, keys }, { id: randomId(), userName: 'bench' }, ['api_access'], session).token
}

/** Median nanoseconds per `authenticate` of `token` (verified once first, as a live token is). */
async function measure(ctx: Verifiers, token: string, expectOk: boolean): Promise<number> {
  const first = await authenticate(ctx, token)
  if (first.ok !== expectOk) throw new Error(`expected ok=${expectOk}, got ${JSON.stringify(first)}`)
  const perCall: number[] = []
  let passed = 0
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < CALLS; i++) {
      const result = authenticate(ctx, token)
      if (!(result instanceof Promise) && result.ok) passed++
    }
    perCall.push(Number(process.hrtime.bigint() - started) / CALLS)
  }
  if (passed !== (expectOk ? CALLS * ROUNDS : 0)) throw new Error('a cached check went asynchronous or changed its answer')
  return perCall.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN
}

const empty = new RevocationList(store, systemClock, retainMs)
const full = new RevocationList(store, systemClock, retainMs)
const heapBefore = process.memoryUsage().heapUsed
const endedIds = Array.from({ length: ENDED }, () => randomId())
full.add(endedIds)
const heapAfter = process.memoryUsage().heapUsed

const live = tokenFor(randomId())
const endedToken = tokenFor(endedIds[ENDED >> 1] ?? randomId())
const rows: [string, number][] = [
  ['live token, revocation list empty', await measure({ keys, revocations: empty }, live, true)],
  [`live token, ${ENDED.toLocaleString('en')} ended sessions listed`, await measure({ keys, revocations: full }, live, true)],
  [`ended session's token, ${ENDED.toLocaleString('en')} listed (refused)`, await measure({ keys, revocations: full }, endedToken, false)],
]
console.log(`authenticate() on a cached ${config.jwtAlgorithm} token: median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en')} calls (node ${process.version})`)
for (const [name, ns] of rows) console.log(`  ${name.padEnd(52)} ${ns.toFixed(1).padStart(7)} ns/check`)
const [emptyNs = 0, fullNs = 0] = rows.map(([, ns]) => ns)
console.log(`  the ${ENDED.toLocaleString('en')}-entry list adds ${(fullNs - emptyNs).toFixed(1)} ns per check; it holds about ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB of heap (ids included)`)
await opened.close()
