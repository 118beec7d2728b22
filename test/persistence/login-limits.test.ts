import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { afterFailure, NOTHING_KNOWN } from '../../src/domain/back-off.js'
import { createStore } from '../../src/persistence/create-store.js'
import { type Database, migrateToLatest, openDatabase } from '../../src/persistence/database.js'
import type { Store } from '../../src/persistence/store.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'

// The counters of contract §4.5 at the Store port: each read-then-write is atomic, also between
// two connections on one PostgreSQL database.

const T0 = Date.UTC(2026, 10, 30, 12)
const WINDOW = 60_000
const RACERS = 40

for (const dialect of DIALECTS) {
  describe(`login limit counters (${dialect.name})`, { timeout: 60_000 }, () => {
    let testDatabase: TestDatabase
    let databases: Database[]
    let stores: Store[]
    /** Alternates between the connections. */
    const storeFor = (i: number) => stores[i % stores.length] as Store

    before(async () => {
      testDatabase = await dialect.create()
      databases = [await openDatabase(testDatabase.url)]
      // better-sqlite3 waits for a lock synchronously: a second connection in this process would
      // block the event loop the first needs to commit. Processes on one SQLite file are tested
      // through HTTP (test/http/brute-force-instances.test.ts); here SQLite races on one connection.
      if (dialect.name !== 'sqlite') databases.push(await openDatabase(testDatabase.url))
      await migrateToLatest(databases[0] as Database)
      stores = databases.map((database) => createStore(database))
    })
    after(async () => {
      for (const database of databases) await database.close()
      await testDatabase.drop()
    })

    it(`admits exactly max of ${RACERS} concurrent hits of one key, from every connection`, { timeout: 30_000 }, async () => {
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => storeFor(i).admitRateLimitHit({ key: 'race', atMs: T0 + i, windowMs: WINDOW, max: 10 })),
      )
      assert.equal(results.filter((result) => result.admitted).length, 10)
      const refused = results.filter((result) => !result.admitted)
      assert.ok(refused.every((result) => result.count === 10))
      const counts = results.filter((result) => result.admitted).map((result) => result.count).sort((a, b) => a - b)
      assert.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    })

    it('slides: a hit leaves the window exactly 60 s after it was admitted, and refused hits do not count', { timeout: 30_000 }, async () => {
      const store = storeFor(0)
      const admit = (atMs: number) => store.admitRateLimitHit({ key: 'slide', atMs, windowMs: WINDOW, max: 2 })
      assert.deepEqual(await admit(T0), { admitted: true, count: 1, oldestAtMs: T0 })
      assert.deepEqual(await admit(T0 + 30_000), { admitted: true, count: 2, oldestAtMs: T0 })
      for (let i = 1; i <= 5; i++) assert.deepEqual(await admit(T0 + 59_999), { admitted: false, count: 2, oldestAtMs: T0 })
      assert.deepEqual(await admit(T0 + 60_000), { admitted: true, count: 2, oldestAtMs: T0 + 30_000 })
      assert.deepEqual(await admit(T0 + 60_001), { admitted: false, count: 2, oldestAtMs: T0 + 30_000 })
      assert.equal((await store.admitRateLimitHit({ key: 'another', atMs: T0 + 60_001, windowMs: WINDOW, max: 2 })).admitted, true)
    })

    it(`counts ${RACERS} concurrent failures of one key from every connection, none lost`, { timeout: 30_000 }, async () => {
      const key = { subjectKey: 'user:racer', ipKey: '192.0.2.1' }
      await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          storeFor(i).changeBackOff(key, (state) => ({ next: afterFailure(state, T0 + i, false), verdict: undefined })),
        ),
      )
      assert.equal((await storeFor(1).findBackOff(key))?.failures, RACERS)
    })

    it('deletes a back-off when the change says so, and clears it', { timeout: 30_000 }, async () => {
      const key = { subjectKey: 'user:gone', ipKey: '192.0.2.2' }
      assert.equal(await storeFor(0).findBackOff(key), undefined)
      const seen = await storeFor(0).changeBackOff(key, (state) => ({ next: undefined, verdict: state }))
      assert.deepEqual(seen, NOTHING_KNOWN)
      assert.equal(await storeFor(0).findBackOff(key), undefined)
      await storeFor(0).changeBackOff(key, (state) => ({ next: afterFailure(state, T0, false), verdict: undefined }))
      assert.equal((await storeFor(1).findBackOff(key))?.failures, 1)
      await storeFor(1).clearBackOff(key)
      assert.equal(await storeFor(0).findBackOff(key), undefined)
    })

    it('finds the n-th latest failure of an account and the last login from an address', { timeout: 30_000 }, async () => {
      const store = storeFor(0)
      const userId = await aUser(databases[0] as Database)
      assert.equal(await store.nthLatestLoginFailure(userId, 1), undefined)
      for (let i = 0; i < 5; i++) await store.recordLoginFailure({ userId, atMs: T0 + i * 1000 })
      assert.equal(await store.nthLatestLoginFailure(userId, 1), T0 + 4000)
      assert.equal(await store.nthLatestLoginFailure(userId, 5), T0)
      assert.equal(await store.nthLatestLoginFailure(userId, 6), undefined)
      assert.equal(await store.lastLoginFrom({ userId, ipKey: '192.0.2.3' }), undefined)
      await store.recordKnownIp({ userId, ipKey: '192.0.2.3', atMs: T0 })
      await store.recordKnownIp({ userId, ipKey: '192.0.2.3', atMs: T0 + 5000 })
      assert.equal(await store.lastLoginFrom({ userId, ipKey: '192.0.2.3' }), T0 + 5000)
    })

    it('prunes what no longer counts and keeps the rest', { timeout: 30_000 }, async () => {
      const store = storeFor(0)
      const userId = await aUser(databases[0] as Database)
      const later = T0 + 10 * 86_400_000
      await store.admitRateLimitHit({ key: 'prune-old', atMs: later - 60_000, windowMs: WINDOW, max: 5 })
      await store.admitRateLimitHit({ key: 'prune-new', atMs: later - 59_999, windowMs: WINDOW, max: 5 })
      const reserved = { subjectKey: 'user:prune', ipKey: '192.0.2.9' }
      await store.changeBackOff(reserved, () => ({ next: { ...NOTHING_KNOWN, inFlight: 1, inFlightUntilMs: later + 1 }, verdict: undefined }))
      await store.recordLoginFailure({ userId, atMs: later - 3_600_000 })
      await store.recordLoginFailure({ userId, atMs: later - 3_599_999 })
      const before = await store.nthLatestLoginFailure(userId, 1)
      await store.pruneLoginLimits({
        nowMs: later,
        rateLimitHitsUpTo: later - 60_000,
        backOffsUpTo: later - 3_600_000,
        loginFailuresUpTo: later - 3_600_000,
        knownIpsUpTo: later - 30 * 86_400_000,
      })
      const hits = await (databases[0] as Database).db.selectFrom('rate_limit_hits').select(['key', 'at']).execute()
      assert.deepEqual(hits.map((hit) => hit.key), ['prune-new'])
      assert.equal((await store.findBackOff({ subjectKey: 'user:racer', ipKey: '192.0.2.1' })), undefined)
      assert.ok(await store.findBackOff(reserved), 'a live reservation stays')
      assert.equal(await store.nthLatestLoginFailure(userId, 1), before)
      assert.equal(await store.nthLatestLoginFailure(userId, 2), undefined)
      assert.equal(await store.lastLoginFrom({ userId, ipKey: '192.0.2.3' }), undefined)
    })
  })
}

let users = 0
async function aUser(database: Database): Promise<string> {
  const id = `limits-user-${++users}`
  await database.db
    .insertInto('users')
    .values({ id, user_name: id, user_name_key: id, email: `${id}@example.com`, email_key: `${id}@example.com`, first_name: '', last_name: '', password_hash: 'x', disabled_at: null, created_at: T0 })
    .execute()
  return id
}
