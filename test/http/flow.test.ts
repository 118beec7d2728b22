import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

for (const dialect of DIALECTS) {
  describe(`the sample's flow (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect, env: { ACCESS_TOKEN_TTL: '5' } })
    })
    after(() => server.close())

    it('registers, logs in, calls the protected route, expires, refreshes and calls again', async () => {
      const user = await server.register()
      const tokens = await server.login(user.userName, user.password)
      assert.equal(tokens.accessToken.expiresIn, 5)

      const ok = await server.request('GET', '/api/protected', { token: tokens.accessToken.token })
      assert.equal(ok.status, 200)
      assert.deepEqual(ok.body, { result: true })

      server.clock.advanceSeconds(6)
      const expired = await server.request('GET', '/api/protected', { token: tokens.accessToken.token })
      assert.equal(expired.status, 401)
      assert.equal(expired.body.code, 'invalid_token')
      assert.equal(expired.headers.get('token-expired'), 'true')

      const refreshed = await server.request('POST', '/api/auth/refreshtoken', {
        body: { accessToken: tokens.accessToken.token, refreshToken: tokens.refreshToken },
      })
      assert.equal(refreshed.status, 200)
      assert.notEqual(refreshed.body.refreshToken, tokens.refreshToken)
      assert.equal(refreshed.headers.get('cache-control'), 'no-store')

      const again = await server.request('GET', '/api/protected', { token: refreshed.body.accessToken.token })
      assert.equal(again.status, 200)
    })

    it('gives concurrent logins of different users each their own tokens', async () => {
      const users = await Promise.all(Array.from({ length: 8 }, () => server.register()))
      const pairs = await Promise.all(users.map((user) => server.login(user.userName, user.password)))
      pairs.forEach((pair, i) => {
        const claims = decodeJwt(pair.accessToken.token).payload
        assert.equal(claims.sub, users[i]?.id)
        assert.equal(claims.preferred_username, users[i]?.userName)
      })
    })
  })
}
