import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AccessTokenClaims, createAccessTokenSigner, createAccessTokenVerifier } from '../../src/crypto/access-tokens.js'
import { generateKeyPair, type SigningKey } from '../../src/crypto/signing-keys.js'

const policy = { algorithm: 'EdDSA', issuer: 'latchkey', audience: 'latchkey', clockSkewSeconds: 0 } as const
const NOW = Date.UTC(2026, 10, 26, 12)

function keyPair(): SigningKey {
  const pair = generateKeyPair('EdDSA')
  return { kid: pair.kid, algorithm: 'EdDSA', verifyKey: pair.publicKeyPem, signKey: pair.privateKeyPem }
}

function claims(): AccessTokenClaims {
  const iat = NOW / 1000
  return { iss: 'latchkey', aud: 'latchkey', sub: 'u', client_id: 'latchkey', id: 'u', preferred_username: 'ada', rol: ['api_access'], sid: 's', jti: 'j', iat, nbf: iat, exp: iat + 60 }
}

describe('access token verification', () => {
  it('checks the time claims on every use of a token it has verified before', () => {
    const key = keyPair()
    const token = createAccessTokenSigner(key)(claims())
    const verify = createAccessTokenVerifier(key, policy)
    assert.equal(verify(token, NOW).ok, true)
    assert.equal(verify(token, NOW + 30_000).ok, true)
    assert.deepEqual(verify(token, NOW + 60_000), { ok: false, expired: true, reason: 'The token expired.', claims: claims() })
    assert.equal(verify(token, NOW - 1_000).ok, false)
  })

  it('hands out claims no caller can change for the next request', () => {
    const key = keyPair()
    const token = createAccessTokenSigner(key)(claims())
    const verify = createAccessTokenVerifier(key, policy)
    const first = verify(token, NOW)
    assert.ok(first.ok)
    assert.throws(() => first.claims.rol.push('admin'))
    const second = verify(token, NOW)
    assert.ok(second.ok)
    assert.deepEqual(second.claims.rol, ['api_access'])
  })

  it("never accepts a token under another key's verifier, even after that token verified elsewhere", () => {
    const [mine, theirs] = [keyPair(), keyPair()]
    const token = createAccessTokenSigner(theirs)(claims())
    assert.equal(createAccessTokenVerifier(theirs, policy)(token, NOW).ok, true)
    assert.equal(createAccessTokenVerifier(mine, policy)(token, NOW).ok, false)
  })
})
