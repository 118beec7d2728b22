import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer, type TokenBody } from '../support/test-app.js'

const DEVICES = ['Phone/1.0', 'Laptop/2.0', 'Tablet/3.0']
const sessionIdOf = (pair: TokenBody) => decodeJwt(pair.accessToken.token).payload.sid as string

for (const dialect of DIALECTS) {
  describe(`sessions users can see and end (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect })
    })
    after(() => server.close())

    async function loginAs(user: { userName: string; password: string }, userAgent: string): Promise<TokenBody> {
      const response = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password }, headers: { 'user-agent': userAgent } })
      assert.equal(response.status, 200, response.text)
      return response.body as TokenBody
    }

    /** The session is over for good: its refresh token is refused and so is its access token, at once. */
    async function assertEnded(pair: TokenBody) {
      const refreshed = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: pair.refreshToken } })
      assert.equal(refreshed.status, 400)
      assert.equal(refreshed.body.code, 'invalid_grant')
      const call = await server.request('GET', '/api/protected', { token: pair.accessToken.token })
      assert.equal(call.status, 401)
      assert.equal(call.body.code, 'invalid_token')
      assert.equal(call.headers.get('token-expired'), null)
    }

    async function assertLive(pair: TokenBody) {
      assert.equal((await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status, 200)
    }

    it('lists three devices with the right current flag, then ends them by DELETE, logout and logout-all', async () => {
      const user = await server.register()
      const pairs = []
      for (const device of DEVICES) {
        pairs.push(await loginAs(user, device))
        server.clock.advance(1_000)
      }
      const [first, second, third] = pairs as [TokenBody, TokenBody, TokenBody]

      const listed = await server.request('GET', '/api/sessions', { token: first.accessToken.token })
      assert.equal(listed.status, 200)
      assert.equal(listed.headers.get('cache-control'), 'no-store')
      assert.deepEqual(
        listed.body.map((session: { userAgent: string; current: boolean }) => [session.userAgent, session.current]),
        [
          ['Tablet/3.0', false],
          ['Laptop/2.0', false],
          ['Phone/1.0', true],
        ],
        'most recently used first; current is the bearer\'s own',
      )
      for (const session of listed.body) {
        assert.deepEqual(Object.keys(session).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ipAddress', 'lastUsedAt', 'userAgent'])
        assert.match(session.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.equal(session.ipAddress, '127.0.0.1')
        const lastUsed = Date.parse(session.lastUsedAt)
        assert.equal(Date.parse(session.expiresAt), Math.min(lastUsed + server.config.refreshTokenTtlSeconds * 1000, Date.parse(session.createdAt) + server.config.sessionTtlSeconds * 1000))
      }

      // DELETE the laptop's session from the phone.
      const laptopId = sessionIdOf(second)
      const deleted = await server.request('DELETE', `/api/sessions/${laptopId}`, { token: first.accessToken.token })
      assert.equal(deleted.status, 204)
      assert.equal(deleted.text, '')
      await assertEnded(second)
      await assertLive(first)
      await assertLive(third)

      // The tablet logs out with its refresh token, no bearer needed.
      const loggedOut = await server.request('POST', '/api/auth/logout', { body: { refreshToken: third.refreshToken } })
      assert.equal(loggedOut.status, 204)
      await assertEnded(third)
      assert.equal((await server.request('GET', '/api/sessions', { token: first.accessToken.token })).body.length, 1)

      // A fourth device, then logout-all from the phone ends it and the phone itself.
      const fourth = await loginAs(user, 'Watch/4.0')
      assert.equal((await server.request('POST', '/api/auth/logout-all', { token: first.accessToken.token })).status, 204)
      await assertEnded(first)
      await assertEnded(fourth)
      assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), 4)
    })

    it('ends the refreshed session when logging out with any token ever issued in it, used or not', async () => {
      const user = await server.register()
      const pair = await loginAs(user, 'Phone/1.0')
      const rotated = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: pair.refreshToken } })
      assert.equal(rotated.status, 200)
      // The original token is used up; it still names the session.
      assert.equal((await server.request('POST', '/api/auth/logout', { body: { refreshToken: pair.refreshToken } })).status, 204)
      await assertEnded(rotated.body as TokenBody)
      // Again, and with tokens that name nothing: the same 204, nothing else happens.
      for (const refreshToken of [pair.refreshToken, 'x', 'A'.repeat(43), 'ü'.repeat(1000)]) {
        assert.equal((await server.request('POST', '/api/auth/logout', { body: { refreshToken } })).status, 204)
      }
      assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), 1)
      assert.equal(await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected'), 0, 'logging out with a used token is not reuse')
    })

    it('ignores Authorization when a refresh token is given', async () => {
      const user = await server.register()
      const mine = await loginAs(user, 'Phone/1.0')
      const other = await loginAs(user, 'Laptop/2.0')
      const response = await server.request('POST', '/api/auth/logout', { body: { refreshToken: other.refreshToken }, headers: { authorization: 'Bearer not-a-token' } })
      assert.equal(response.status, 204)
      await assertEnded(other)
      await assertLive(mine)
    })

    it('ends the bearer\'s own session with no body, an empty body or {}', async () => {
      const user = await server.register()
      const bodies: { label: string; options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } }[] = [
        { label: 'no body', options: {} },
        { label: 'an empty JSON body', options: { rawBody: '', headers: { 'content-type': 'application/json' } } },
        { label: '{}', options: { body: {} } },
      ]
      for (const { label, options } of bodies) {
        const ending = await loginAs(user, 'Phone/1.0')
        const staying = await loginAs(user, 'Laptop/2.0')
        const response = await server.request('POST', '/api/auth/logout', { ...options, token: ending.accessToken.token })
        assert.equal(response.status, 204, `${label}: ${response.text}`)
        await assertEnded(ending)
        await assertLive(staying)
      }
    })

    it('refuses a bodyless logout without a valid bearer, and other bodies without a refreshToken string', async () => {
      const none = await server.request('POST', '/api/auth/logout')
      assert.equal(none.status, 401)
      assert.equal(none.body.code, 'authentication_required')
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="latchkey"')
      const forged = await server.request('POST', '/api/auth/logout', { body: {}, token: 'eyJhbGciOiJub25lIn0.e30.' })
      assert.equal(forged.status, 401)
      assert.equal(forged.body.code, 'invalid_token')

      const user = await server.register()
      const pair = await loginAs(user, 'Phone/1.0')
      for (const body of [{ refreshToken: 12345 }, { refreshToken: null }, { other: 'x' }, [], 'text']) {
        const response = await server.request('POST', '/api/auth/logout', { body, token: pair.accessToken.token })
        assert.equal(response.status, 400, JSON.stringify(body))
        assert.equal(response.body.code, 'validation_failed')
      }
      const textPlain = await server.request('POST', '/api/auth/logout', { rawBody: 'x', headers: { 'content-type': 'text/plain' }, token: pair.accessToken.token })
      assert.equal(textPlain.status, 415)
      await assertLive(pair)
    })

    it('answers 404 for a session id that is unknown, malformed, ended or someone else\'s', async () => {
      const owner = await server.register()
      const stranger = await server.register()
      const mine = await loginAs(owner, 'Phone/1.0')
      const theirs = await loginAs(stranger, 'Laptop/2.0')
      const ended = await loginAs(owner, 'Tablet/3.0')
      assert.equal((await server.request('DELETE', `/api/sessions/${sessionIdOf(ended)}`, { token: mine.accessToken.token })).status, 204)
      for (const id of ['AAAAAAAAAAAAAAAA', '%20', 'x'.repeat(300), sessionIdOf(ended), sessionIdOf(theirs), encodeURIComponent('../../etc')]) {
        const response = await server.request('DELETE', `/api/sessions/${id}`, { token: mine.accessToken.token })
        assert.equal(response.status, 404, id)
        assert.equal(response.body.code, 'not_found')
      }
      await assertLive(theirs)
      // The caller's own session may be ended too.
      assert.equal((await server.request('DELETE', `/api/sessions/${sessionIdOf(mine)}`, { token: mine.accessToken.token })).status, 204)
      await assertEnded(mine)
    })

    it('lists only live sessions: not ended, not expired', async () => {
      const user = await server.register()
      await loginAs(user, 'Old/1.0')
      server.clock.advanceSeconds(server.config.refreshTokenTtlSeconds + 1)
      const fresh = await loginAs(user, 'New/1.0')
      const listed = await server.request('GET', '/api/sessions', { token: fresh.accessToken.token })
      assert.deepEqual(listed.body.map((session: { id: string }) => session.id), [sessionIdOf(fresh)])
    })

    it('keeps at most 512 characters of the user agent', async () => {
      const user = await server.register()
      const pair = await loginAs(user, 'a'.repeat(600))
      const listed = await server.request('GET', '/api/sessions', { token: pair.accessToken.token })
      assert.equal(listed.body[0].userAgent, 'a'.repeat(512))
    })

    it('needs a bearer token for the session routes', async () => {
      for (const [method, path] of [['GET', '/api/sessions'], ['DELETE', '/api/sessions/abc'], ['POST', '/api/auth/logout-all']] as const) {
        const response = await server.request(method, path)
        assert.equal(response.status, 401, path)
        assert.equal(response.body.code, 'authentication_required')
      }
    })
  })
}
