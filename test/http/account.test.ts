import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { changeRole } from '../../src/auth/change-role.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer, type TokenBody } from '../support/test-app.js'

const NO_CLIENT = { ipAddress: null, userAgent: null }

for (const dialect of DIALECTS) {
  describe(`the user's own account (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect })
    })
    after(() => server.close())

    const changePassword = (pair: TokenBody, body: unknown) => server.request('POST', '/api/accounts/me/password', { body, token: pair.accessToken.token })
    const protectedStatus = async (pair: TokenBody) => (await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status
    const refreshStatus = async (pair: TokenBody) => (await server.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })).status

    it('shows the account, without its password hash', async () => {
      const user = await server.register({ firstName: '  Grace ', lastName: 'Hopper' })
      const pair = await server.login(user.userName, user.password)
      const me = await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })
      assert.equal(me.status, 200)
      assert.equal(me.headers.get('cache-control'), 'no-store')
      assert.deepEqual(me.body, {
        id: user.id,
        userName: user.userName,
        email: user.email,
        emailVerified: false,
        mfaEnabled: false,
        firstName: 'Grace',
        lastName: 'Hopper',
        roles: ['api_access'],
        createdAt: new Date(server.clock.now()).toISOString(),
      })
      assert.doesNotMatch(me.text, /argon2/)
    })

    it('changes the password: this session keeps working, every other one ends, the new password logs in', async () => {
      const user = await server.register()
      const current = await server.login(user.userName, user.password)
      const others = [await server.login(user.userName, user.password), await server.login(user.userName, user.password)]
      const newPassword = 'a brand new passphrase'
      const changed = await changePassword(current, { currentPassword: user.password, newPassword })
      assert.equal(changed.status, 204, changed.text)
      assert.equal(await protectedStatus(current), 200)
      assert.equal(await refreshStatus(current), 200)
      for (const other of others) {
        assert.equal(await protectedStatus(other), 401)
        assert.equal(await refreshStatus(other), 400)
      }
      const old = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(old.status, 401)
      await server.login(user.userName, newPassword)
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_changed'), 1)
      assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), 2)
    })

    it('refuses a wrong current password with 403 and records a failed login; nothing changes', async () => {
      const user = await server.register()
      const current = await server.login(user.userName, user.password)
      const other = await server.login(user.userName, user.password)
      const response = await changePassword(current, { currentPassword: 'not my password', newPassword: 'a brand new passphrase' })
      assert.equal(response.status, 403)
      assert.equal(response.body.code, 'invalid_current_password')
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/)
      assert.equal(await protectedStatus(other), 200)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 1)
      await server.login(user.userName, user.password)
    })

    it('counts wrong current passwords like failed logins: the back-off then holds password change and login alike', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const failures = server.config.loginMaxFailures
      for (let i = 0; i < failures; i++) {
        const wrong = await changePassword(pair, { currentPassword: `wrong guess ${i}`, newPassword: 'a brand new passphrase' })
        assert.equal(wrong.status, 403, `guess ${i + 1}`)
      }
      const held = await changePassword(pair, { currentPassword: user.password, newPassword: 'a brand new passphrase' })
      assert.equal(held.status, 429)
      assert.equal(held.body.code, 'too_many_requests')
      assert.equal(held.headers.get('retry-after'), '1')
      const login = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(login.status, 429, 'the login from the same address waits too')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), failures)
      server.clock.advanceSeconds(1)
      assert.equal((await changePassword(pair, { currentPassword: user.password, newPassword: 'a brand new passphrase' })).status, 204)
    })

    it('applies the registration rules to the new password, which must differ from the current one', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const cases: [string, unknown][] = [
        ['too short', { currentPassword: user.password, newPassword: 'short' }],
        ['common', { currentPassword: user.password, newPassword: 'password123' }],
        ['the user name', { currentPassword: user.password, newPassword: user.userName.toUpperCase() }],
        ['the current one', { currentPassword: user.password, newPassword: user.password }],
        ['missing newPassword', { currentPassword: user.password }],
        ['not a string', { currentPassword: user.password, newPassword: 12345678 }],
        ['empty currentPassword', { currentPassword: '', newPassword: 'a brand new passphrase' }],
      ]
      for (const [label, body] of cases) {
        const response = await changePassword(pair, body)
        assert.equal(response.status, 400, label)
        assert.equal(response.body.code, 'validation_failed', label)
      }
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_changed'), 0)
      await server.login(user.userName, user.password)
    })

    it('shows the user\'s own security activity, newest first', async () => {
      const user = await server.register()
      server.clock.advance(1)
      const wrong = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'wrong password' }, headers: { 'user-agent': 'Guesser/1.0' } })
      assert.equal(wrong.status, 401)
      server.clock.advance(1)
      const first = await server.login(user.userName, user.password)
      server.clock.advance(1)
      const rotated = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } })
      assert.equal(rotated.status, 200)
      server.clock.advanceSeconds(server.config.refreshReuseGraceSeconds + 1)
      // Reuse of the used token ends the session.
      assert.equal((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } })).status, 400)
      server.clock.advance(1)
      await changeRole(server.ctx, user.userName, { action: 'grant', role: 'auditor' }, NO_CLIENT)
      server.clock.advance(1)
      const second = await server.login(user.userName, user.password)
      server.clock.advance(1)
      assert.equal((await changePassword(second, { currentPassword: user.password, newPassword: 'a brand new passphrase' })).status, 204)

      const activity = await server.request('GET', '/api/accounts/me/activity', { token: second.accessToken.token })
      assert.equal(activity.status, 200)
      const types = activity.body.map((event: { type: string }) => event.type)
      for (const type of ['registered', 'login_failed', 'login_succeeded', 'refresh_reuse_detected', 'session_ended', 'roles_changed', 'password_changed']) {
        assert.ok(types.includes(type), `${type} in ${types.join(', ')}`)
      }
      assert.equal(types[0], 'password_changed')
      assert.equal(types.at(-1), 'registered')
      const times = activity.body.map((event: { at: string }) => Date.parse(event.at))
      assert.deepEqual(times, [...times].sort((a, b) => b - a))
      const failed = activity.body.find((event: { type: string }) => event.type === 'login_failed')
      assert.deepEqual(Object.keys(failed).sort(), ['at', 'ipAddress', 'type', 'userAgent'])
      assert.equal(failed.userAgent, 'Guesser/1.0')
      assert.equal(failed.ipAddress, '127.0.0.1')
    })

    it('shows at most the last 50 events', async () => {
      const user = await server.register()
      for (let i = 0; i < 55; i++) await server.login(user.userName, user.password)
      const pair = await server.login(user.userName, user.password)
      const activity = await server.request('GET', '/api/accounts/me/activity', { token: pair.accessToken.token })
      assert.equal(activity.body.length, 50)
    })

    it('needs a bearer token for every account route', async () => {
      for (const [method, path] of [['GET', '/api/accounts/me'], ['POST', '/api/accounts/me/password'], ['GET', '/api/accounts/me/activity']] as const) {
        const response = await server.request(method, path, method === 'POST' ? { body: { currentPassword: 'x', newPassword: 'y' } } : {})
        assert.equal(response.status, 401, path)
        assert.equal(response.body.code, 'authentication_required')
      }
    })
  })
}
