import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LatchkeyError } from '../../src/client/index.js'
import { responseError } from '../../src/client/response-error.js'
import { parseRetryAfter } from '../../src/client/retry-after.js'

// Error answers into LatchkeyErrors, including ones that are not problem+json.

describe('client: error answers', { timeout: 120_000 }, () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const nowMs = Date.UTC(2026, 0, 1, 12, 0, 0)
    assert.equal(parseRetryAfter('7', nowMs), 7)
    assert.equal(parseRetryAfter(' 0 ', nowMs), 0)
    assert.equal(parseRetryAfter(new Date(nowMs + 90_500).toUTCString(), nowMs), 90)
    assert.equal(parseRetryAfter(new Date(nowMs - 5_000).toUTCString(), nowMs), 0)
    assert.equal(parseRetryAfter('soon', nowMs), undefined)
    assert.equal(parseRetryAfter(null, nowMs), undefined)
  })

  it('an answer without problem+json still gets a code from its status', async () => {
    const gateway = await responseError(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }), 0)
    assert.ok(gateway instanceof LatchkeyError)
    assert.deepEqual([gateway.status, gateway.code, gateway.title], [502, 'unexpected_response', 'Bad Gateway'])
    const busy = await responseError(new Response('', { status: 503, headers: { 'retry-after': '3' } }), 0)
    assert.deepEqual([busy.code, busy.retryAfterSeconds], ['service_unavailable', 3])
  })

  it('keeps an unknown code of a newer server, and ignores malformed members', async () => {
    const body = { type: 'about:blank', title: 'New', status: 418, detail: 'd', code: 'brand_new_code', errors: { a: 'not an array' } }
    const error = await responseError(new Response(JSON.stringify(body), { status: 418 }), 0)
    assert.equal(error.code, 'brand_new_code')
    assert.equal(error.errors, undefined)
    assert.equal(error.message, 'd')
  })
})
