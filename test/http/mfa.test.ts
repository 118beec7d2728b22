import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base32Decode, totpCode, totpStep } from '../../src/crypto/totp.js'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer, type TokenBody } from '../support/test-app.js'

const STEP_MS = 30_000

for (const dialect of DIALECTS) {
  describe(`two-factor authentication (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    before(async () => {
      // The back-off stays out of the way here; test/http/mfa-brute-force.test.ts shows it at work.
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '50' } })
    })
    after(() => server.close())

    const codeFor = (secret: string, atMs = server.clock.now()) => totpCode(base32Decode(secret)!, totpStep(atMs))
    const bearerPost = (pair: TokenBody, path: string, body: unknown) => server.request('POST', path, { body, token: pair.accessToken.token })

    /** A user with the factor on: its secret, recovery codes, and the session that turned it on. */
    async function enrolled() {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const started = await bearerPost(pair, '/api/accounts/me/mfa/totp', { currentPassword: user.password })
      assert.equal(started.status, 200, started.text)
      const { secret, otpauthUri } = started.body as { secret: string; otpauthUri: string }
      const confirmed = await bearerPost(pair, '/api/accounts/me/mfa/totp/confirm', { code: codeFor(secret) })
      assert.equal(confirmed.status, 200, confirmed.text)
      server.clock.advance(STEP_MS) // the confirmation used this step's code
      return { user, pair, secret, otpauthUri, recoveryCodes: confirmed.body.recoveryCodes as string[] }
    }

    it('enrolls with the password and a code, shows 10 recovery codes once, and ends the other sessions', async () => {
      const user = await server.register()
      const other = await server.login(user.userName, user.password)
      const pair = await server.login(user.userName, user.password)
      const started = await bearerPost(pair, '/api/accounts/me/mfa/totp', { currentPassword: user.password })
      assert.equal(started.status, 200)
      assert.ok(base32Decode(started.body.secret)!.length >= 20, '≥ 160 bits')
      assert.equal(started.body.otpauthUri.split('?')[0], `otpauth://totp/latchkey:${user.userName}`)
      assert.match(started.body.otpauthUri, new RegExp(`[?&]secret=${started.body.secret}(&|$)`))
      assert.match(started.body.otpauthUri, /[?&]issuer=latchkey(&|$)/)
      // Nothing is on until confirmed.
      assert.equal((await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })).body.mfaEnabled, false)
      const wrong = await bearerPost(pair, '/api/accounts/me/mfa/totp/confirm', { code: '000000' === codeFor(started.body.secret) ? '111111' : '000000' })
      assert.equal(wrong.status, 400)
      assert.equal(wrong.body.code, 'invalid_mfa_code')
      const confirmed = await bearerPost(pair, '/api/accounts/me/mfa/totp/confirm', { code: codeFor(started.body.secret) })
      assert.equal(confirmed.status, 200)
      const codes = confirmed.body.recoveryCodes as string[]
      assert.equal(codes.length, 10)
      assert.equal(new Set(codes).size, 10)
      assert.equal((await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })).body.mfaEnabled, true)
      assert.equal((await server.request('GET', '/api/protected', { token: other.accessToken.token })).status, 401, 'the other session ended')
      assert.equal((await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status, 200, 'this one goes on')
      assert.equal(await countEvents(server.ctx.store, user.id, 'mfa_enabled'), 1)
      // Already on: 409.
      const again = await bearerPost(pair, '/api/accounts/me/mfa/totp', { currentPassword: user.password })
      assert.equal(again.status, 409)
      assert.equal(again.body.code, 'mfa_already_enabled')
    })

    it('asks for the second factor after the right password only, then starts a session with amr pwd+otp, kept across refresh', async () => {
      const { user, secret } = await enrolled()
      const wrongPassword = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'not the password' } })
      assert.equal(wrongPassword.status, 401)
      assert.equal(wrongPassword.body.code, 'invalid_credentials')
      assert.equal(wrongPassword.body.mfaToken, undefined)

      const first = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(first.status, 403)
      assert.equal(first.body.code, 'mfa_required')
      assert.equal(first.body.expiresIn, 300)
      assert.ok(Buffer.from(first.body.mfaToken, 'base64url').length >= 32)
      assert.match(first.headers.get('content-type') ?? '', /application\/problem\+json/)

      const second = await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: first.body.mfaToken, code: codeFor(secret) } })
      assert.equal(second.status, 200, second.text)
      assert.deepEqual(decodeJwt(second.body.accessToken.token).payload.amr, ['pwd', 'otp'])
      const refreshed = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: second.body.refreshToken } })
      assert.equal(refreshed.status, 200)
      assert.deepEqual(decodeJwt(refreshed.body.accessToken.token).payload.amr, ['pwd', 'otp'])

      const reused = await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: first.body.mfaToken, code: codeFor(secret) } })
      assert.equal(reused.status, 401)
      assert.equal(reused.body.code, 'invalid_grant')
    })

    it('gives amr ["pwd"] to a session without a second factor', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      assert.deepEqual(decodeJwt(pair.accessToken.token).payload.amr, ['pwd'])
    })

    it('accepts a TOTP code once, and a recovery code once (in any case, with or without the separator)', async () => {
      const { user, secret, recoveryCodes } = await enrolled()
      const mfaToken = async () => (await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })).body.mfaToken as string
      const code = codeFor(secret)
      assert.equal((await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: await mfaToken(), code } })).status, 200)
      const replay = await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: await mfaToken(), code } })
      assert.equal(replay.status, 401)
      assert.equal(replay.body.code, 'invalid_mfa_code')

      const recovery = recoveryCodes[0]!.replace('-', '').toLowerCase()
      assert.equal((await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: await mfaToken(), code: recovery } })).status, 200)
      assert.equal((await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: await mfaToken(), code: recoveryCodes[0] } })).body.code, 'invalid_mfa_code')
      assert.equal(await countEvents(server.ctx.store, user.id, 'recovery_code_used'), 1)
    })

    it('kills the mfaToken after 5 wrong codes and after 300 s; wrong codes are failed logins', async () => {
      const { user, secret } = await enrolled()
      const first = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      for (let i = 0; i < 5; i++) {
        const wrong = await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: first.body.mfaToken, code: 'ABCDE-FGHJK' } })
        assert.equal(wrong.status, 401)
        assert.equal(wrong.body.code, 'invalid_mfa_code')
      }
      const dead = await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: first.body.mfaToken, code: codeFor(secret) } })
      assert.equal(dead.status, 401)
      assert.equal(dead.body.code, 'invalid_grant')
      assert.ok((await countEvents(server.ctx.store, user.id, 'login_failed')) >= 5)
    })

    it('turns the factor off with the password and a code; then login needs the password only', async () => {
      const { user, pair, secret } = await enrolled()
      const noCode = await server.request('DELETE', '/api/accounts/me/mfa', { body: { currentPassword: user.password, code: '12345' }, token: pair.accessToken.token })
      assert.equal(noCode.status, 400)
      assert.equal(noCode.body.code, 'invalid_mfa_code')
      const off = await server.request('DELETE', '/api/accounts/me/mfa', { body: { currentPassword: user.password, code: codeFor(secret) }, token: pair.accessToken.token })
      assert.equal(off.status, 204, off.text)
      assert.equal((await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })).body.mfaEnabled, false)
      const login = await server.login(user.userName, user.password)
      assert.deepEqual(decodeJwt(login.accessToken.token).payload.amr, ['pwd'])
      const offAgain = await server.request('DELETE', '/api/accounts/me/mfa', { body: { currentPassword: user.password, code: '123456' }, token: pair.accessToken.token })
      assert.equal(offAgain.status, 404)
    })
  })
}
