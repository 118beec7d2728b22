import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createStore } from '../../src/persistence/create-store.js'
import { type Database, migrateToLatest, openDatabase } from '../../src/persistence/database.js'
import { SESSION_END_LISTENER_NAME } from '../../src/persistence/dialects/postgres/postgres-session-end-watch.js'
import { endOne } from '../../src/persistence/sessions.js'
import type { SessionEnd, Store } from '../../src/persistence/store.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0)
const HOUR = 3_600_000
const CLIENT = { ipAddress: '127.0.0.1', userAgent: 'session-ends test' }
const STUB_HASH = '$argon2id$stub'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A user with `count` live sessions; their ids. */
async function liveSessions(store: Store, count: number): Promise<{ userId: string; sessionIds: string[] }> {
  const n = randomBytes(6).toString('hex')
  const userId = randomUUID()
  const user = { id: userId, userName: `u_${n}`, email: `u.${n}@example.com`, firstName: 'A', lastName: 'B', passwordHash: STUB_HASH, disabledAt: null, createdAt: T0, emailVerifiedAt: null }
  assert.equal(await store.createUser(user, ['api_access'], CLIENT), 'created')
  const sessionIds: string[] = []
  for (let i = 0; i < count; i++) {
    const id = randomUUID()
    const token = { id: randomUUID(), sessionId: id, tokenHash: randomBytes(32).toString('base64url'), issuedAt: T0, expiresAt: T0 + HOUR }
    const session = { id, userId, createdAt: T0, expiresAt: T0 + HOUR, absoluteExpiresAt: T0 + HOUR, client: CLIENT, amr: ['pwd'] as const }
    assert.ok(await store.createSession({ session, firstToken: token, maxLive: 1_000, expectedPasswordHash: STUB_HASH }))
    sessionIds.push(id)
  }
  return { userId, sessionIds }
}

async function lastPosition(store: Store): Promise<number> {
  return (await store.listSessionEndsAfter(0, 1_000_000)).at(-1)?.position ?? 0
}

for (const dialect of DIALECTS) {
  describe(`session ends (${dialect.name})`, { timeout: 120_000 }, () => {
    let testDatabase: TestDatabase
    let database: Database
    let store: Store
    before(async () => {
      testDatabase = await dialect.create()
      database = await openDatabase(testDatabase.url)
      await migrateToLatest(database)
      store = createStore(database)
    })
    after(async () => {
      await database.close()
      await testDatabase.drop()
    })

    it('makes an ending wait for the turn of one that has not committed, so positions follow commit order', { timeout: 20_000 }, async () => {
      const start = await lastPosition(store)
      const { sessionIds } = await liveSessions(store, 2)
      const [first, second] = sessionIds as [string, string]
      let commit!: () => void
      let inside!: () => void
      const entered = new Promise<void>((resolve) => (inside = resolve))
      const firstEnding = database.writeTransaction(async (trx) => {
        assert.equal(await endOne(database, trx, { sessionId: first, reason: 'logout', at: T0, client: CLIENT }), true)
        inside()
        await new Promise<void>((resolve) => (commit = resolve))
      })
      await entered
      let secondDone = false
      const secondEnding = store.endSessions({ selector: { sessionId: second }, reason: 'logout', at: T0, client: CLIENT }).then((ended) => {
        secondDone = true
        return ended
      })
      await sleep(300)
      assert.equal(secondDone, false, 'the second ending committed while the first still held an earlier position')
      commit()
      await firstEnding
      assert.deepEqual(await secondEnding, [second])
      const ends = await store.listSessionEndsAfter(start, 10)
      assert.deepEqual(ends.map((end) => end.sessionId), [first, second])
    })

    it('never lets a reader following positions skip an ending, with 200 endings racing on 8 connections', { timeout: 60_000 }, async () => {
      const start = await lastPosition(store)
      const { sessionIds } = await liveSessions(store, 200)
      const seen = new Set<string>()
      let cursor = start
      let writing = true
      const follow = async (): Promise<void> => {
        let ends: SessionEnd[]
        do {
          ends = await store.listSessionEndsAfter(cursor, 50)
          for (const end of ends) {
            assert.ok(end.position > cursor, 'positions come in increasing order')
            cursor = end.position
            seen.add(end.sessionId)
          }
        } while (ends.length > 0)
      }
      const reader = (async () => {
        while (writing) await follow()
      })()
      const queue = [...sessionIds]
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
            await store.endSessions({ selector: { sessionId: id }, reason: 'logout', at: T0, client: CLIENT })
          }
        }),
      )
      writing = false
      await reader
      await follow()
      assert.equal(seen.size, sessionIds.length, `the reader skipped ${sessionIds.length - seen.size} endings`)
    })

    it('records nothing for an ending that rolls back', { timeout: 10_000 }, async () => {
      const start = await lastPosition(store)
      const { sessionIds } = await liveSessions(store, 1)
      const [id] = sessionIds as [string]
      await assert.rejects(
        database.writeTransaction(async (trx) => {
          await endOne(database, trx, { sessionId: id, reason: 'logout', at: T0, client: CLIENT })
          throw new Error('changed its mind')
        }),
        /changed its mind/,
      )
      assert.deepEqual(await store.listSessionEndsAfter(start, 10), [])
      assert.deepEqual(await store.endSessions({ selector: { sessionId: id }, reason: 'logout', at: T0, client: CLIENT }), [id])
      assert.deepEqual((await store.listSessionEndsAfter(start, 10)).map((end) => end.sessionId), [id])
    })
  })
}

