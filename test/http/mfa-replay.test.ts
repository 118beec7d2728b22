import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Store } from '../../src/persistence/store.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { asUser, assertProblem, base32Bytes, beginEnrollment, codeOfStep, enroll, hotpSha1, mfaTokenFor, secondStep, STEP_MS, stepAt } from '../support/two-factor.js'

// Contract §10, issue 12: "RFC 6238 exactly (HMAC-SHA-1, 6 digits, 30 s, ±1 step) …; a code is
// accepted once (no replay within its window, across instances too — the used step is recorded
// in the database)". "The ±1-step window applies everywhere, confirmation included."

/**
 * Holds each call of `useTotpStep` (the write that records a step as used) until `parties` calls
 * have arrived on any of `stores`, or 3 s have passed: racing requests then all check their
 * code before any of them records its step, so only the write itself can stop a replay.
 */
function holdTotpStepWrites(stores: Store[], parties: number): () => void {
  const originals = stores.map((store) => store.useTotpStep)
  let waiting: (() => void)[] = []
  stores.forEach((store, i) => {
    store.useTotpStep = async (userId, step) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve)
        if (waiting.length < parties) return void setTimeout(resolve, 3_000)
        for (const go of waiting) go()
        waiting = []
      })
      return originals[i]!(userId, step)
    }
  })
  return () => stores.forEach((store, i) => (store.useTotpStep = originals[i]!))
}

