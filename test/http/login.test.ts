import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPasswordHasher, type PasswordHasher } from '../../src/crypto/password-hasher.js'
import { countingHasher } from '../support/counting-hasher.js'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { eventTypes } from '../support/security-events.js'
import { startTestServer, TESTS_QUEUE_WAIT_MS, type TestServer } from '../support/test-app.js'

/** No rate limit or back-off in the way: these tests log in far more than 60 times a minute. */
const ENV = { RATE_LIMIT_PER_MINUTE: '0', LOGIN_MAX_FAILURES: '100' }

for (const dialect of DIALECTS) {
  describe(`login (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    const hasher = countingHasher()
    before(async () => {
      server = await startTestServer({ dialect, env: ENV, hasher })
    })
    after(() => server.close())

    it('answers 200 with the login shape, no-store, and an access token for the user', async () => {
      const user = await server.register()
      const response = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'no-store')
      assert.deepEqual(Object.keys(response.body).sort(), ['accessToken', 'refreshToken'])
      assert.deepEqual(Object.keys(response.body.accessToken).sort(), ['expiresIn', 'token'])
      assert.equal(response.body.accessToken.expiresIn, 900)
      assert.match(response.body.refreshToken, /^[A-Za-z0-9_-]{43,}$/)
      const claims = decodeJwt(response.body.accessToken.token).payload
      assert.equal(claims.sub, user.id)
      assert.deepEqual(claims.rol, ['api_access'])
      const call = await server.request('GET', '/api/protected', { token: response.body.accessToken.token })
      assert.equal(call.status, 200)
    })

    it('finds the user by user name or by email, ignoring case', async () => {
      const user = await server.register({ userName: `MixedCase_${process.pid}`, email: `Mixed.Case.${process.pid}@Example.COM` })
      for (const identifier of [user.userName, user.userName.toUpperCase(), user.userName.toLowerCase(), user.email, user.email.toLowerCase(), user.email.toUpperCase()]) {
        const response = await server.request('POST', '/api/auth/login', { body: { userName: identifier, password: user.password } })
        assert.equal(response.status, 200, identifier)
        assert.equal(decodeJwt(response.body.accessToken.token).payload.sub, user.id)
      }
    })

    it('gives an unknown user and a wrong password the same 401 invalid_credentials without a challenge', async () => {
      const user = await server.register()
      const wrong = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'not the password' } })
      const unknown = await server.request('POST', '/api/auth/login', { body: { userName: `nobody_${process.pid}`, password: 'whatever it is' } })
      for (const response of [wrong, unknown]) {
        assert.equal(response.status, 401)
        assert.equal(response.body.code, 'invalid_credentials')
        assert.equal(response.headers.get('www-authenticate'), null)
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      }
      // Nothing in the answer tells the two apart.
      assert.deepEqual(wrong.body, unknown.body)
    })

    it('answers a very long user name or password with invalid_credentials, not a validation error', async () => {
      const user = await server.register()
      const longPassword = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'p'.repeat(8000) } })
      const longName = await server.request('POST', '/api/auth/login', { body: { userName: 'n'.repeat(5000), password: 'whatever it is' } })
      for (const response of [longPassword, longName]) {
        assert.equal(response.status, 401)
        assert.equal(response.body.code, 'invalid_credentials')
      }
    })

    it('spends one argon2 verification on an unknown user, as on a wrong password', async () => {
      const user = await server.register()
      const before = { ...hasher.calls }
      await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'not the password' } })
      const afterWrong = { ...hasher.calls }
      assert.equal(afterWrong.verify - before.verify, 1)
      assert.equal(afterWrong.dummy - before.dummy, 0)
      await server.request('POST', '/api/auth/login', { body: { userName: `ghost_${process.pid}`, password: 'not the password' } })
      assert.equal(hasher.calls.dummy - afterWrong.dummy, 1)
      assert.equal(hasher.calls.verify - afterWrong.verify, 0)
      assert.equal(hasher.calls.hash, afterWrong.hash)
    })

    it('stores the password as argon2id with m=19456, t=2, p=1', async () => {
      const user = await server.register()
      const stored = await server.ctx.store.findUserById(user.id)
      assert.match(stored?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
      assert.ok(!(stored?.passwordHash ?? '').includes(user.password))
    })

    it('refuses a disabled user with invalid_credentials and records login_failed', async () => {
      const user = await server.register()
      await server.ctx.store.setUserDisabled(user.id, server.clock.now())
      const response = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(response.status, 401)
      assert.equal(response.body.code, 'invalid_credentials')
      assert.ok((await eventTypes(server.ctx.store, user.id)).includes('login_failed'))
      await server.ctx.store.setUserDisabled(user.id, null)
      assert.equal((await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })).status, 200)
    })

    it('starts a new session at each login', async () => {
      const user = await server.register()
      const sids = new Set<unknown>()
      for (let i = 0; i < 3; i++) sids.add(decodeJwt((await server.login(user.userName, user.password)).accessToken.token).payload.sid)
      assert.equal(sids.size, 3)
    })

    it('records login_succeeded and login_failed events for the account', async () => {
      const user = await server.register()
      await server.login(user.userName, user.password)
      await server.request('POST', '/api/auth/login', { body: { userName: user.email, password: 'wrong password!' } })
      const types = await eventTypes(server.ctx.store, user.id)
      assert.equal(types.filter((type) => type === 'login_succeeded').length, 1)
      assert.equal(types.filter((type) => type === 'login_failed').length, 1)
    })

    it('ends the least recently used session when a login would make a 101st live one', async () => {
      const user = await server.register()
      const first = await server.login(user.userName, user.password)
      server.clock.advance(1_000)
      const leastRecent = await server.login(user.userName, user.password)
      server.clock.advance(1_000)
      const others = []
      for (let batch = 0; batch < 98; batch += 7) {
        const size = Math.min(7, 98 - batch)
        others.push(...(await Promise.all(Array.from({ length: size }, () => server.login(user.userName, user.password)))))
      }
      server.clock.advance(1_000)
      // Refreshing the oldest session makes it the most recently used: the second one is now the LRU.
      const refreshed = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } })
      assert.equal(refreshed.status, 200)
      assert.equal((await server.request('GET', '/api/protected', { token: leastRecent.accessToken.token })).status, 200)
      server.clock.advance(1_000)

      await server.login(user.userName, user.password)

      const evictedRefresh = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: leastRecent.refreshToken } })
      assert.equal(evictedRefresh.status, 400)
      assert.equal(evictedRefresh.body.code, 'invalid_grant')
      const evictedAccess = await server.request('GET', '/api/protected', { token: leastRecent.accessToken.token })
      assert.equal(evictedAccess.status, 401)
      assert.equal(evictedAccess.body.code, 'invalid_token')
      assert.equal((await server.request('GET', '/api/protected', { token: refreshed.body.accessToken.token })).status, 200)
      const survivor = others[0]
      assert.ok(survivor)
      assert.equal((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: survivor.refreshToken } })).status, 200)
      assert.equal((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } })).status, 200)
      const types = await eventTypes(server.ctx.store, user.id)
      assert.equal(types.filter((type) => type === 'session_ended').length, 1)
      assert.ok(!types.includes('refresh_reuse_detected'))
    })
  })

  describe(`login under other rules than registration (${dialect.name})`, { timeout: 120_000 }, () => {
    it('lets a user log in whose password the current registration rules would refuse', async () => {
      const lenient = await startTestServer({ dialect, env: ENV })
      try {
        const user = await lenient.register({ password: 'ten chars!' })
        const strict = await startTestServer({ dialect, env: { ...ENV, PASSWORD_MIN_LENGTH: '20' }, database: lenient.database })
        try {
          const refused = await strict.request('POST', '/api/accounts', {
            body: { firstName: 'A', lastName: 'B', email: `strict.${process.pid}@example.com`, userName: `strict_${process.pid}`, password: 'ten chars!' },
          })
          assert.equal(refused.status, 400)
          assert.equal(refused.body.code, 'validation_failed')
          const response = await strict.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
          assert.equal(response.status, 200)
          assert.equal(decodeJwt(response.body.accessToken.token).payload.sub, user.id)
        } finally {
          await strict.close()
        }
      } finally {
        await lenient.close()
      }
    })
  })
}

/**
 * The real hasher, watching the event loop while a verification is pending: how often the loop
 * turned, and how many verifications were pending at once.
 */
function loopWatchingHasher(): PasswordHasher & { turnsDuringVerify: number[]; mostPendingAtOnce: number } {
  const inner = createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS })
  let pending = 0
  const watched = {
    turnsDuringVerify: [] as number[],
    mostPendingAtOnce: 0,
    hash: (password: string) => inner.hash(password),
    verify: (stored: string, password: string) => watch(() => inner.verify(stored, password)),
    verifyDummy: (password: string) => watch(() => inner.verifyDummy(password)),
    needsRehash: (stored: string) => inner.needsRehash(stored),
    close: () => inner.close(),
  }
  async function watch<T>(work: () => Promise<T>): Promise<T> {
    let turns = 0
    let done = false
    const tick = () => {
      if (done) return
      turns++
      setImmediate(tick)
    }
    setImmediate(tick)
    watched.mostPendingAtOnce = Math.max(watched.mostPendingAtOnce, ++pending)
    try {
      return await work()
    } finally {
      pending--
      done = true
      watched.turnsDuringVerify.push(turns)
    }
  }
  return watched
}

describe('argon2 off the event loop', { timeout: 120_000 }, () => {
  const dialect = DIALECTS[0]
  let server: TestServer
  const hasher = loopWatchingHasher()
  before(async () => {
    assert.ok(dialect)
    server = await startTestServer({ dialect, env: ENV, hasher })
  })
  after(() => server.close())

  it('keeps the event loop turning while logins verify passwords, and verifies concurrent logins side by side', async () => {
    const user = await server.register()
    const logins = [
      ...Array.from({ length: 3 }, () => ({ userName: user.userName, password: user.password })),
      { userName: user.userName, password: 'wrong password!' },
      { userName: `ghost_${process.pid}`, password: 'wrong password!' },
    ]
    const responses = await Promise.all(logins.map((body) => server.request('POST', '/api/auth/login', { body })))
    assert.deepEqual(responses.map((response) => response.status), [200, 200, 200, 401, 401])
    assert.equal(hasher.turnsDuringVerify.length, logins.length)
    // A synchronous hash would settle before the loop could turn even once...
    for (const turns of hasher.turnsDuringVerify) assert.ok(turns >= 1, `the loop turned ${turns} times`)
    // ...and could never have two verifications in progress at the same time.
    assert.ok(hasher.mostPendingAtOnce >= 2, `at most ${hasher.mostPendingAtOnce} verification(s) at once`)
  })
})
