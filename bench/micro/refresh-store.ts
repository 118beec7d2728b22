/**
 * Refresh rotations per second, on SQLite and PostgreSQL:
 *   raw      the insert + conditional-update transaction straight on better-sqlite3 / pg
 *   store    the database work of one refresh through the Store port (lookup and rotation; on
 *            an older tree whose lookup does not bring the user, also the user and roles reads)
 *   refresh  the whole refreshSession use case (HS256 signing, no HTTP)
 *
 *   node --import tsx bench/micro/refresh-store.ts [--pg postgres://postgres@127.0.0.1:5432/postgres]
 *        [--seconds 1] [--rounds 5] [--concurrency 1,8] [--only raw,store,refresh] [--db sqlite,postgres]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { refreshSession } from '../../src/auth/refresh-session.js'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { generateRefreshToken, hashRefreshToken } from '../../src/crypto/refresh-tokens.js'
import { randomId } from '../../src/crypto/random-id.js'
import { openContext } from '../../src/open-context.js'
import type { Store } from '../../src/persistence/store.js'

const { values: args } = parseArgs({
  options: {
    pg: { type: 'string', default: process.env.LATCHKEY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1,8' },
    only: { type: 'string', default: 'raw,store,refresh' },
    db: { type: 'string', default: 'sqlite,postgres' },
  },
})
const SECONDS = Number(args.seconds)
const ROUNDS = Number(args.rounds)
const CONCURRENCY = args.concurrency.split(',').map(Number)
const ONLY = new Set(args.only.split(','))
const HOUR = 3_600_000
const CLIENT = { ipAddress: '127.0.0.1', userAgent: 'micro-bench' }
const silentLog = { info() {}, warn() {}, error() {} }

/** Runs `chains` independent loops of `step` for SECONDS (after a short warm-up); steps per second. */
async function measure(chains: number, makeChain: () => Promise<() => Promise<void>>): Promise<number> {
  const steps = await Promise.all(Array.from({ length: chains }, makeChain))
  const run = async (ms: number) => {
    let count = 0
    const until = performance.now() + ms
    await Promise.all(
      steps.map(async (step) => {
        while (performance.now() < until) {
          await step()
          count++
        }
      }),
    )
    return count
  }
  await run(200)
  const started = performance.now()
  const count = await run(SECONDS * 1000)
  return count / ((performance.now() - started) / 1000)
}

