import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPasswordHasher } from '../../src/crypto/password-hasher.js'
import { countingPool } from '../support/counting-pool.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, TESTS_QUEUE_WAIT_MS, type TestResponse, type TestServer, type TokenBody } from '../support/test-app.js'
import {
  asUser,
  assertProblem,
  beginEnrollment,
  codeAt,
  enroll,
  mfaTokenFor,
  passwordStep,
  secondStep,
  STEP_MS,
  wrongCode,
} from '../support/two-factor.js'

// Contract §10 with §4.5, issue 12: "the mfaToken is single use, … dies after 300 s or 5 wrong
// codes; wrong codes count as failures for the (account, client IP) back-off, so the second
// factor cannot be brute-forced", and "a wrong password for an MFA user still gets the plain
// 401 invalid_credentials".

/** A 429 of the back-off: too_many_requests with a whole number of seconds to wait. */
function assertThrottled(response: TestResponse, context: string): void {
  assertProblem(response, 429, 'too_many_requests', context)
  const retryAfter = response.headers.get('retry-after')
  assert.match(retryAfter ?? '', /^[1-9][0-9]*$/, `${context}: Retry-After ${retryAfter}`)
}

for (const dialect of DIALECTS) {
  describe(`two-factor brute force: wrong codes feed the back-off (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '2' } })
    })
    after(() => server.close())

    const now = () => server.clock.now()

    it('after two wrong codes at login/mfa even the right code gets 429 with Retry-After, and so does the password login', async () => {
      const { user, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      for (let i = 0; i < 2; i++) assertProblem(await secondStep(server, mfaToken, wrongCode(secret, now())), 401, 'invalid_mfa_code', `wrong code ${i + 1}`)
      const refused = await secondStep(server, mfaToken, codeAt(secret, now()))
      assertThrottled(refused, 'the right code while the key waits')
      assertThrottled(await passwordStep(server, user), 'the password login while the key waits')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 2)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), 1, 'only the login that enrolled')

      // The refused attempts were neither checked nor charged: once the wait is over, the same
      // mfaToken (2 of its 5 codes tried) still takes the right code.
      server.clock.advanceSeconds(Number(refused.headers.get('retry-after')))
      const done = await secondStep(server, mfaToken, codeAt(secret, now()))
      assert.equal(done.status, 200, done.text)
    })

    it('control: one wrong code, then the right one, starts the session', async () => {
      const { user, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      assertProblem(await secondStep(server, mfaToken, wrongCode(secret, now())), 401, 'invalid_mfa_code')
      const done = await secondStep(server, mfaToken, codeAt(secret, now()))
      assert.equal(done.status, 200, done.text)
    })

    it('failed password logins make login/mfa wait too, for a token obtained before them', async () => {
      const { user, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      for (let i = 0; i < 2; i++) assertProblem(await passwordStep(server, { ...user, password: 'not the password' }), 401, 'invalid_credentials')
      assertThrottled(await secondStep(server, mfaToken, codeAt(secret, now())), 'login/mfa while the key waits')
    })

    it('wrong current passwords at the account endpoints make login/mfa wait too (counted as §5 says)', async () => {
      const { user, pair, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      for (let i = 0; i < 2; i++) {
        const wrong = await asUser(server, pair, 'DELETE', '/api/accounts/me/mfa', { currentPassword: 'not the password', code: codeAt(secret, now()) })
        assertProblem(wrong, 403, 'invalid_current_password')
      }
      assertThrottled(await secondStep(server, mfaToken, codeAt(secret, now())), 'login/mfa while the key waits')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 2)
    })

    it('counts wrong codes at confirmation: 400 invalid_mfa_code twice, then 429 even for the right code', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const { secret } = await beginEnrollment(server, pair, user.password)
      for (let i = 0; i < 2; i++) {
        assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: wrongCode(secret, now()) }), 400, 'invalid_mfa_code')
      }
      assertThrottled(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(secret, now()) }), 'confirmation while the key waits')
      assertThrottled(await passwordStep(server, user), 'the password login while the key waits')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 2)
      assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, false)
    })

    for (const [method, path] of [
      ['DELETE', '/api/accounts/me/mfa'],
      ['POST', '/api/accounts/me/mfa/recovery-codes'],
    ] as const) {
      it(`counts wrong codes at ${method} ${path}: 400 invalid_mfa_code twice, then 429 even for the right code`, async () => {
        const { user, pair, secret, recoveryCodes } = await enroll(server)
        for (let i = 0; i < 2; i++) {
          assertProblem(await asUser(server, pair, method, path, { currentPassword: user.password, code: wrongCode(secret, now()) }), 400, 'invalid_mfa_code')
        }
        assertThrottled(await asUser(server, pair, method, path, { currentPassword: user.password, code: codeAt(secret, now()) }), `${path}, a TOTP code`)
        assertThrottled(await asUser(server, pair, method, path, { currentPassword: user.password, code: recoveryCodes[0] }), `${path}, a recovery code`)
        assertThrottled(await passwordStep(server, user), 'the password login while the key waits')
        assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 2)
        assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, true, 'nothing changed')
        assert.equal(await countEvents(server.ctx.store, user.id, 'recovery_code_used'), 0, 'the recovery code was not checked')
      })
    }
  })

  describe(`two-factor brute force: the mfaToken's own limits (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    before(async () => {
      // The back-off stays out of the way: only the mfaToken's limits are at work here.
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '100' } })
    })
    after(() => server.close())

    const now = () => server.clock.now()

    it('answers a wrong password with the plain 401 invalid_credentials: nothing says the factor is on', async () => {
      const { user } = await enroll(server)
      const plain = await server.register()
      const wrongForMfaUser = await passwordStep(server, { ...user, password: 'not the password' })
      const wrongForPlainUser = await passwordStep(server, { ...plain, password: 'not the password' })
      for (const response of [wrongForMfaUser, wrongForPlainUser]) {
        assertProblem(response, 401, 'invalid_credentials')
        assert.equal('mfaToken' in response.body, false, response.text)
        assert.equal('expiresIn' in response.body, false, response.text)
      }
      assert.deepEqual(Object.keys(wrongForMfaUser.body).sort(), Object.keys(wrongForPlainUser.body).sort())
      assert.equal(wrongForMfaUser.body.detail, wrongForPlainUser.body.detail)
    })

    it('kills the mfaToken after 5 wrong codes: the right code then gets 401 invalid_grant; each wrong code is one login_failed', async () => {
      const { user, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      for (let i = 0; i < 5; i++) assertProblem(await secondStep(server, mfaToken, wrongCode(secret, now())), 401, 'invalid_mfa_code', `wrong code ${i + 1}`)
      assertProblem(await secondStep(server, mfaToken, codeAt(secret, now())), 401, 'invalid_grant', 'the right code after 5 wrong ones')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 5)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), 1, 'only the login that enrolled')
      // A new password step gives a new token that works: the dead token was no lock-out.
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, now()))).status, 200)
    })

    it('lets a recovery code count as a code: after 4 wrong codes the 5th try may still be a recovery code, the 6th may not', async () => {
      const { user, secret, recoveryCodes } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      for (let i = 0; i < 4; i++) assertProblem(await secondStep(server, mfaToken, 'ABCDE-FGHJK'), 401, 'invalid_mfa_code')
      assert.equal((await secondStep(server, mfaToken, recoveryCodes[0])).status, 200)
      const other = await mfaTokenFor(server, user)
      for (let i = 0; i < 5; i++) assertProblem(await secondStep(server, other, wrongCode(secret, now())), 401, 'invalid_mfa_code')
      assertProblem(await secondStep(server, other, recoveryCodes[1]), 401, 'invalid_grant')
      assert.equal(await countEvents(server.ctx.store, user.id, 'recovery_code_used'), 1, 'the 6th code was never checked')
    })

    it('kills the mfaToken 300 s after it was issued: at 299 s it still works', async () => {
      const { user, secret } = await enroll(server)
      const early = await mfaTokenFor(server, user)
      const late = await mfaTokenFor(server, user)
      server.clock.advance(299_000)
      const inTime = await secondStep(server, early, codeAt(secret, now()))
      assert.equal(inTime.status, 200, inTime.text)
      server.clock.advance(1_000)
      assertProblem(await secondStep(server, late, codeAt(secret, now())), 401, 'invalid_grant', 'at 300 s, with the right code')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 0, 'a dead token is not a wrong code')
    })

    it('tries at most 5 codes of one mfaToken, however many are sent at once', async () => {
      const { user, secret } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      const wrong = wrongCode(secret, now())
      const burst = await Promise.all(Array.from({ length: 5 }, () => secondStep(server, mfaToken, wrong)))
      for (const response of burst) assertProblem(response, 401, 'invalid_mfa_code', 'one of 5 concurrent wrong codes')
      assertProblem(await secondStep(server, mfaToken, codeAt(secret, now())), 401, 'invalid_grant', 'the 6th request, with the right code')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 5)

      const another = await mfaTokenFor(server, user)
      const bigger = await Promise.all(Array.from({ length: 8 }, () => secondStep(server, another, wrong)))
      const codes = bigger.map((response) => `${response.status} ${response.body.code}`).sort()
      assert.deepEqual(codes, [...Array<string>(5).fill('401 invalid_mfa_code'), ...Array<string>(3).fill('401 invalid_grant')].sort())
      assertProblem(await secondStep(server, another, codeAt(secret, now())), 401, 'invalid_grant')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 10, 'one per code tried, none for the refused')
    })

    it('does not make a code wait for a failure below LOGIN_MAX_FAILURES recorded while its request was starting', async () => {
      // Two sign-in attempts in flight at once, as two tabs or two instances make them: the right
      // code's request reads the clock, then (before it reads the back-off row) a wrong code of the
      // same account fails a millisecond later. One failure of 100 allowed calls for no wait.
      const { user, secret } = await enroll(server)
      const slow = await mfaTokenFor(server, user)
      const fast = await mfaTokenFor(server, user)
      const store = server.ctx.store
      const findBackOff = store.findBackOff
      let reached = () => {}
      let release = () => {}
      const reachedRead = new Promise<void>((resolve) => (reached = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      store.findBackOff = async (key) => {
        store.findBackOff = findBackOff
        reached()
        await released
        return findBackOff(key)
      }
      try {
        const right = secondStep(server, slow, codeAt(secret, now()))
        await reachedRead
        server.clock.advance(1)
        assertProblem(await secondStep(server, fast, wrongCode(secret, now())), 401, 'invalid_mfa_code')
        release()
        const answer = await right
        assert.equal(answer.status, 200, `one failure of ${server.config.loginMaxFailures} allowed: ${answer.text}`)
      } finally {
        store.findBackOff = findBackOff
        release()
      }
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_throttled'), 0)
    })

    it('uses an mfaToken once: after its 200, even a fresh TOTP code or a recovery code is 401 invalid_grant', async () => {
      const { user, secret, recoveryCodes } = await enroll(server)
      const mfaToken = await mfaTokenFor(server, user)
      assert.equal((await secondStep(server, mfaToken, codeAt(secret, now()))).status, 200)
      server.clock.advance(STEP_MS)
      assertProblem(await secondStep(server, mfaToken, codeAt(secret, now())), 401, 'invalid_grant', 'a fresh TOTP code')
      assertProblem(await secondStep(server, mfaToken, recoveryCodes[0]), 401, 'invalid_grant', 'a recovery code')
      assert.equal(await countEvents(server.ctx.store, user.id, 'recovery_code_used'), 0)
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, now()))).status, 200, 'the fresh code was not used up')
    })

    it('records login_succeeded only when the session starts, not after the password step', async () => {
      const { user, pair, secret } = await enroll(server)
      const before = await countEvents(server.ctx.store, user.id, 'login_succeeded')
      const mfaToken = await mfaTokenFor(server, user)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), before, 'no session yet')
      assert.equal((await asUser(server, pair, 'GET', '/api/sessions')).body.length, 1, 'no session yet')
      assertProblem(await secondStep(server, mfaToken, wrongCode(secret, now())), 401, 'invalid_mfa_code')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), before)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 1)
      assert.equal((await secondStep(server, mfaToken, codeAt(secret, now()))).status, 200)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), before + 1)
    })
  })

  describe(`two-factor brute force: the per-IP rate limit covers login/mfa (${dialect.name})`, { timeout: 180_000 }, () => {
    const LIMIT = 4
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), LOGIN_MAX_FAILURES: '100', TRUST_PROXY: '1' } })
    })
    after(() => server.close())

    it('counts login/mfa with the other limited routes, answers 429 with Retry-After past the limit without checking the code', async () => {
      // Set up from other addresses, so the address under test starts with a clean minute.
      const user = await server.register()
      const pair = (await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password }, headers: { 'x-forwarded-for': '198.51.100.2' } })).body as TokenBody
      const { secret } = await beginEnrollment(server, pair, user.password)
      assert.equal((await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(secret, server.clock.now()) })).status, 200)
      server.clock.advance(STEP_MS)
      const here = { 'x-forwarded-for': '203.0.113.7' }
      const first = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password }, headers: here })
      assertProblem(first, 403, 'mfa_required')
      const mfaToken = first.body.mfaToken as string
      const step = (code: string) => server.request('POST', '/api/auth/login/mfa', { body: { mfaToken, code }, headers: here })
      for (let i = 1; i < LIMIT; i++) {
        const wrong = await step(wrongCode(secret, server.clock.now()))
        assertProblem(wrong, 401, 'invalid_mfa_code')
        assert.equal(wrong.headers.get('ratelimit-limit'), String(LIMIT))
        assert.equal(wrong.headers.get('ratelimit-remaining'), String(LIMIT - 1 - i))
      }
      const limited = await step(codeAt(secret, server.clock.now()))
      assertThrottled(limited, 'past the limit')
      assert.equal(limited.headers.get('ratelimit-remaining'), '0')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), LIMIT - 1, 'the refused request checked nothing')
      server.clock.advanceSeconds(60)
      const done = await step(codeAt(secret, server.clock.now()))
      assert.equal(done.status, 200, `the token was not charged by the refused request: ${done.text}`)
    })
  })

  describe(`two-factor brute force: a wrong password costs what any failed login costs (${dialect.name})`, { timeout: 180_000 }, () => {
    const pool = countingPool()
    let server: TestServer
    before(async () => {
      const hasher = createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS, startPool: pool.startPool })
      server = await startTestServer({ dialect, hasher, env: { LOGIN_MAX_FAILURES: '100' } })
    })
    after(() => server.close())

    /** The argon2 calls one password step made, and its answer. */
    async function workOf(userName: string, password: string) {
      const before = { ...pool.calls }
      const response = await passwordStep(server, { userName, password })
      return { response, work: { verify: pool.calls.verify - before.verify, hash: pool.calls.hash - before.hash } }
    }

    it('runs argon2id once for a wrong password whether the factor is on, off, or the user unknown', async () => {
      const { user } = await enroll(server)
      const plain = await server.register()
      const unknown = await workOf(`nobody_${process.pid}`, 'not the password')
      const off = await workOf(plain.userName, 'not the password')
      const on = await workOf(user.userName, 'not the password')
      for (const { response } of [unknown, off, on]) assertProblem(response, 401, 'invalid_credentials')
      assert.deepEqual(unknown.work, { verify: 1, hash: 0 })
      assert.deepEqual(off.work, unknown.work)
      assert.deepEqual(on.work, unknown.work)
      const right = await workOf(user.userName, user.password)
      assertProblem(right.response, 403, 'mfa_required')
      assert.deepEqual(right.work, unknown.work, 'the right password: the same work, then the mfaToken')
    })
  })
}
