import assert from 'node:assert/strict'
import { createHmac, createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { decodeJwt } from '../support/jwt.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

type Algorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256'

const ALGORITHMS: readonly Algorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256']
const SECRET = 'an HS256 test secret of well over 32 bytes'
const CLAIMS = ['aud', 'client_id', 'exp', 'iat', 'id', 'iss', 'jti', 'nbf', 'preferred_username', 'rol', 'sid', 'sub', 'amr'].sort()
/** Ten roles of ordinary length, api_access among them. */
const ROLES = ['admin.keys', 'admin.users', 'api_access', 'auditor', 'billing:edit', 'billing:view', 'reports.read', 'reports.write', 'support-agent', 'team_lead']
/** The contract's bound, for every algorithm (RS256's 2048-bit signature alone is 342 characters). */
const MAX_BYTES: Record<Algorithm, number> = { EdDSA: 1024, ES256: 1024, RS256: 1024, HS256: 1024 }
const TTL = { ACCESS_TOKEN_TTL: '60', REFRESH_TOKEN_TTL: '60', SESSION_TTL: '100', RATE_LIMIT_PER_MINUTE: '0' }

/** Checks the signature independently of the server: with the JWKS key, or the HS256 secret. */
function signatureVerifies(token: string, algorithm: Algorithm, jwk: JsonWebKey | undefined): boolean {
  const [head = '', body = '', signature = ''] = token.split('.')
  const input = Buffer.from(`${head}.${body}`)
  if (algorithm === 'HS256') return createHmac('sha256', SECRET).update(input).digest('base64url') === signature
  assert.ok(jwk, 'the JWKS publishes the key')
  const key = createPublicKey({ key: jwk, format: 'jwk' })
  const sig = Buffer.from(signature, 'base64url')
  if (algorithm === 'EdDSA') return verify(null, input, key, sig)
  if (algorithm === 'ES256') return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig)
  return verify('sha256', input, key, sig)
}

