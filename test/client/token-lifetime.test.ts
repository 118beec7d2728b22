import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwtClaims } from '../../src/client/index.js'
import { refreshAtMs, tokensFromResponse } from '../../src/client/token-lifetime.js'

// When the client refreshes: from the JWT's own lifetime, placed on the device's clock.

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (claims: Record<string, unknown>) => `${part({ alg: 'EdDSA', typ: 'at+jwt' })}.${part(claims)}.c2ln`
const answer = (claims: Record<string, unknown>, expiresIn = 900) => ({ accessToken: { token: jwt(claims), expiresIn }, refreshToken: 'r' })

describe('client: token lifetime', { timeout: 120_000 }, () => {
  it('decodes iat, exp, sid and sub without verifying; anything else is undefined', () => {
    assert.deepEqual(decodeJwtClaims(jwt({ iat: 10, exp: 910, sid: 's', sub: 'u', rol: ['x'] })), { iat: 10, exp: 910, sid: 's', sub: 'u' })
    assert.deepEqual(decodeJwtClaims(jwt({ sid: 'ünïcödé' })), { iat: undefined, exp: undefined, sid: 'ünïcödé', sub: undefined })
    assert.equal(decodeJwtClaims('opaque'), undefined)
    assert.equal(decodeJwtClaims('a.!!!.c'), undefined)
  })

  it('places exp − iat on the device clock from receipt, less the second iat was rounded down by', () => {
    // The server's clock is a day ahead of the device's: it changes nothing.
    const serverSeconds = Date.UTC(2030, 0, 1) / 1000
    const tokens = tokensFromResponse(answer({ iat: serverSeconds, exp: serverSeconds + 900 }), 1_000_000)
    assert.equal(tokens.receivedAtMs, 1_000_000)
    assert.equal(tokens.expiresAtMs, 1_000_000 + 899_000)
    // No readable JWT: expiresIn.
    assert.equal(tokensFromResponse({ accessToken: { token: 'opaque', expiresIn: 60 }, refreshToken: 'r' }, 0).expiresAtMs, 59_000)
    // A 1-second token keeps half its life rather than none.
    assert.equal(tokensFromResponse(answer({ iat: 0, exp: 1 }), 0).expiresAtMs, 500)
  })

  it('refreshes refreshAhead before expiry with ±10 % jitter, never before halfway through the life', () => {
    const tokens = tokensFromResponse(answer({ iat: 0, exp: 900 }), 0) // expires at 899 s
    assert.equal(refreshAtMs(tokens, 30_000), 869_000)
    assert.equal(refreshAtMs(tokens, 30_000, 1), 866_000)
    assert.equal(refreshAtMs(tokens, 30_000, -1), 872_000)
    assert.equal(refreshAtMs(tokens, 30_000, 7), 866_000, 'jitter is bounded')
    // A short token (2 s, so 1 s counted): halfway, not 30 s before expiry.
    const short = tokensFromResponse(answer({ iat: 0, exp: 2 }), 0)
    assert.equal(refreshAtMs(short, 30_000, 1), 500)
    assert.ok(refreshAtMs(short, 30_000) < short.expiresAtMs)
  })
})
