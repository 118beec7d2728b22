import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, it } from 'node:test'
import type { JwtAlgorithm } from '../../src/config.js'
import {
  type AccessTokenCheck,
  type AccessTokenClaims,
  type AccessTokenPolicy,
  checkHeader,
  checkTimeClaims,
  createAccessTokenSigner,
  createSignedTokenVerifier,
} from '../../src/crypto/access-tokens.js'
import { generateKeyPair, type SigningKey } from '../../src/crypto/signing-keys.js'
import { encodeSegment } from '../support/jwt.js'

const NOW = Date.UTC(2026, 10, 26, 12)
const policyFor = (algorithm: JwtAlgorithm): AccessTokenPolicy => ({ algorithm, issuer: 'latchkey', audience: 'latchkey', clockSkewSeconds: 0 })

function keyPair(algorithm: JwtAlgorithm = 'EdDSA'): SigningKey {
  if (algorithm === 'HS256') {
    const secret = `a secret of at least thirty-two bytes ${Math.random()}`
    return { kid: 'hs-test', algorithm, verifyKey: secret, signKey: secret }
  }
  const pair = generateKeyPair(algorithm)
  return { kid: pair.kid, algorithm, verifyKey: pair.publicKeyPem, signKey: pair.privateKeyPem }
}

function claims(): AccessTokenClaims {
  const iat = NOW / 1000
  return { iss: 'latchkey', aud: 'latchkey', sub: 'u', client_id: 'latchkey', id: 'u', preferred_username: 'ada', rol: ['api_access'], amr: ['pwd'], sid: 's', jti: 'j', iat, nbf: iat, exp: iat + 60 }
}

/** Header, signature and claims for one key, as the key ring runs them (without its cache). */
function verifierFor(key: SigningKey): (token: string, nowMs: number) => Promise<AccessTokenCheck> {
  const policy = policyFor(key.algorithm)
  const signed = createSignedTokenVerifier(key, policy)
  return async (token, nowMs) => {
    const header = checkHeader(token, key.algorithm)
    if ('reason' in header) return { ok: false, expired: false, reason: header.reason }
    const result = await signed(token)
    return 'reason' in result ? { ok: false, expired: false, reason: result.reason } : checkTimeClaims(result, policy.clockSkewSeconds, nowMs)
  }
}

describe('access token verification', { timeout: 60_000 }, () => {
  for (const algorithm of ['EdDSA', 'ES256', 'RS256', 'HS256'] as const) {
    it(`verifies ${algorithm} tokens the signer made, and refuses them after any change`, async () => {
      const key = keyPair(algorithm)
      const token = createAccessTokenSigner(key)(claims())
      const verify = verifierFor(key)
      assert.deepEqual(await verify(token, NOW), { ok: true, claims: claims() })
      const [head, body, signature = ''] = token.split('.')
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
      assert.equal(await (await verify(`${head}.${body}.${flipped}`, NOW)).ok, false, 'changed signature')
      assert.equal((await verify(`${head}.${encodeSegment({ ...claims(), sub: 'v' })}.${signature}`, NOW)).ok, false, 'changed claims')
      assert.equal(await (await verify(`${head}.${body}.`, NOW)).ok, false, 'no signature')
      assert.equal(await (await verify(`${head}.${body}.${signature}=`, NOW)).ok, false, 'padded signature')
      assert.equal(await (await verify(`${head}.${body}.${signature} `, NOW)).ok, false, 'trailing space')
      assert.equal(await (await verifierFor(keyPair(algorithm))(token, NOW)).ok, false, 'another key of the same algorithm')
    })
  }

  it('refuses a signature whose unused trailing bits differ (one encoding per signature)', async () => {
    const key = keyPair('EdDSA')
    const token = createAccessTokenSigner(key)(claims())
    const [head, body, signature = ''] = token.split('.')
    // 64 bytes are 86 characters whose last one carries 4 unused bits.
    const last = signature.at(-1) ?? 'A'
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A'
    assert.equal(Buffer.from(signature.slice(0, -1) + sibling, 'base64url').equals(Buffer.from(signature, 'base64url')), true)
    assert.equal(await (await verifierFor(key)(`${head}.${body}.${signature.slice(0, -1)}${sibling}`, NOW)).ok, false)
  })

  it('checks the time claims on every use', async () => {
    const key = keyPair()
    const token = createAccessTokenSigner(key)(claims())
    const verify = verifierFor(key)
    assert.equal(await (await verify(token, NOW)).ok, true)
    assert.equal(await (await verify(token, NOW + 30_000)).ok, true)
    assert.deepEqual(await verify(token, NOW + 60_000), { ok: false, expired: true, reason: 'The token expired.', claims: claims() })
    assert.equal(await (await verify(token, NOW - 1_000)).ok, false)
  })

  it('hands out claims no caller can change for the next request', async () => {
    const key = keyPair()
    const token = createAccessTokenSigner(key)(claims())
    const signed = await createSignedTokenVerifier(key, policyFor('EdDSA'))(token)
    assert.ok(!('reason' in signed))
    assert.throws(() => signed.claims.rol.push('admin'))
    assert.throws(() => ((signed.claims as { sub: string }).sub = 'v'))
    assert.equal(Object.isFrozen(signed.accepted), true)
  })

  it('refuses a key of another type than the algorithm names', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString()
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'pem', type: 'spki' }).toString()
    assert.throws(() => createSignedTokenVerifier({ kid: 'k', algorithm: 'RS256', verifyKey: ed }, policyFor('RS256')))
    assert.throws(() => createSignedTokenVerifier({ kid: 'k', algorithm: 'ES256', verifyKey: ed }, policyFor('ES256')))
    assert.throws(() => createSignedTokenVerifier({ kid: 'k', algorithm: 'ES256', verifyKey: p384 }, policyFor('ES256')))
  })

  it('accepts ES256 signatures in JWS form (r‖s) only, not DER', async () => {
    const key = keyPair('ES256')
    const input = `${encodeSegment({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })}.${encodeSegment(claims())}`
    const der = sign('sha256', Buffer.from(input), key.signKey ?? '').toString('base64url')
    const jws = sign('sha256', Buffer.from(input), { key: key.signKey ?? '', dsaEncoding: 'ieee-p1363' }).toString('base64url')
    assert.equal(await (await verifierFor(key)(`${input}.${jws}`, NOW)).ok, true)
    assert.equal(await (await verifierFor(key)(`${input}.${der}`, NOW)).ok, false)
  })
})