for (const dialect of DIALECTS) {
  describe(`access tokens of every algorithm on one database (${dialect.name})`, { timeout: 120_000 }, () => {
    const servers = new Map<Algorithm, TestServer>()
    const clock = new FakeClock()
    let owner: TestServer

    before(async () => {
      owner = await startTestServer({ dialect, clock, env: { ...TTL } })
      for (const algorithm of ALGORITHMS) {
        const env = { ...TTL, JWT_ALGORITHM: algorithm, ...(algorithm === 'HS256' ? { JWT_SECRET: SECRET } : {}) }
        servers.set(algorithm, await startTestServer({ dialect, clock, database: owner.database, env }))
      }
    })
    after(async () => {
      for (const server of servers.values()) await server.close()
      await owner.close()
    })

    const serverOf = (algorithm: Algorithm) => servers.get(algorithm) as TestServer

    for (const algorithm of ALGORITHMS) {
      it(`issues ${algorithm} tokens with the contract's header and exactly its claims, under ${MAX_BYTES[algorithm]} bytes`, async () => {
        const server = serverOf(algorithm)
        const userName = `${algorithm.toLowerCase()}.`.padEnd(64, 'x')
        const user = await server.register({ userName })
        for (const role of ROLES) await server.ctx.store.grantRole(user.id, role)
        const { accessToken } = await server.login(userName, user.password)
        const { token, expiresIn } = accessToken

        const header = decodeJwt(token).header
        assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ'])
        assert.equal(header.alg, algorithm)
        assert.equal(header.typ, 'at+jwt')
        assert.equal(typeof header.kid, 'string')

        const claims = decodeJwt(token).payload
        assert.deepEqual(Object.keys(claims).sort(), CLAIMS)
        const iat = Math.floor(clock.now() / 1000)
        assert.deepEqual(
          { ...claims, sid: typeof claims.sid, jti: typeof claims.jti, rol: [...(claims.rol as string[])].sort() },
          { iss: 'latchkey', aud: 'latchkey', sub: user.id, client_id: 'latchkey', id: user.id, preferred_username: userName, rol: ROLES, amr: ['pwd'], sid: 'string', jti: 'string', iat, nbf: iat, exp: iat + 60 },
        )
        assert.equal(expiresIn, 60)
        assert.ok(Buffer.byteLength(token) < MAX_BYTES[algorithm], `${algorithm} token is ${Buffer.byteLength(token)} bytes`)

        const jwks = (await server.request('GET', '/.well-known/jwks.json')).body.keys as JsonWebKey[]
        assert.equal(signatureVerifies(token, algorithm, jwks.find((key) => key.kid === header.kid)), true)
        const response = await server.request('GET', '/api/protected', { token })
        assert.equal(response.status, 200)
        const again = await server.login(userName, user.password)
        assert.notEqual(decodeJwt(again.accessToken.token).payload.jti, claims.jti)
      })

      it(`never lets a ${algorithm} token outlive its session`, async () => {
        const server = serverOf(algorithm)
        const user = await server.register()
        const login = await server.login(user.userName, user.password)
        const sessionEnd = Math.floor(clock.now() / 1000) + 100
        clock.advanceSeconds(50)
        const first = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: login.refreshToken } })
        assert.equal(first.status, 200)
        assert.equal(first.body.accessToken.expiresIn, 50)
        assert.equal(decodeJwt(first.body.accessToken.token).payload.exp, sessionEnd)
        clock.advanceSeconds(45)
        const second = await server.request('POST', '/api/auth/refresh', { body: { refreshToken: first.body.refreshToken } })
        assert.equal(second.status, 200)
        const claims = decodeJwt(second.body.accessToken.token).payload
        assert.equal(second.body.accessToken.expiresIn, 5)
        assert.equal(Number(claims.exp) - Number(claims.iat), 5)
        assert.equal(claims.exp, sessionEnd)
      })
    }

    it('refuses on each server the tokens signed under every other algorithm', async () => {
      const user = await owner.register()
      const tokens = new Map<Algorithm, string>()
      for (const algorithm of ALGORITHMS) tokens.set(algorithm, (await serverOf(algorithm).login(user.userName, user.password)).accessToken.token)
      for (const verifier of ALGORITHMS) {
        for (const signer of ALGORITHMS) {
          const response = await serverOf(verifier).request('GET', '/api/protected', { token: tokens.get(signer) as string })
          const label = `${signer} token on the ${verifier} server`
          assert.equal(response.status, verifier === signer ? 200 : 401, label)
          if (verifier !== signer) assert.equal(response.body.code, 'invalid_token', label)
        }
      }
    })
  })

  describe(`HS256 secret rotation (${dialect.name})`, { timeout: 120_000 }, () => {
    const OLD = 'the retired HS256 secret, 32 bytes or more'
    const NEW = 'the current HS256 secret, 32 bytes or more'
    const hs256 = (secret: string, previous?: string) => ({
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_ALGORITHM: 'HS256',
      JWT_SECRET: secret,
      ...(previous === undefined ? {} : { JWT_SECRET_PREVIOUS: previous }),
    })
    let before_: TestServer
    let rotated: TestServer
    let retired: TestServer

    before(async () => {
      before_ = await startTestServer({ dialect, env: hs256(OLD) })
      rotated = await startTestServer({ dialect, database: before_.database, env: hs256(NEW, OLD) })
      retired = await startTestServer({ dialect, database: before_.database, env: hs256(NEW) })
    })
    after(async () => {
      await retired.close()
      await rotated.close()
      await before_.close()
    })

    it('accepts tokens of JWT_SECRET_PREVIOUS under their own kid, and refuses them once it is removed', async () => {
      const user = await before_.register()
      const oldToken = (await before_.login(user.userName, user.password)).accessToken.token
      const newToken = (await rotated.login(user.userName, user.password)).accessToken.token
      assert.notEqual(decodeJwt(oldToken).header.kid, decodeJwt(newToken).header.kid)

      assert.equal((await rotated.request('GET', '/api/protected', { token: oldToken })).status, 200)
      assert.equal((await rotated.request('GET', '/api/protected', { token: newToken })).status, 200)
      assert.equal((await retired.request('GET', '/api/protected', { token: newToken })).status, 200)
      const refused = await retired.request('GET', '/api/protected', { token: oldToken })
      assert.equal(refused.status, 401)
      assert.equal(refused.body.code, 'invalid_token')
      assert.equal(refused.headers.get('token-expired'), null)
    })

    it('publishes no keys in the JWKS', async () => {
      const response = await rotated.request('GET', '/.well-known/jwks.json')
      assert.equal(response.status, 200)
      assert.deepEqual(response.body, { keys: [] })
      assert.equal(response.headers.get('cache-control'), 'public, max-age=300')
    })
  })
}