for (const dialect of DIALECTS.filter((candidate) => candidate.name === 'postgres')) {
  describe(`the session-end watch (${dialect.name})`, { timeout: 60_000 }, () => {
    let testDatabase: TestDatabase
    let database: Database
    let store: Store
    let admin: pg.Client
    before(async () => {
      testDatabase = await dialect.create()
      database = await openDatabase(testDatabase.url)
      await migrateToLatest(database)
      store = createStore(database)
      admin = new pg.Client({ connectionString: testDatabase.url })
      await admin.connect()
    })
    after(async () => {
      await admin.end()
      await database.close()
      await testDatabase.drop()
    })

    const listeners = async () =>
      (await admin.query(`select pid from pg_stat_activity where datname = current_database() and application_name = $1`, [SESSION_END_LISTENER_NAME])).rows.length
    const terminateListeners = async () =>
      (
        await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1`, [
          SESSION_END_LISTENER_NAME,
        ])
      ).rows.length
    async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
        await sleep(10)
      }
    }

    it('signals at the commit of an ending (not before, never for a rollback), and again after it lost its connection', { timeout: 30_000 }, async () => {
      let signals = 0
      const lost: number[] = []
      const watch = await database.watchSessionEnds({ signal: () => signals++, lost: (_error, retryInMs) => lost.push(retryInMs) })
      try {
        assert.equal(signals, 1, 'one catch-up signal once it listens')
        assert.equal(await listeners(), 1)
        const { sessionIds } = await liveSessions(store, 3)
        const [committed, rolledBack, afterLoss] = sessionIds as [string, string, string]

        let commit!: () => void
        let inside!: () => void
        const entered = new Promise<void>((resolve) => (inside = resolve))
        const ending = database.writeTransaction(async (trx) => {
          await endOne(database, trx, { sessionId: committed, reason: 'logout', at: T0, client: CLIENT })
          inside()
          await new Promise<void>((resolve) => (commit = resolve))
        })
        await entered
        await sleep(200)
        assert.equal(signals, 1, 'signalled before the ending committed')
        commit()
        await ending
        await until(() => signals === 2, 2_000, 'the signal of a committed ending')

        await database
          .writeTransaction(async (trx) => {
            await endOne(database, trx, { sessionId: rolledBack, reason: 'logout', at: T0, client: CLIENT })
            throw new Error('rolled back')
          })
          .catch(() => {})
        await sleep(200)
        assert.equal(signals, 2, 'signalled for a rolled-back ending')

        assert.equal(await terminateListeners(), 1)
        await until(() => lost.length === 1, 2_000, 'the loss reported')
        await until(() => signals === 3, 5_000, 'the catch-up signal after reconnecting')
        assert.equal(await listeners(), 1)
        await store.endSessions({ selector: { sessionId: afterLoss }, reason: 'logout', at: T0, client: CLIENT })
        await until(() => signals === 4, 2_000, 'the signal of an ending after the reconnection')
      } finally {
        await watch.close()
      }
      await until(async () => (await listeners()) === 0, 2_000, 'the listener gone after close')
    })

    it('retries with growing delays while its connection keeps being cut, and stops on close', { timeout: 30_000 }, async () => {
      const lost: number[] = []
      const watch = await database.watchSessionEnds({ signal: () => {}, lost: (_error, retryInMs) => lost.push(retryInMs) })
      for (let cut = 0; cut < 4; cut++) {
        await until(async () => (await listeners()) === 1, 5_000, 'the listener back')
        await terminateListeners()
        await until(() => lost.length === cut + 1, 2_000, 'the loss reported')
      }
      assert.deepEqual(lost, [100, 200, 400, 800])
      await watch.close()
      await sleep(1_000)
      assert.equal(await listeners(), 0, 'reconnected after close')
    })
  })
}
