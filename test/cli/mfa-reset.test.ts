import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import type { TestServer, TokenBody } from '../support/test-app.js'
import { asUser, assertProblem, beginEnrollment, codeAt, enroll, mfaTokenFor, passwordStep, secondStep } from '../support/two-factor.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

// Contract §8 and §10: `npx latchkey users mfa-reset USER` (a user name or email, ignoring case)
// erases the second factor and ends every session of the user; exit 0 on success, non-zero with
// a one-line reason on failure.

for (const dialect of DIALECTS) {
  describe(`latchkey users mfa-reset (${dialect.name})`, { timeout: 180_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    const env = () => ({ DATABASE_URL: database.url })
    const mfaReset = (...args: string[]) => latchkey(['users', 'mfa-reset', ...args], { env: env() })
    const oneLine = (text: string) => text.trim() !== '' && text.trim().split('\n').length === 1
    const refresh = (pair: TokenBody) => server.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })

    before(async () => ({ database, server } = await serverOnFreshDatabase(dialect)))
    after(() => closeServerAndDatabase(server, database))

    /** Every session in `pairs` has ended: refresh 400 invalid_grant, access 401 invalid_token. */
    async function assertEnded(pairs: TokenBody[]): Promise<void> {
      // The CLI is another process: this server learns of the endings from the database.
      await server.ctx.revocations.poll()
      for (const pair of pairs) {
        assertProblem(await server.request('GET', '/api/protected', { token: pair.accessToken.token }), 401, 'invalid_token', 'access')
        assertProblem(await refresh(pair), 400, 'invalid_grant', 'refresh')
      }
    }

    it('turns the factor off for a user named by user name or email in any case, prints one line, ends every session, records mfa_disabled', async () => {
      for (const identify of [(u: { userName: string }) => u.userName.toUpperCase(), (u: { email: string }) => u.email.toUpperCase()]) {
        const { user, pair, secret } = await enroll(server)
        const withOtp = (await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, server.clock.now()))).body as TokenBody
        const pending = await mfaTokenFor(server, user)
        const result = await mfaReset(identify(user))
        assert.equal(result.code, 0, result.stderr)
        assert.ok(oneLine(result.stdout), result.stdout)
        assert.match(result.stdout, new RegExp(user.userName.replace(/[.+]/g, '\\$&')))
        await assertEnded([pair, withOtp])
        assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_disabled'), 1)
        assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), 2)
        // The factor is gone: a password-only login, and the mfaToken of before is dead.
        assertProblem(await secondStep(server, pending, codeAt(secret, server.clock.now())), 401, 'invalid_grant', 'the mfaToken of before')
        const login = await passwordStep(server, user)
        assert.equal(login.status, 200, login.text)
        assert.deepEqual(decodeJwt(login.body.accessToken.token).payload.amr, ['pwd'])
        assert.equal((await asUser(server, login.body as TokenBody, 'GET', '/api/accounts/me')).body.mfaEnabled, false)
        // The user can enroll again, with a new secret.
        const again = await beginEnrollment(server, login.body as TokenBody, user.password)
        assert.notEqual(again.secret, secret)
      }
    })

    it('exits 0 for a user without the factor and still ends every session (the operator path), without mfa_disabled', async () => {
      const user = await server.register()
      const pairs = [await server.login(user.userName, user.password), await server.login(user.userName, user.password)]
      const result = await mfaReset(user.email)
      assert.equal(result.code, 0, result.stderr)
      assert.ok(oneLine(result.stdout), result.stdout)
      await assertEnded(pairs)
      assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_disabled'), 0)
      assert.equal((await passwordStep(server, user)).status, 200)
    })

    it('treats a user with only a pending enrollment as one without the factor: exit 0, sessions end, the pending secret is gone, no mfa_disabled', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      await beginEnrollment(server, pair, user.password)
      const result = await mfaReset(user.userName)
      assert.equal(result.code, 0, result.stderr)
      assert.ok(oneLine(result.stdout), result.stdout)
      await assertEnded([pair])
      const login = await server.login(user.userName, user.password)
      assertProblem(await asUser(server, login, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: '123456' }), 404, 'not_found', 'no pending secret left')
      // The factor was never on: "mfa_disabled" in the user's activity would say otherwise.
      assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_disabled'), 0)
    })

    it('logs mfa_disabled (stderr, as every event is also a log line) only when a factor was on', async () => {
      const events = (stderr: string) =>
        stderr
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => (JSON.parse(line) as { event?: string }).event)
      const { user: withFactor } = await enroll(server)
      const on = await latchkey(['users', 'mfa-reset', withFactor.userName], { env: { ...env(), LOG_LEVEL: 'info' } })
      assert.equal(on.code, 0, on.stderr)
      assert.ok(events(on.stderr).includes('mfa_disabled'), on.stderr)
      const without = await server.register()
      const off = await latchkey(['users', 'mfa-reset', without.userName], { env: { ...env(), LOG_LEVEL: 'info' } })
      assert.equal(off.code, 0, off.stderr)
      assert.ok(!events(off.stderr).includes('mfa_disabled'), `no factor was turned off, yet: ${off.stderr}`)
    })

    it('exits non-zero with a one-line reason for an unknown user', async () => {
      const result = await mfaReset('nobody.here')
      assert.notEqual(result.code, 0)
      assert.equal(result.stdout, '')
      assert.ok(oneLine(result.stderr), result.stderr)
      assert.match(result.stderr, /nobody\.here/)
    })

    it('exits non-zero without a USER or with more than one, and changes nothing', async () => {
      const { user, pair, secret } = await enroll(server)
      for (const args of [[], [user.userName, 'extra'], [user.userName, user.email], ['--user', user.userName]]) {
        const result = await mfaReset(...args)
        assert.notEqual(result.code, 0, `${args.join(' ')}: ${result.stdout}`)
        assert.equal(result.stdout, '')
        assert.ok(oneLine(result.stderr), result.stderr)
      }
      await server.ctx.revocations.poll()
      assert.equal((await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status, 200)
      assert.equal((await asUser(server, pair, 'GET', '/api/accounts/me')).body.mfaEnabled, true)
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, server.clock.now()))).status, 200)
      assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_disabled'), 0)
    })
  })
}