interface Target {
  name: 'sqlite' | 'postgres'
  url: string
  drop(): Promise<void>
}

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'))
  return { name: 'sqlite', url: `sqlite:${join(dir, 'bench.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

async function postgresTarget(adminUrl: string): Promise<Target> {
  const name = `latchkey_bench_${process.pid}_${randomBytes(3).toString('hex')}`
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  }
  await admin(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { name: 'postgres', url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) }
}

/** A user with a live session; returns its first refresh token. */
async function startSession(store: Store, userId: string): Promise<{ sessionId: string; token: string; tokenId: string }> {
  const now = Date.now()
  const sessionId = randomId()
  const token = generateRefreshToken()
  const tokenId = randomId()
  await store.createSession({
    session: { id: sessionId, userId, createdAt: now, expiresAt: now + 24 * HOUR, absoluteExpiresAt: now + 30 * 24 * HOUR, client: CLIENT, amr: ['pwd'] },
    firstToken: { id: tokenId, sessionId, tokenHash: hashRefreshToken(token), issuedAt: now, expiresAt: now + 24 * HOUR },
    maxLive: 1_000_000,
    expectedPasswordHash: '$argon2id$bench',
  })
  return { sessionId, token, tokenId }
}

/** The transaction the issue compares against, straight on the driver: use up one token, insert the next. */
function rawChain(target: Target, sqlite: SqliteDatabase.Database | undefined, pool: pg.Pool | undefined, store: Store, userId: string) {
  return async () => {
    const session = await startSession(store, userId)
    let usedId = session.tokenId
    if (target.name === 'sqlite' && sqlite !== undefined) {
      const use = sqlite.prepare('update refresh_tokens set used_at = ?, successor_id = ?, successor_sealed = ? where id = ? and used_at is null')
      const insert = sqlite.prepare(
        'insert into refresh_tokens (id, session_id, token_hash, issued_at, expires_at, used_at, successor_id, successor_sealed) values (?, ?, ?, ?, ?, null, null, null)',
      )
      const rotate = sqlite.transaction((id: string, now: number) => {
        if (use.run(now, id, 'sealed', usedId).changes !== 1) throw new Error('not rotated')
        insert.run(id, session.sessionId, randomBytes(32).toString('base64url'), now, now + HOUR)
      })
      return async () => {
        const id = randomId()
        rotate.immediate(id, Date.now())
        usedId = id
      }
    }
    return async () => {
      const id = randomId()
      const now = Date.now()
      const client = await pool!.connect()
      try {
        await client.query('begin')
        const used = await client.query(
          'update refresh_tokens set used_at = $1, successor_id = $2, successor_sealed = $3 where id = $4 and used_at is null',
          [now, id, 'sealed', usedId],
        )
        if (used.rowCount !== 1) throw new Error('not rotated')
        await client.query(
          'insert into refresh_tokens (id, session_id, token_hash, issued_at, expires_at, used_at, successor_id, successor_sealed) values ($1, $2, $3, $4, $5, null, null, null)',
          [id, session.sessionId, randomBytes(32).toString('base64url'), now, now + HOUR],
        )
        await client.query('commit')
      } finally {
        client.release()
      }
      usedId = id
    }
  }
}

/** One refresh's database work through the Store port, as refreshSession does it. */
function storeChain(store: Store, userId: string) {
  return async () => {
    const session = await startSession(store, userId)
    let token = session.token
    return async () => {
      const record = await store.findRefreshToken(hashRefreshToken(token))
      if (record === undefined) throw new Error('token not found')
      const now = Date.now()
      const successor = generateRefreshToken()
      const rotated = await store.rotateRefreshToken({
        usedId: record.id,
        sessionId: record.sessionId,
        at: now,
        successor: { id: randomId(), sessionId: record.sessionId, tokenHash: hashRefreshToken(successor), issuedAt: now, expiresAt: now + HOUR },
        successorSealed: 'sealed',
        sessionExpiresAt: now + HOUR,
        client: CLIENT,
      })
      if (!rotated) throw new Error('not rotated')
      // Before the lookup brought the user along (commit 8462dce), a refresh read them separately.
      const { userId, user } = record as { userId: string; user?: unknown }
      if (user === undefined) await Promise.all([store.findUserById(userId), store.listRoles(userId)])
      token = successor
    }
  }
}

async function benchTarget(target: Target): Promise<void> {
  const config = loadConfig({ DATABASE_URL: target.url, LOG_LEVEL: 'silent', JWT_ALGORITHM: 'HS256', JWT_SECRET: 'x'.repeat(40), RATE_LIMIT_PER_MINUTE: '0' })
  const opened = await openContext(config, { clock: systemClock, log: silentLog })
  const { store } = opened.ctx
  const userId = randomId()
  const suffix = randomBytes(4).toString('hex')
  await store.createUser(
    { id: userId, userName: `bench_${suffix}`, email: `bench_${suffix}@example.com`, firstName: 'B', lastName: 'M', passwordHash: '$argon2id$bench', disabledAt: null, createdAt: Date.now(), emailVerifiedAt: null },
    ['api_access', 'bench'],
    CLIENT,
  )
  const sqlite = target.name === 'sqlite' ? new SqliteDatabase(target.url.slice('sqlite:'.length)) : undefined
  sqlite?.pragma('busy_timeout = 5000')
  sqlite?.pragma('synchronous = NORMAL')
  const pool = target.name === 'postgres' ? new pg.Pool({ connectionString: target.url, max: 10 }) : undefined
  const kinds: [string, () => Promise<() => Promise<void>>][] = []
  if (ONLY.has('raw')) kinds.push(['raw', rawChain(target, sqlite, pool, store, userId)])
  if (ONLY.has('store')) kinds.push(['store', storeChain(store, userId)])
  if (ONLY.has('refresh')) {
    kinds.push([
      'refresh',
      async () => {
        let token = (await startSession(store, userId)).token
        return async () => {
          token = (await refreshSession(opened.ctx, { refreshToken: token }, CLIENT)).refreshToken
        }
      },
    ])
  }
  try {
    for (const chains of CONCURRENCY) {
      // The machine is shared: alternate the kinds in short rounds and report each one's median.
      const rates = new Map<string, number[]>(kinds.map(([name]) => [name, []]))
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, makeChain] of kinds) rates.get(name)!.push(await measure(chains, makeChain))
      }
      const median = (name: string) => {
        const sorted = [...(rates.get(name) ?? [0])].sort((a, b) => a - b)
        return sorted[Math.floor(sorted.length / 2)] ?? 0
      }
      const raw = median('raw')
      const results = kinds.map(([name]) => `${name} ${median(name).toFixed(0)}/s${raw > 0 && name !== 'raw' ? ` (${(median(name) / raw).toFixed(2)} × raw)` : ''}`)
      console.log(`${target.name.padEnd(8)} concurrency ${String(chains).padStart(2)}: ${results.join('  ')}`)
    }
  } finally {
    sqlite?.close()
    await pool?.end()
    await opened.close()
  }
}

for (const name of args.db.split(',')) {
  const target = name === 'sqlite' ? await sqliteTarget() : await postgresTarget(args.pg)
  try {
    await benchTarget(target)
  } finally {
    await target.drop()
  }
}
