import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import { linkIn, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestServer, type TokenBody } from '../support/test-app.js'
import {
  asUser,
  assertProblem,
  beginEnrollment,
  codeAt,
  enroll,
  gatedHasher,
  mfaTokenFor,
  passwordStep,
  secondStep,
  STEP_MS,
} from '../support/two-factor.js'

// Contract §10 and issue 12: turning the factor on ends every other session; a password change or
// reset keeps it on; "a login racing the factor being turned on cannot yield a session without the
// second factor"; a refresh keeps the session's amr; GET /api/accounts/me shows mfaEnabled.

for (const dialect of DIALECTS) {
  describe(`two-factor authentication and sessions (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    let sink: SmtpSink
    let hasher: ReturnType<typeof gatedHasher>
    before(async () => {
      sink = await startSmtpSink()
      hasher = gatedHasher()
      server = await startTestServer({ dialect, hasher, env: { SMTP_URL: sink.url, LOGIN_MAX_FAILURES: '100' } })
    })
    after(async () => {
      await server.close()
      await sink.close()
    })

    const now = () => server.clock.now()
    const refresh = (pair: TokenBody) => server.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })
    const mfaEnabled = async (pair: TokenBody) => {
      const me = await asUser(server, pair, 'GET', '/api/accounts/me')
      assert.equal(me.status, 200, me.text)
      return me.body.mfaEnabled as boolean
    }
    const sessionIds = async (pair: TokenBody) => {
      const listed = await asUser(server, pair, 'GET', '/api/sessions')
      assert.equal(listed.status, 200, listed.text)
      return (listed.body as { id: string; current: boolean }[]).map((session) => `${session.id}${session.current ? ' (current)' : ''}`)
    }

    it('shows mfaEnabled: false, false while pending, true once confirmed, false once turned off', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      assert.equal(await mfaEnabled(pair), false)
      const { secret } = await beginEnrollment(server, pair, user.password)
      assert.equal(await mfaEnabled(pair), false)
      assert.equal((await passwordStep(server, user)).status, 200, 'a pending secret asks nothing at login')
      const confirmed = await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(secret, now()) })
      assert.equal(confirmed.status, 200)
      assert.equal(await mfaEnabled(pair), true)
      server.clock.advance(STEP_MS)
      const off = await asUser(server, pair, 'DELETE', '/api/accounts/me/mfa', { currentPassword: user.password, code: codeAt(secret, now()) })
      assert.equal(off.status, 204, off.text)
      assert.equal(await mfaEnabled(pair), false)
      assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_disabled'), 1)
    })

    it('ends every other session when the factor goes on: their refresh is 400 invalid_grant, their access 401; the enrolling one goes on', async () => {
      const user = await server.register()
      const others = [await server.login(user.userName, user.password), await server.login(user.userName, user.password)]
      const pair = await server.login(user.userName, user.password)
      const before = await countEvents(server.ctx.store, user.id, 'session_ended')
      await enroll(server, { user, pair })
      for (const other of others) {
        assertProblem(await server.request('GET', '/api/protected', { token: other.accessToken.token }), 401, 'invalid_token', 'access of an ended session')
        assertProblem(await refresh(other), 400, 'invalid_grant', 'refresh of an ended session')
      }
      assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), before + 2)
      assert.equal((await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status, 200)
      assert.equal((await sessionIds(pair)).length, 1)
      // A session started before the factor was on keeps its amr across refreshes: pwd.
      const refreshed = await refresh(pair)
      assert.equal(refreshed.status, 200, refreshed.text)
      assert.deepEqual(decodeJwt(refreshed.body.accessToken.token).payload.amr, ['pwd'])
    })

    it('keeps amr pwd+otp across refreshes of a session started with the second factor', async () => {
      const { user, secret } = await enroll(server)
      const done = await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, now()))
      assert.equal(done.status, 200, done.text)
      let pair = done.body as TokenBody
      for (let i = 0; i < 3; i++) {
        const refreshed = await refresh(pair)
        assert.equal(refreshed.status, 200, refreshed.text)
        pair = refreshed.body as TokenBody
        assert.deepEqual(decodeJwt(pair.accessToken.token).payload.amr, ['pwd', 'otp'])
      }
    })

    it('keeps the factor on across a password change; an mfaToken from before the change is dead', async () => {
      const { user, pair, secret } = await enroll(server)
      const stale = await mfaTokenFor(server, user)
      const changed = await asUser(server, pair, 'POST', '/api/accounts/me/password', { currentPassword: user.password, newPassword: 'a brand new passphrase' })
      assert.equal(changed.status, 204, changed.text)
      assert.equal(await mfaEnabled(pair), true)
      const first = await passwordStep(server, { ...user, password: 'a brand new passphrase' })
      assertProblem(first, 403, 'mfa_required')
      assertProblem(await secondStep(server, stale, codeAt(secret, now())), 401, 'invalid_grant', 'the token of the old password')
      server.clock.advance(STEP_MS)
      const done = await secondStep(server, first.body.mfaToken, codeAt(secret, now()))
      assert.equal(done.status, 200, done.text)
      assert.deepEqual(decodeJwt(done.body.accessToken.token).payload.amr, ['pwd', 'otp'])
    })

    it('does not use up a recovery code presented with an mfaToken that a password change voided', async () => {
      const { user, pair, recoveryCodes } = await enroll(server)
      const stale = await mfaTokenFor(server, user)
      const changed = await asUser(server, pair, 'POST', '/api/accounts/me/password', { currentPassword: user.password, newPassword: 'a brand new passphrase' })
      assert.equal(changed.status, 204, changed.text)
      assertProblem(await secondStep(server, stale, recoveryCodes[0]), 401, 'invalid_grant', 'the token of the old password')
      // The code got nothing: it must still be there for the owner.
      assert.equal(await countEvents(server.ctx.store, user.id, 'recovery_code_used'), 0, 'recovery_code_used recorded for a code that signed nobody in')
      const fresh = await mfaTokenFor(server, { ...user, password: 'a brand new passphrase' })
      const done = await secondStep(server, fresh, recoveryCodes[0])
      assert.equal(done.status, 200, `the recovery code was used up by a refused sign-in: ${done.text}`)
    })

    it('keeps the factor on across a password reset by mail: the new password still asks for the code', async () => {
      const { user, pair, secret } = await enroll(server)
      const asked = await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })
      assert.equal(asked.status, 202)
      const token = tokenIn(linkIn(await sink.nextMail(user.email)))
      const reset = await server.request('POST', '/api/auth/password-reset', { body: { token, newPassword: 'a brand new passphrase' } })
      assert.equal(reset.status, 204, reset.text)
      assertProblem(await server.request('GET', '/api/protected', { token: pair.accessToken.token }), 401, 'invalid_token', 'the reset ended the sessions')
      const first = await passwordStep(server, { ...user, password: 'a brand new passphrase' })
      assertProblem(first, 403, 'mfa_required', 'login after the reset')
      const done = await secondStep(server, first.body.mfaToken, codeAt(secret, now()))
      assert.equal(done.status, 200, done.text)
      assert.equal(await mfaEnabled(done.body as TokenBody), true)
    })

    it('kills a pending mfaToken when the factor is turned off meanwhile', async () => {
      const { user, pair, secret, recoveryCodes } = await enroll(server)
      const pending = await mfaTokenFor(server, user)
      const off = await asUser(server, pair, 'DELETE', '/api/accounts/me/mfa', { currentPassword: user.password, code: recoveryCodes[0] })
      assert.equal(off.status, 204, off.text)
      assertProblem(await secondStep(server, pending, codeAt(secret, now())), 401, 'invalid_grant')
      const login = await passwordStep(server, user)
      assert.equal(login.status, 200, login.text)
      assert.deepEqual(decodeJwt(login.body.accessToken.token).payload.amr, ['pwd'])
    })

    it('gives no password-only session to a login that was checking the password while the factor went on', async () => {
      for (let round = 0; round < 2; round++) {
        const user = await server.register()
        const pair = await server.login(user.userName, user.password)
        const before = await countEvents(server.ctx.store, user.id, 'login_succeeded')
        const held = hasher.holdNextVerify()
        const racing = passwordStep(server, user)
        await held.reached
        // While that login's password check runs, the owner turns the factor on from another session.
        try {
          await enroll(server, { user, pair })
        } finally {
          held.release()
        }
        const answer = await racing
        assert.notEqual(answer.status, 200, `round ${round}: ${answer.text}`)
        assert.ok(
          (answer.status === 401 && answer.body.code === 'invalid_credentials') || (answer.status === 403 && answer.body.code === 'mfa_required'),
          `round ${round}: ${answer.text}`,
        )
        assert.deepEqual(await sessionIds(pair), [`${decodeJwt(pair.accessToken.token).payload.sid as string} (current)`], 'only the enrolling session')
        assert.equal(await countEvents(server.ctx.store, user.id, 'login_succeeded'), before)
      }
    })
  })
}
