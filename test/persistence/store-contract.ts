import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { User } from '../../src/domain/user.js'
import type { Database } from '../../src/persistence/database.js'
import type { NewRefreshToken, Store } from '../../src/persistence/store.js'
import { countEvents, eventTypes } from '../support/security-events.js'

/** A store on a fresh, migrated database, and the database it runs on. */
export interface StoreFixture {
  store: Store
  database: Database
  close(): Promise<void>
}

const STUB_HASH = '$argon2id$stub'

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0)
const HOUR = 3_600_000
const CLIENT = { ipAddress: '127.0.0.1', userAgent: 'store test' }
const DAY = 24 * HOUR

let counter = 0
const unique = () => `${++counter}_${randomBytes(4).toString('hex')}`

function newUser(overrides: Partial<User> = {}): User {
  const n = unique()
  return { id: randomUUID(), userName: `user_${n}`, email: `user.${n}@example.com`, firstName: 'Ada', lastName: 'Lovelace', passwordHash: STUB_HASH, disabledAt: null, createdAt: T0, emailVerifiedAt: null, ...overrides }
}

const newToken = (sessionId: string, at: number, expiresAt = at + HOUR): NewRefreshToken => ({
  id: unique(),
  sessionId,
  tokenHash: randomBytes(32).toString('base64url'),
  issuedAt: at,
  expiresAt,
})

