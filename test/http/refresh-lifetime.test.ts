import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt, encodeSegment, signEdDSA } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

function refresh(server: TestServer, refreshToken: string, accessToken?: string): Promise<TestResponse> {
  return server.request('POST', '/api/auth/refresh', { body: accessToken === undefined ? { refreshToken } : { refreshToken, accessToken } })
}

function assertInvalidGrant(response: TestResponse): void {
  assert.equal(response.status, 400)
  assert.equal(response.body.code, 'invalid_grant')
}

const reuseEvents = (server: TestServer, userId: string) => countEvents(server.ctx.store, userId, 'refresh_reuse_detected')

const TTL_ENV = { RATE_LIMIT_PER_MINUTE: '0', ACCESS_TOKEN_TTL: '30', REFRESH_TOKEN_TTL: '60', SESSION_TTL: '150' }

for (const dialect of DIALECTS) {
  describe(`refresh-token lifetimes (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    before(async () => {
      server = await startTestServer({ dialect, env: TTL_ENV })
      user = await server.register()
    })
    after(() => server.close())

    it('refuses an unused token REFRESH_TOKEN_TTL after it was issued, without recording reuse', async () => {
      const early = await server.login(user.userName, user.password)
      const late = await server.login(user.userName, user.password)
      server.clock.advance(60_000 - 1)
      assert.equal((await refresh(server, early.refreshToken)).status, 200)
      server.clock.advance(1)
      assertInvalidGrant(await refresh(server, late.refreshToken))
      assert.equal(await reuseEvents(server, user.id), 0)
    })

    it('gives each refresh a fresh REFRESH_TOKEN_TTL', async () => {
      let token = (await server.login(user.userName, user.password)).refreshToken
      for (let i = 0; i < 3; i++) {
        server.clock.advance(45_000)
        const response = await refresh(server, token)
        assert.equal(response.status, 200)
        token = response.body.refreshToken
      }
    })

    it('never lets a refresh token or an access token outlive SESSION_TTL', async () => {
      const login = await server.login(user.userName, user.password)
      const sessionEndSeconds = Number(decodeJwt(login.accessToken.token).payload.iat) + 150
      let token = login.refreshToken
      for (const step of [50_000, 50_000, 40_000, 9_999]) {
        server.clock.advance(step)
        const response = await refresh(server, token)
        assert.equal(response.status, 200)
        const claims = decodeJwt(response.body.accessToken.token).payload
        assert.ok(Number(claims.exp) <= sessionEndSeconds)
        assert.equal(response.body.accessToken.expiresIn, Number(claims.exp) - Number(claims.iat))
        token = response.body.refreshToken
      }
      // 149.999 s in: the access token lives only to the session's end.
      server.clock.advance(1)
      assertInvalidGrant(await refresh(server, token))
      assert.equal(await reuseEvents(server, user.id), 0)
    })
  })

  describe(`the access token sent with a refresh (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    let privateKeyPem: string
    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      user = await server.register()
      const [key] = await server.ctx.store.listSigningKeys()
      privateKeyPem = key?.privateKey ?? ''
    })
    after(() => server.close())

    it('accepts the user\'s own access token even once it has expired', async () => {
      const tokens = await server.login(user.userName, user.password)
      server.clock.advanceSeconds(3_600)
      const response = await refresh(server, tokens.refreshToken, tokens.accessToken.token)
      assert.equal(response.status, 200)
    })

    it('refuses a foreign, forged or garbled access token with invalid_grant, using nothing up and recording no reuse', async () => {
      const other = await server.register()
      const tokens = await server.login(user.userName, user.password)
      const others = await server.login(other.userName, other.password)
      const genuine = tokens.accessToken.token
      const claims = decodeJwt(genuine).payload
      const header = decodeJwt(genuine).header
      const strangerKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      const [head, , signature] = genuine.split('.')
      const bad = {
        'another user': others.accessToken.token,
        garbage: 'not-a-jwt',
        empty: '',
        'tampered claims': `${head}.${encodeSegment({ ...claims, rol: ['admin'] })}.${signature}`,
        'a stranger key under our kid': signEdDSA(header, claims, strangerKey),
        'typ JWT': signEdDSA({ ...header, typ: 'JWT' }, claims, privateKeyPem),
        'another issuer': signEdDSA(header, { ...claims, iss: 'someone-else' }, privateKeyPem),
        'another audience': signEdDSA(header, { ...claims, aud: 'someone-else' }, privateKeyPem),
        'alg none': `${encodeSegment({ ...header, alg: 'none' })}.${genuine.split('.')[1]}.`,
      }
      // The control: our own signing of the genuine header and claims is accepted by the server.
      assert.equal((await server.request('GET', '/api/protected', { token: signEdDSA(header, claims, privateKeyPem) })).status, 200)
      for (const [what, accessToken] of Object.entries(bad)) {
        assertInvalidGrant(await refresh(server, tokens.refreshToken, accessToken))
        const record = await server.ctx.store.findRefreshToken(createHash('sha256').update(tokens.refreshToken).digest('base64url'))
        assert.equal(record?.usedAt, null, what)
      }
      assert.equal(await reuseEvents(server, user.id), 0)
      const response = await refresh(server, tokens.refreshToken, genuine)
      assert.equal(response.status, 200)
      assert.equal(decodeJwt(response.body.accessToken.token).payload.sid, claims.sid)
    })

    it('reads roles afresh, so a granted role shows in the next access token', async () => {
      const tokens = await server.login(user.userName, user.password)
      await server.ctx.store.grantRole(user.id, 'reports.read')
      const response = await refresh(server, tokens.refreshToken)
      assert.equal(response.status, 200)
      assert.deepEqual([...(decodeJwt(response.body.accessToken.token).payload.rol as string[])].sort(), ['api_access', 'reports.read'])
      assert.deepEqual(decodeJwt(tokens.accessToken.token).payload.rol, ['api_access'])
    })
  })
}
