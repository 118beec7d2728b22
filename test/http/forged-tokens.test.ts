import assert from 'node:assert/strict'
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt, encodeSegment, type JwtJson, signEdDSA } from '../support/jwt.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const RFC6750_CHALLENGE = /^Bearer realm="latchkey", error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]+"$/

function signHS256(header: JwtJson, claims: JwtJson, secret: Buffer | string): string {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

for (const dialect of DIALECTS) {
  describe(`forged access tokens (${dialect.name})`, { timeout: 60_000 }, () => {
    const skewSeconds = 30
    let server: TestServer
    let honest: string
    let header: JwtJson
    let claims: JwtJson
    let privateKey: string
    let publicKey: string

    before(async () => {
      server = await startTestServer({ dialect, env: { CLOCK_SKEW: String(skewSeconds), RATE_LIMIT_PER_MINUTE: '0' } })
      const user = await server.register()
      honest = (await server.login(user.userName, user.password)).accessToken.token
      header = decodeJwt(honest).header
      claims = decodeJwt(honest).payload
      const active = (await server.ctx.store.listSigningKeys()).find((key) => key.kid === header.kid)
      assert.ok(active, 'the token names a key kept in the database')
      privateKey = active.privateKey
      publicKey = active.publicKey
    })
    after(() => server.close())

    /** The honest token re-signed with the real key after `change`: only the change can make it fail. */
    const resign = (change: { header?: JwtJson; claims?: JwtJson } = {}) =>
      signEdDSA({ ...header, ...change.header }, { ...claims, ...change.claims }, privateKey)
    const nowSeconds = () => Math.floor(server.clock.now() / 1000)

    async function call(token: string) {
      return server.request('GET', '/api/protected', { token })
    }

    async function assertRefused(token: string, label: string) {
      const response = await call(token)
      assert.equal(response.status, 401, label)
      assert.equal(response.body.code, 'invalid_token', label)
      assert.match(response.headers.get('www-authenticate') ?? '', RFC6750_CHALLENGE, label)
      assert.equal(response.headers.get('token-expired'), null, label)
    }

    async function assertAccepted(token: string, label: string) {
      const response = await call(token)
      assert.equal(response.status, 200, `${label}: ${response.text}`)
    }

    it('accepts the honest token and an exact re-signing of it, so each forgery below fails for its change alone', async () => {
      await assertAccepted(honest, 'honest')
      await assertAccepted(resign(), 're-signed')
    })

    it('refuses an unsigned token (alg none)', async () => {
      await assertRefused(`${encodeSegment({ ...header, alg: 'none' })}.${encodeSegment(claims)}.`, 'alg none, empty signature')
      await assertRefused(`${encodeSegment({ ...header, alg: 'none' })}.${encodeSegment(claims)}`, 'alg none, two parts')
      await assertRefused(`${encodeSegment({ ...header, alg: 'NONE' })}.${encodeSegment(claims)}.`, 'alg NONE')
    })

    it("refuses HS256 tokens keyed with the server's public key, as PEM and as JWK", async () => {
      const hsHeader = { ...header, alg: 'HS256' }
      const jwk = JSON.stringify(createPublicKey(publicKey).export({ format: 'jwk' }))
      await assertRefused(signHS256(hsHeader, claims, publicKey), 'HS256 over the PEM')
      await assertRefused(signHS256(hsHeader, claims, publicKey.trim()), 'HS256 over the trimmed PEM')
      await assertRefused(signHS256(hsHeader, claims, jwk), 'HS256 over the JWK')
      await assertRefused(signHS256(hsHeader, claims, createPublicKey(publicKey).export({ format: 'der', type: 'spki' })), 'HS256 over the DER')
    })

    it('refuses a token whose claims were changed after signing', async () => {
      const [head, , signature] = honest.split('.')
      await assertRefused(`${head}.${encodeSegment({ ...claims, sub: 'someone-else' })}.${signature}`, 'changed sub')
      await assertRefused(`${head}.${encodeSegment({ ...claims, rol: ['api_access', 'admin'] })}.${signature}`, 'changed rol')
      await assertRefused(`${head}.${encodeSegment({ ...claims, exp: Number(claims.exp) + 3600 })}.${signature}`, 'changed exp')
      await assertRefused(`${head}.${(honest.split('.')[1] ?? '').slice(0, -2)}.${signature}`, 'cut payload')
    })

    it('refuses a token of another issuer or audience', async () => {
      await assertRefused(resign({ claims: { iss: 'someone-else' } }), 'wrong iss')
      await assertRefused(resign({ claims: { aud: 'someone-else' } }), 'wrong aud')
      await assertRefused(resign({ claims: { aud: ['someone-else'] } }), 'wrong aud array')
    })

    it('refuses a token typed JWT or untyped, and accepts at+jwt in any letter case', async () => {
      await assertRefused(resign({ header: { typ: 'JWT' } }), 'typ JWT')
      await assertRefused(resign({ header: { typ: 'at+jwt+x' } }), 'typ at+jwt+x')
      const { typ: _typ, ...untyped } = header
      await assertRefused(signEdDSA(untyped, claims, privateKey), 'no typ')
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) {
        await assertAccepted(resign({ header: { typ } }), `typ ${typ}`)
      }
    })

    it('refuses a token naming an unknown key or no key', async () => {
      await assertRefused(resign({ header: { kid: 'not-a-key-of-this-server' } }), 'unknown kid')
      const { kid: _kid, ...withoutKid } = header
      await assertRefused(signEdDSA(withoutKid, claims, privateKey), 'no kid')
    })

    it('refuses jku, jwk, x5u, x5c and crit headers even on a correctly signed token', async () => {
      const jwk = createPublicKey(publicKey).export({ format: 'jwk' })
      const extras: JwtJson[] = [
        { jku: 'https://127.0.0.1/jwks.json' },
        { jwk },
        { x5u: 'https://127.0.0.1/cert.pem' },
        { x5c: ['MIIB'] },
        { crit: ['exp'], exp: 1 },
      ]
      for (const extra of extras) await assertRefused(resign({ header: extra }), `header ${Object.keys(extra)[0]}`)
    })

    it('refuses a token not yet valid beyond CLOCK_SKEW, and accepts one within it', async () => {
      await assertRefused(resign({ claims: { nbf: nowSeconds() + skewSeconds + 1 } }), 'nbf past the skew')
      await assertRefused(resign({ claims: { nbf: nowSeconds() + 3600 } }), 'nbf an hour ahead')
      await assertAccepted(resign({ claims: { nbf: nowSeconds() + skewSeconds - 1 } }), 'nbf within the skew')
    })

    it("refuses a token signed by another server's key under this server's kid", async () => {
      const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
      await assertRefused(signEdDSA(header, claims, other), 'foreign key')
    })

    it('accepts an expired token within CLOCK_SKEW and marks it Token-Expired past it', async () => {
      await assertAccepted(resign({ claims: { exp: nowSeconds() - skewSeconds + 1 } }), 'exp within the skew')
      const expired = await call(resign({ claims: { exp: nowSeconds() - skewSeconds } }))
      assert.equal(expired.status, 401)
      assert.equal(expired.body.code, 'invalid_token')
      assert.equal(expired.headers.get('token-expired'), 'true')
      assert.match(expired.headers.get('www-authenticate') ?? '', RFC6750_CHALLENGE)
    })

    it('does not mark Token-Expired when an expired token also fails another check', async () => {
      const exp = nowSeconds() - 3600
      await assertRefused(resign({ claims: { exp, iss: 'someone-else' } }), 'expired, wrong iss')
      await assertRefused(resign({ claims: { exp, aud: 'someone-else' } }), 'expired, wrong aud')
      await assertRefused(resign({ claims: { exp, nbf: nowSeconds() + 3600 } }), 'expired, not yet valid')
      await assertRefused(resign({ header: { typ: 'JWT' }, claims: { exp } }), 'expired, typ JWT')
      const [head, , signature] = resign({ claims: { exp } }).split('.')
      await assertRefused(`${head}.${encodeSegment({ ...claims, exp, sub: 'x' })}.${signature}`, 'expired, bad signature')
    })
  })
}