/**
 * The behaviour every implementation of the Store port must have (lucia's adapter test suite is
 * the model): one call with a factory proves a backend.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`the Store port (${name})`, { timeout: 120_000 }, () => {
    let fixture: StoreFixture
    let database: Database
    let store: Store
    before(async () => {
      fixture = await open()
      ;({ database, store } = fixture)
    })
    after(() => fixture.close())

    /** A user with one live session started at `at`: its first token and the means to rotate it. */
    async function startSession(at = T0, options: { userId?: string; maxLive?: number; ttl?: number } = {}) {
      const userId = options.userId ?? newUser().id
      if (options.userId === undefined) assert.equal(await store.createUser({ ...newUser(), id: userId }, ['api_access'], CLIENT), 'created')
      const sessionId = unique()
      const expiresAt = at + (options.ttl ?? HOUR)
      const token = newToken(sessionId, at, expiresAt)
      const created = await store.createSession({
        session: { id: sessionId, userId, createdAt: at, expiresAt, absoluteExpiresAt: at + DAY, client: CLIENT, amr: ['pwd'] as const },
        firstToken: token,
        maxLive: options.maxLive ?? 100,
        expectedPasswordHash: STUB_HASH,
      })
      assert.ok(created, 'the session was created')
      return { userId, sessionId, token, evicted: created.evicted }
    }

    function rotate(session: { sessionId: string }, usedId: string, at: number) {
      const successor = newToken(session.sessionId, at)
      const rotated = store.rotateRefreshToken({ usedId, sessionId: session.sessionId, at, successor, successorSealed: 'sealed', sessionExpiresAt: at + HOUR, client: CLIENT })
      return { successor, rotated }
    }

    it('creates a user with roles and a registered event, and names each kind of clash', async () => {
      const user = newUser()
      assert.equal(await store.createUser(user, ['api_access', 'admin'], CLIENT), 'created')
      assert.deepEqual(await store.listRoles(user.id), ['admin', 'api_access'])
      assert.deepEqual(await eventTypes(store, user.id), ['registered'])
      assert.equal(await store.createUser(newUser({ userName: user.userName.toUpperCase() }), [], CLIENT), 'duplicate_user_name')
      assert.equal(await store.createUser(newUser({ email: user.email.toUpperCase() }), [], CLIENT), 'duplicate_email')
      assert.equal(await store.createUser(newUser({ userName: user.email }), [], CLIENT), 'duplicate_user_name')
      assert.equal(await store.createUser(newUser({ email: user.userName }), [], CLIENT), 'duplicate_email')
      assert.equal(await store.createUser(newUser({ userName: user.userName, email: user.email }), [], CLIENT), 'duplicate_user_name')
    })

    it('creates exactly one of several concurrent users with the same name', async () => {
      const userName = `race_${unique()}`
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.createUser(newUser({ userName }), [], CLIENT)))
      assert.equal(outcomes.filter((outcome) => outcome === 'created').length, 1)
      assert.ok(outcomes.every((outcome) => outcome === 'created' || outcome === 'duplicate_user_name'))
    })

    it('finds a user by name or email ignoring case, and returns undefined for no one', async () => {
      const user = newUser({ userName: `Mixed_${unique()}`, email: `Mixed.${unique()}@Example.com` })
      await store.createUser(user, [], CLIENT)
      for (const identifier of [user.userName, user.userName.toLowerCase(), user.userName.toUpperCase(), user.email, user.email.toUpperCase()]) {
        assert.equal((await store.findUserByIdentifier(identifier))?.id, user.id, identifier)
      }
      assert.equal(await store.findUserByIdentifier(`nobody_${unique()}`), undefined)
      assert.equal(await store.findUserById(randomUUID()), undefined)
    })

    it('rotates a refresh token exactly once when ten rotations race', async () => {
      const session = await startSession()
      const attempts = Array.from({ length: 10 }, () => rotate(session, session.token.id, T0 + 1))
      const results = await Promise.all(attempts.map((attempt) => attempt.rotated))
      assert.equal(results.filter(Boolean).length, 1)
      const stored = await Promise.all(attempts.map((attempt) => store.findRefreshToken(attempt.successor.tokenHash)))
      assert.equal(stored.filter((record) => record !== undefined).length, 1)
      const used = await store.findRefreshToken(session.token.tokenHash)
      assert.equal(used?.usedAt, T0 + 1)
      assert.equal(used?.successorId, attempts[results.indexOf(true)]?.successor.id)
    })

    it('does not rotate a token of an ended session', async () => {
      const session = await startSession()
      await store.endSessions({ selector: { sessionId: session.sessionId }, reason: 'logout', at: T0 + 1, client: CLIENT })
      assert.equal(await rotate(session, session.token.id, T0 + 2).rotated, false)
      assert.equal((await store.findRefreshToken(session.token.tokenHash))?.usedAt, null)
    })

    it('looks up a token with its session and its user\'s name and roles as they are now', async () => {
      const user = newUser()
      assert.equal(await store.createUser(user, ['api_access'], CLIENT), 'created')
      const session = await startSession(T0, { userId: user.id })
      const found = await store.findRefreshToken(session.token.tokenHash)
      assert.deepEqual(found, {
        id: session.token.id,
        sessionId: session.sessionId,
        userId: user.id,
        issuedAt: T0,
        expiresAt: T0 + HOUR,
        usedAt: null,
        successorId: null,
        successorSealed: null,
        session: { endedAt: null, expiresAt: T0 + HOUR, absoluteExpiresAt: T0 + DAY, amr: ['pwd'] },
        user: { userName: user.userName, roles: ['api_access'], disabled: false },
      })
      await store.grantRole(user.id, 'zeta')
      await store.grantRole(user.id, 'admin')
      assert.deepEqual((await store.findRefreshToken(session.token.tokenHash))?.user.roles, ['admin', 'api_access', 'zeta'])
      for (const role of ['admin', 'api_access', 'zeta']) await store.revokeRole(user.id, role)
      assert.deepEqual((await store.findRefreshToken(session.token.tokenHash))?.user.roles, [])
      assert.equal(await store.findRefreshToken(randomBytes(32).toString('base64url')), undefined)
    })

    it('rotates into a successor of the same session and records the use; a rotation that loses changes nothing', async () => {
      const session = await startSession()
      const first = rotate(session, session.token.id, T0 + 1)
      assert.equal(await first.rotated, true)
      const used = await store.findRefreshToken(session.token.tokenHash)
      assert.equal(used?.usedAt, T0 + 1)
      assert.equal(used?.successorId, first.successor.id)
      assert.equal(used?.successorSealed, 'sealed')
      assert.equal(used?.session.expiresAt, T0 + 1 + HOUR, 'the rotation moved the idle end of the session')
      const successor = await store.findRefreshToken(first.successor.tokenHash)
      assert.deepEqual(
        { id: successor?.id, sessionId: successor?.sessionId, issuedAt: successor?.issuedAt, expiresAt: successor?.expiresAt, usedAt: successor?.usedAt },
        { id: first.successor.id, sessionId: session.sessionId, issuedAt: T0 + 1, expiresAt: T0 + 1 + HOUR, usedAt: null },
      )

      const late = rotate(session, session.token.id, T0 + 5)
      assert.equal(await late.rotated, false)
      assert.equal(await store.findRefreshToken(late.successor.tokenHash), undefined)
      const after = await store.findRefreshToken(session.token.tokenHash)
      assert.equal(after?.successorId, first.successor.id)
      assert.equal(after?.session.expiresAt, T0 + 1 + HOUR, 'the losing rotation did not touch the session')

      // A token is only ever rotated within its own session.
      const other = await startSession()
      assert.equal(await rotate(other, first.successor.id, T0 + 6).rotated, false)
      assert.equal((await store.findRefreshToken(first.successor.tokenHash))?.usedAt, null)
    })

    it('does not rotate a token whose session has gone idle', async () => {
      const session = await startSession(T0, { ttl: HOUR })
      assert.equal(await rotate(session, session.token.id, T0 + HOUR).rotated, false)
      assert.equal((await store.findRefreshToken(session.token.tokenHash))?.usedAt, null)
    })

    it('rotates exactly once when rotations race an ending of the session, and the ending wins for good', async () => {
      for (let round = 0; round < 5; round++) {
        const session = await startSession()
        const attempts = Array.from({ length: 4 }, () => rotate(session, session.token.id, T0 + 1))
        const [ended, ...results] = await Promise.all([
          store.endSessions({ selector: { sessionId: session.sessionId }, reason: 'logout', at: T0 + 1, client: CLIENT }),
          ...attempts.map((attempt) => attempt.rotated),
        ])
        assert.deepEqual(ended, [session.sessionId])
        assert.ok(results.filter(Boolean).length <= 1)
        const used = await store.findRefreshToken(session.token.tokenHash)
        assert.equal(used?.session.endedAt, T0 + 1)
        // Either the rotation came wholly before the ending (its successor exists) or not at all.
        const winner = attempts[results.indexOf(true)]
        if (winner === undefined) assert.equal(used?.usedAt, null)
        else assert.equal((await store.findRefreshToken(winner.successor.tokenHash))?.session.endedAt, T0 + 1)
      }
    })

    it('keeps a rotation that overlaps another write transaction which rolls back', async () => {
      const session = await startSession()
      let opened = () => {}
      const inside = new Promise<void>((resolve) => (opened = resolve))
      const held = database
        .writeTransaction(async (trx) => {
          await trx.updateTable('users').set({ first_name: 'Rolled back' }).where('id', '=', session.userId).execute()
          opened()
          await new Promise((resolve) => setTimeout(resolve, 50))
          throw new Error('roll back')
        })
        .catch((error: unknown) => error)
      await inside
      const { successor, rotated } = rotate(session, session.token.id, T0 + 1)
      const grace = rotated.then(() => store.claimGraceSuccessor({ successorId: successor.id, sessionId: session.sessionId, at: T0 + 2, client: CLIENT }))
      assert.equal(await rotated, true)
      assert.equal(await grace, true)
      assert.equal(((await held) as Error).message, 'roll back')
      assert.equal((await store.findRefreshToken(session.token.tokenHash))?.usedAt, T0 + 1)
      assert.equal((await store.findRefreshToken(successor.tokenHash))?.sessionId, session.sessionId)
      assert.equal((await store.findUserById(session.userId))?.firstName, 'Ada')
    })

    it('claims the grace successor only while it is unpresented and its session live', async () => {
      const session = await startSession()
      const { successor, rotated } = rotate(session, session.token.id, T0 + 1)
      assert.equal(await rotated, true)
      assert.equal(await store.claimGraceSuccessor({ successorId: successor.id, sessionId: session.sessionId, at: T0 + 2, client: CLIENT }), true)
      assert.equal(await store.claimGraceSuccessor({ successorId: successor.id, sessionId: session.sessionId, at: T0 + 2, client: CLIENT }), true)
      assert.equal(await rotate(session, successor.id, T0 + 3).rotated, true)
      assert.equal(await store.claimGraceSuccessor({ successorId: successor.id, sessionId: session.sessionId, at: T0 + 4, client: CLIENT }), false)

      const other = await startSession()
      const second = rotate(other, other.token.id, T0 + 1)
      assert.equal(await second.rotated, true)
      await store.endSessions({ selector: { sessionId: other.sessionId }, reason: 'logout', at: T0 + 2, client: CLIENT })
      assert.equal(await store.claimGraceSuccessor({ successorId: second.successor.id, sessionId: other.sessionId, at: T0 + 3, client: CLIENT }), false)
    })

    it('ends sessions once, recording one session_ended (and the extra event) per session', async () => {
      const first = await startSession()
      const second = await startSession(T0, { userId: first.userId })
      const third = await startSession(T0, { userId: first.userId })
      assert.deepEqual(await store.endSessions({ selector: { sessionId: first.sessionId }, reason: 'reuse', at: T0 + 1, client: CLIENT, extraEvent: 'refresh_reuse_detected' }), [first.sessionId])
      assert.deepEqual(await store.endSessions({ selector: { sessionId: first.sessionId }, reason: 'reuse', at: T0 + 2, client: CLIENT, extraEvent: 'refresh_reuse_detected' }), [])
      const ended = await store.endSessions({ selector: { userId: first.userId, exceptSessionId: third.sessionId }, reason: 'password_changed', at: T0 + 3, client: CLIENT })
      assert.deepEqual(ended, [second.sessionId])
      assert.deepEqual(await store.endSessions({ selector: { userId: first.userId }, reason: 'logout', at: T0 + 4, client: CLIENT }), [third.sessionId])
      assert.deepEqual(await store.endSessions({ selector: { userId: first.userId }, reason: 'logout', at: T0 + 5, client: CLIENT }), [])
      const types = await eventTypes(store, first.userId)
      assert.equal(types.filter((type) => type === 'session_ended').length, 3)
      assert.equal(types.filter((type) => type === 'refresh_reuse_detected').length, 1)
      assert.equal((await store.findRefreshToken(first.token.tokenHash))?.session.endedAt, T0 + 1)
    })

    it('ends a session exactly once when several endings race', async () => {
      const session = await startSession()
      const results = await Promise.all(Array.from({ length: 5 }, () => store.endSessions({ selector: { sessionId: session.sessionId }, reason: 'reuse', at: T0 + 1, client: CLIENT, extraEvent: 'refresh_reuse_detected' })))
      assert.equal(results.flat().length, 1)
      assert.equal(await countEvents(store, session.userId, 'refresh_reuse_detected'), 1)
    })

    it('lists session ends after a position, in position order, once per ended session, at most a limit', async () => {
      const [{ position: start = 0 } = {}] = (await store.listSessionEndsAfter(0, 1_000_000)).slice(-1)
      const early = await startSession()
      const late = await startSession()
      const base = T0 + 10 * DAY
      // The later ending carries the earlier time: order is the position's, never the clock's.
      await store.endSessions({ selector: { sessionId: early.sessionId }, reason: 'logout', at: base + 1_000, client: CLIENT })
      await store.endSessions({ selector: { sessionId: late.sessionId }, reason: 'logout', at: base, client: CLIENT })
      await store.endSessions({ selector: { sessionId: early.sessionId }, reason: 'logout', at: base + 2_000, client: CLIENT })
      const ends = await store.listSessionEndsAfter(start, 10)
      assert.deepEqual(ends.map(({ sessionId, endedAt }) => ({ sessionId, endedAt })), [
        { sessionId: early.sessionId, endedAt: base + 1_000 },
        { sessionId: late.sessionId, endedAt: base },
      ])
      const [first, second] = ends
      assert.ok(first !== undefined && second !== undefined && first.position > start && second.position > first.position)
      assert.deepEqual(await store.listSessionEndsAfter(start, 1), [first])
      assert.deepEqual(await store.listSessionEndsAfter(first.position, 10), [second])
      assert.deepEqual(await store.listSessionEndsAfter(second.position, 10), [])
    })

    it('ends the least recently used live sessions beyond the limit, never the new one', async () => {
      const first = await startSession(T0, { maxLive: 2 })
      const second = await startSession(T0, { userId: first.userId, maxLive: 2 })
      assert.equal(await rotate(first, first.token.id, T0 + 5).rotated, true)
      const third = await startSession(T0 + 5, { userId: first.userId, maxLive: 2 })
      assert.deepEqual(third.evicted, [second.sessionId])
      // All in one millisecond: whichever older one goes, the new session stays.
      const crowded = await startSession(T0, { maxLive: 2 })
      await startSession(T0, { userId: crowded.userId, maxLive: 2 })
      for (let i = 0; i < 5; i++) {
        const next = await startSession(T0, { userId: crowded.userId, maxLive: 2 })
        assert.equal(next.evicted.length, 1)
        assert.ok(!next.evicted.includes(next.sessionId))
        assert.equal((await store.findRefreshToken(next.token.tokenHash))?.session.endedAt, null)
      }
    })

    it('creates no session for a disabled user or one whose password hash changed meanwhile', async () => {
      const { userId } = await startSession()
      const attempt = (hash: string, id = unique()) =>
        store.createSession({
          session: { id, userId, createdAt: T0, expiresAt: T0 + HOUR, absoluteExpiresAt: T0 + DAY, client: CLIENT, amr: ['pwd'] as const },
          firstToken: newToken(id, T0),
          maxLive: 100,
          expectedPasswordHash: hash,
        })
      assert.equal(await attempt('$argon2id$another'), undefined)
      await store.setUserDisabled(userId, T0)
      assert.equal(await attempt(STUB_HASH), undefined)
      await store.setUserDisabled(userId, null)
      assert.ok(await attempt(STUB_HASH))
    })

    it('prunes what can never be used again and keeps what reuse detection still needs', async () => {
      const now = T0 + 100 * DAY
      const live = await startSession(now - 60_000, { ttl: HOUR })
      const { successor, rotated } = rotate(live, live.token.id, now - 30_000)
      assert.equal(await rotated, true)
      const expired = await startSession(now - 2 * HOUR, { ttl: HOUR })
      const endedLongAgo = await startSession(now - 3 * DAY, { ttl: 10 * DAY })
      await store.endSessions({ selector: { sessionId: endedLongAgo.sessionId }, reason: 'logout', at: now - 2 * DAY, client: CLIENT })
      const endedRecently = await startSession(now - HOUR, { ttl: 10 * HOUR })
      await store.endSessions({ selector: { sessionId: endedRecently.sessionId }, reason: 'logout', at: now - HOUR / 4, client: CLIENT })

      const pruned = await store.prune({ sessionsBefore: now - HOUR / 2, successorsBefore: now - 10_000 })
      assert.ok(pruned.sessions >= 2)
      assert.ok(pruned.successorsErased >= 1)
      const used = await store.findRefreshToken(live.token.tokenHash)
      assert.notEqual(used, undefined, 'a used token of a live session is kept, to detect its reuse')
      assert.equal(used?.successorSealed, null)
      assert.notEqual(await store.findRefreshToken(successor.tokenHash), undefined)
      assert.notEqual(await store.findRefreshToken(endedRecently.token.tokenHash), undefined)
      assert.equal(await store.findRefreshToken(expired.token.tokenHash), undefined)
      assert.equal(await store.findRefreshToken(endedLongAgo.token.tokenHash), undefined)
      const ended = (await store.listSessionEndsAfter(0, 1_000_000)).map((end) => end.sessionId)
      assert.ok(ended.includes(endedRecently.sessionId), 'a recent end stays for processes that start')
      assert.ok(!ended.includes(endedLongAgo.sessionId))
    })
  })
}
