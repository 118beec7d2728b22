import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { endSessions } from '../../src/auth/end-sessions.js'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { rawRequest } from '../support/raw-http.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

const REALM_ONLY = 'Bearer realm="latchkey"'
const INVALID_TOKEN = /^Bearer realm="latchkey", error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]+"$/
const INSUFFICIENT_SCOPE = /^Bearer realm="latchkey", error="insufficient_scope"(, [a-z_]+="[\x20\x21\x23-\x5B\x5D-\x7E]*")*$/
const NO_CLIENT = { ipAddress: null, userAgent: null }

const sessionOf = (token: string): string => decodeJwt(token).payload.sid as string

function assertInvalidToken(response: TestResponse, label: string) {
  assert.equal(response.status, 401, label)
  assert.equal(response.body.code, 'invalid_token', label)
  assert.match(response.headers.get('www-authenticate') ?? '', INVALID_TOKEN, label)
  assert.equal(response.headers.get('token-expired'), null, label)
}

for (const dialect of DIALECTS) {
  describe(`bearer authentication (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    let token: string

    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0', ACCESS_TOKEN_TTL: '60' } })
      user = await server.register()
      token = (await server.login(user.userName, user.password)).accessToken.token
    })
    after(() => server.close())

    const get = (headers: Record<string, string> = {}, path = '/api/protected') => server.request('GET', path, { headers })

    it('asks for a token with exactly the realm challenge when none is sent', async () => {
      const response = await get()
      assert.equal(response.status, 401)
      assert.equal(response.body.code, 'authentication_required')
      assert.equal(response.headers.get('www-authenticate'), REALM_ONLY)
      assert.equal(response.headers.get('token-expired'), null)
    })

    it('matches the Bearer scheme ignoring letter case', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const response = await get({ authorization: `${scheme} ${token}` })
        assert.equal(response.status, 200, scheme)
        assert.deepEqual(response.body, { result: true })
      }
    })

    it('treats any other scheme as no token at all', async () => {
      for (const authorization of [`Basic ${Buffer.from('a:b').toString('base64')}`, `Token ${token}`, `Bearer${token}`, token]) {
        const response = await get({ authorization })
        assert.equal(response.status, 401, authorization)
        assert.equal(response.body.code, 'authentication_required', authorization)
        assert.equal(response.headers.get('www-authenticate'), REALM_ONLY, authorization)
      }
    })

    it('treats Bearer followed by nothing or only spaces as an empty, invalid token', async () => {
      for (const authorization of ['Bearer', 'Bearer ', 'Bearer   ', 'bearer \t ']) {
        // Sent byte for byte: fetch would trim the trailing spaces.
        const response = await rawRequest(server.url, '/api/protected', { headers: { authorization } })
        assert.equal(response.status, 401, JSON.stringify(authorization))
        assert.equal(JSON.parse(response.text).code, 'invalid_token', JSON.stringify(authorization))
        assert.match(String(response.headers['www-authenticate']), INVALID_TOKEN)
      }
    })

    it('ignores a token in the query string', async () => {
      for (const query of [`access_token=${token}`, `token=${token}`]) {
        const response = await server.request('GET', `/api/protected?${query}`)
        assert.equal(response.status, 401)
        assert.equal(response.body.code, 'authentication_required')
        assert.equal(response.headers.get('www-authenticate'), REALM_ONLY)
      }
    })

    it('refuses garbage bearer tokens as invalid_token', async () => {
      for (const garbage of ['abc', 'a.b.c', '...', `${token}x`, token.split('.').slice(0, 2).join('.'), '\u00e9t\u00e9']) {
        assertInvalidToken(await get({ authorization: `Bearer ${encodeURIComponent(garbage)}` }), garbage)
      }
    })

    it('lets routes that need no token ignore the Authorization header entirely', async () => {
      for (const authorization of ['Bearer garbage', 'Bearer', 'Basic xyz']) {
        assert.equal((await get({ authorization }, '/.well-known/jwks.json')).status, 200)
        const login = await server.request('POST', '/api/auth/login', {
          headers: { authorization },
          body: { userName: user.userName, password: user.password },
        })
        assert.equal(login.status, 200, authorization)
      }
    })

    it('answers 403 insufficient_scope to a valid token without the api_access role', async () => {
      const lacking = await server.register()
      assert.equal(await server.ctx.store.revokeRole(lacking.id, 'api_access'), true)
      const tokens = await server.login(lacking.userName, lacking.password)
      const response = await server.request('GET', '/api/protected', { token: tokens.accessToken.token })
      assert.equal(response.status, 403)
      assert.equal(response.body.code, 'insufficient_scope')
      assert.match(response.headers.get('www-authenticate') ?? '', INSUFFICIENT_SCOPE)
      assert.equal((await server.request('GET', '/api/protected', { token })).status, 200)
    })

    it('refuses the access tokens of an ended session, without Token-Expired, and keeps other sessions working', async () => {
      const ending = (await server.login(user.userName, user.password)).accessToken.token
      assert.equal((await server.request('GET', '/api/protected', { token: ending })).status, 200)
      const ended = await endSessions(server.ctx, { selector: { sessionId: sessionOf(ending) }, reason: 'logout', client: NO_CLIENT })
      assert.deepEqual(ended, [sessionOf(ending)])
      assertInvalidToken(await server.request('GET', '/api/protected', { token: ending }), 'ended session')
      assert.equal((await server.request('GET', '/api/protected', { token })).status, 200)
    })

    it('gives no Token-Expired to an expired token of an ended session', async () => {
      const ending = (await server.login(user.userName, user.password)).accessToken.token
      await endSessions(server.ctx, { selector: { sessionId: sessionOf(ending) }, reason: 'logout', client: NO_CLIENT })
      server.clock.advanceSeconds(61)
      assertInvalidToken(await server.request('GET', '/api/protected', { token: ending }), 'expired and ended')
      const fresh = (await server.login(user.userName, user.password)).accessToken.token
      server.clock.advanceSeconds(61)
      const expired = await server.request('GET', '/api/protected', { token: fresh })
      assert.equal(expired.headers.get('token-expired'), 'true')
    })

    it('refuses the access token of a session ended by refresh-token reuse', async () => {
      const first = await server.login(user.userName, user.password)
      const refreshed = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: first.refreshToken } })
      assert.equal(refreshed.status, 200)
      const newest = refreshed.body.accessToken.token as string
      assert.equal((await server.request('GET', '/api/protected', { token: newest })).status, 200)
      server.clock.advanceSeconds(server.config.refreshReuseGraceSeconds + 1)
      const reuse = await server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken: first.refreshToken } })
      assert.equal(reuse.status, 400)
      assert.equal(reuse.body.code, 'invalid_grant')
      assertInvalidToken(await server.request('GET', '/api/protected', { token: newest }), 'newest token after reuse')
      assertInvalidToken(await server.request('GET', '/api/protected', { token: first.accessToken.token }), 'first token after reuse')
    })
  })

  describe(`ended sessions across servers sharing a database (${dialect.name})`, { timeout: 60_000 }, () => {
    let first: TestServer
    let second: TestServer

    before(async () => {
      first = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      second = await startTestServer({ dialect, database: first.database, clock: first.clock, env: { RATE_LIMIT_PER_MINUTE: '0' } })
    })
    after(async () => {
      await second.close()
      await first.close()
    })

    it('refuses on the second server, once it has polled, a token whose session the first server ended', async () => {
      const user = await first.register()
      const token = (await first.login(user.userName, user.password)).accessToken.token
      const other = (await first.login(user.userName, user.password)).accessToken.token
      assert.equal((await second.request('GET', '/api/protected', { token })).status, 200)
      await endSessions(first.ctx, { selector: { sessionId: sessionOf(token) }, reason: 'logout', client: NO_CLIENT })
      assertInvalidToken(await first.request('GET', '/api/protected', { token }), 'on the first server')
      await second.ctx.revocations.poll()
      assertInvalidToken(await second.request('GET', '/api/protected', { token }), 'on the second server')
      assert.equal((await second.request('GET', '/api/protected', { token: other })).status, 200)
    })
  })
}