for (const dialect of DIALECTS) {
  describe(`two-factor codes: the ±1-step window and no replay (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '100' } })
    })
    after(() => server.close())

    const step = () => stepAt(server.clock.now())
    const confirm = (pair: Parameters<typeof asUser>[1], code: string) => asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code })

    it('speaks RFC 6238: codes of an independent HMAC-SHA-1, 6-digit, 30 s implementation (checked on the RFC vectors) are the ones accepted', async () => {
      // RFC 6238 appendix B, SHA-1 seed "12345678901234567890": the last 6 of its 8 digits.
      const seed = Buffer.from('12345678901234567890', 'ascii')
      const vectors: [number, string][] = [
        [59, '287082'],
        [1111111109, '081804'],
        [1111111111, '050471'],
        [1234567890, '005924'],
        [2000000000, '279037'],
        [20000000000, '353130'],
      ]
      for (const [seconds, code] of vectors) assert.equal(hotpSha1(seed, stepAt(seconds * 1000)), code, `T = ${seconds}`)
      assert.deepEqual(base32Bytes('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), seed, 'RFC 4648 base32')

      const issuer = 'Acme Identity'
      const own = await startTestServer({ dialect, env: { JWT_ISSUER: issuer } })
      try {
        const user = await own.register()
        const pair = await own.login(user.userName, user.password)
        const { secret, otpauthUri } = await beginEnrollment(own, pair, user.password)
        assert.ok(base32Bytes(secret).length >= 20, 'at least 160 bits')
        const uri = new URL(otpauthUri)
        assert.equal(uri.protocol, 'otpauth:')
        assert.equal(uri.host, 'totp')
        assert.equal(decodeURIComponent(uri.pathname), `/${issuer}:${user.userName}`)
        assert.equal(uri.searchParams.get('secret'), secret)
        assert.equal(uri.searchParams.get('issuer'), issuer)
        // Optional parameters, but if present they must say what RFC 6238 and §10 say.
        for (const [name, value] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
          const given = uri.searchParams.get(name!)
          assert.ok(given === null || given === value, `${name}=${given}`)
        }
        const confirmed = await asUser(own, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeOfStep(secret, stepAt(own.clock.now())) })
        assert.equal(confirmed.status, 200, confirmed.text)
        own.clock.advance(STEP_MS)
        const done = await secondStep(own, await mfaTokenFor(own, user), codeOfStep(secret, stepAt(own.clock.now())))
        assert.equal(done.status, 200, done.text)
      } finally {
        await own.close()
      }
    })

    it('accepts the codes of the previous and the next step at login/mfa, and refuses those two steps away', async () => {
      const { user, secret } = await enroll(server)
      // Far enough from the confirmation's step that every step tried below is unused.
      server.clock.advance(5 * STEP_MS + 10_000)
      const now = step()
      for (const delta of [-2, 2, -3, 3]) {
        const code = codeOfStep(secret, now + delta)
        assert.ok(![-1, 0, 1].some((near) => codeOfStep(secret, now + near) === code), 'no collision with a code in the window')
        assertProblem(await secondStep(server, await mfaTokenFor(server, user), code), 401, 'invalid_mfa_code', `step ${delta}`)
      }
      const previous = await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, now - 1))
      assert.equal(previous.status, 200, `the previous step: ${previous.text}`)
      const next = await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, now + 1))
      assert.equal(next.status, 200, `the next step: ${next.text}`)
    })

    it('accepts the current code at login/mfa in the last millisecond of a step and in the first of the next', async () => {
      const { user, secret } = await enroll(server)
      server.clock.advance(STEP_MS - 1 - (server.clock.now() % STEP_MS)) // the last millisecond of a step
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, step()))).status, 200)
      server.clock.advance(1) // the first millisecond of the next
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, step()))).status, 200)
    })

    it('applies the window at confirmation: two steps away is 400 invalid_mfa_code, the previous step turns the factor on', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const { secret } = await beginEnrollment(server, pair, user.password)
      const now = step()
      for (const delta of [-2, 2]) assertProblem(await confirm(pair, codeOfStep(secret, now + delta)), 400, 'invalid_mfa_code', `step ${delta}`)
      assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, false)
      const confirmed = await confirm(pair, codeOfStep(secret, now - 1))
      assert.equal(confirmed.status, 200, confirmed.text)
      assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, true)
    })

    it('applies the window at confirmation: the next step turns the factor on, and that step and earlier ones are then used', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const { secret } = await beginEnrollment(server, pair, user.password)
      const now = step()
      const confirmed = await confirm(pair, codeOfStep(secret, now + 1))
      assert.equal(confirmed.status, 200, confirmed.text)
      // Step now+1 was accepted: its code, and the still-in-window codes of now and now-1, are refused.
      for (const delta of [1, 0, -1]) {
        assertProblem(await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, now + delta)), 401, 'invalid_mfa_code', `step ${delta}`)
      }
      server.clock.advance(STEP_MS)
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, now + 2))).status, 200, 'a later step is fresh')
    })

    it('refuses a code once a code of its step or a later one was accepted, at login/mfa and at the account endpoints', async () => {
      const { user, pair, secret } = await enroll(server)
      const now = step()
      const used = codeOfStep(secret, now)
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), used)).status, 200)
      assertProblem(await secondStep(server, await mfaTokenFor(server, user), used), 401, 'invalid_mfa_code', 'the same code again')
      assertProblem(await secondStep(server, await mfaTokenFor(server, user), codeOfStep(secret, now - 1)), 401, 'invalid_mfa_code', 'an earlier step')
      // Wherever a code is asked, the same rule.
      for (const [method, path] of [
        ['DELETE', '/api/accounts/me/mfa'],
        ['POST', '/api/accounts/me/mfa/recovery-codes'],
      ] as const) {
        assertProblem(await asUser(server, pair, method, path, { currentPassword: user.password, code: used }), 400, 'invalid_mfa_code', path)
      }
      // A code used at an account endpoint is used at login too.
      const next = codeOfStep(secret, now + 1)
      assert.equal((await asUser(server, pair, 'POST', '/api/accounts/me/mfa/recovery-codes', { currentPassword: user.password, code: next })).status, 200)
      assertProblem(await secondStep(server, await mfaTokenFor(server, user), next), 401, 'invalid_mfa_code', 'used at recovery-codes')
      assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, true)
    })

    it('starts exactly one session when logins with different mfaTokens send the same code at once', async () => {
      for (const racers of [2, 2, 8]) {
        const { user, secret } = await enroll(server)
        const tokens: string[] = []
        for (let i = 0; i < racers; i++) tokens.push(await mfaTokenFor(server, user))
        const before = await countEvents(server.ctx.store, user.id, 'login_succeeded')
        const code = codeOfStep(secret, step())
        const release = holdTotpStepWrites([server.ctx.store], racers)
        const answers = await Promise.all(tokens.map((token) => secondStep(server, token, code))).finally(release)
        const statuses = answers.map((answer) => `${answer.status} ${answer.status === 200 ? '' : answer.body.code}`).sort()
        assert.deepEqual(statuses, ['200 ', ...Array<string>(racers - 1).fill('401 invalid_mfa_code')], `${racers} racers`)
        assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), before + 1)
      }
    })
  })

  describe(`two-factor codes: no replay across two instances on one database (${dialect.name})`, { timeout: 180_000 }, () => {
    let first: TestServer
    let second: TestServer
    before(async () => {
      first = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '100' } })
      second = await startTestServer({ dialect, database: first.database, clock: first.clock, env: { LOGIN_MAX_FAILURES: '100' } })
    })
    after(async () => {
      // The first owns the database: the second closes first.
      await second.close()
      await first.close()
    })

    it('refuses on server B a code server A accepted', async () => {
      const { user, secret } = await enroll(first)
      const code = codeOfStep(secret, stepAt(first.clock.now()))
      assert.equal((await secondStep(first, await mfaTokenFor(first, user), code)).status, 200)
      assertProblem(await secondStep(second, await mfaTokenFor(second, user), code), 401, 'invalid_mfa_code', 'on B')
      assertProblem(await secondStep(second, await mfaTokenFor(second, user), codeOfStep(secret, stepAt(first.clock.now()) - 1)), 401, 'invalid_mfa_code', 'an earlier step on B')
    })

    it('refuses at login on server B the code server A accepted at confirmation', async () => {
      const user = await first.register()
      const pair = await first.login(user.userName, user.password)
      const { secret } = await beginEnrollment(first, pair, user.password)
      const code = codeOfStep(secret, stepAt(first.clock.now()))
      assert.equal((await asUser(first, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code })).status, 200)
      assertProblem(await secondStep(second, await mfaTokenFor(second, user), code), 401, 'invalid_mfa_code')
    })

    // Two instances getting one code at once: two server processes, below (in one process two
    // better-sqlite3 connections would block each other's event loop, which real instances never share).
  })

  describe(`two-factor codes: no replay across two server processes on one database (${dialect.name})`, { timeout: 180_000 }, () => {
    let database: TestDatabase | undefined
    const processes: ListeningServer[] = []
    before(async () => {
      database = await dialect.create()
      for (let i = 0; i < 2; i++) {
        processes.push(await startServerProcess({ DATABASE_URL: database.url, HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '0', LOGIN_MAX_FAILURES: '100' }))
      }
    })
    after(async () => {
      await Promise.all(processes.map((server) => server.kill()))
      await database?.drop()
    })

    /** A request to a spawned server: status and parsed body. */
    async function call(server: ListeningServer, method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }
      const response = await fetch(server.url + path, { method, headers, body: JSON.stringify(body) })
      const text = await response.text()
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
    }

    it('accepts a code on exactly one of two processes when both get it at once (real clock)', async () => {
      const [one, two] = processes as [ListeningServer, ListeningServer]
      for (let round = 0; round < 3; round++) {
        const user = { userName: `proc${round}_${process.pid}`, password: 'correct horse battery staple' }
        assert.equal((await call(one, 'POST', '/api/accounts', { ...user, firstName: 'A', lastName: 'B', email: `proc${round}.${process.pid}@example.com` })).status, 201)
        const login = await call(two, 'POST', '/api/auth/login', user)
        assert.equal(login.status, 200)
        const started = await call(one, 'POST', '/api/accounts/me/mfa/totp', { currentPassword: user.password }, login.body.accessToken.token)
        assert.equal(started.status, 200)
        const secret = started.body.secret as string
        const confirmed = await call(two, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeOfStep(secret, stepAt(Date.now())) }, login.body.accessToken.token)
        assert.equal(confirmed.status, 200)
        // The step after the one the confirmation used: in the window for the next 30 s at least.
        const code = codeOfStep(secret, stepAt(Date.now()) + 1)
        const logins: [ListeningServer, string][] = []
        for (const server of [one, two, one, two, one, two]) {
          const first = await call(server, 'POST', '/api/auth/login', user)
          assert.equal(first.status, 403)
          logins.push([server, first.body.mfaToken as string])
        }
        const answers = await Promise.all(logins.map(([server, mfaToken]) => call(server, 'POST', '/api/auth/login/mfa', { mfaToken, code })))
        const statuses = answers.map((answer) => `${answer.status} ${answer.status === 200 ? '' : answer.body.code}`)
        assert.equal(statuses.filter((status) => status === '200 ').length, 1, `round ${round}: ${statuses.join(', ')}`)
        // The others are refused as replays. A spurious 429 (a failure recorded by a racing request
        // after this one read the clock) is another bug, tested in mfa-brute-force.test.ts; here
        // only a second acceptance would matter.
        const refusals = statuses.filter((status) => status !== '200 ')
        assert.ok(refusals.every((status) => status === '401 invalid_mfa_code' || status === '429 too_many_requests'), `round ${round}: ${statuses.join(', ')}`)
      }
    })
  })
}
