import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createClient, type FetchLike, isLatchkeyError } from '../../src/client/index.js'

// client.fetch against a stub: where it sends, what it attaches, and what it replays on a retry.

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
const token = (n: number) => `${part({ alg: 'none' })}.${part({ iat: now, exp: now + 900, sid: 's', n })}.x`
const tokenAnswer = (n: number) => Response.json({ accessToken: { token: token(n), expiresIn: 900 }, refreshToken: `r${n}` })

interface Seen {
  url: string
  method: string
  authorization: string | null
  body: string
  custom: string | null
}

/** A stub server: login gives token 1, refresh token 2; `/expire-once` answers 401 Token-Expired to token 1. */
function stub(): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = []
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init)
    const body = await request.text()
    seen.push({ url: request.url, method: request.method, authorization: request.headers.get('authorization'), body, custom: request.headers.get('x-custom') })
    const path = new URL(request.url).pathname
    if (path.endsWith('/api/auth/login')) return tokenAnswer(1)
    if (path.endsWith('/api/auth/refreshtoken')) return tokenAnswer(2)
    if (path.endsWith('/expire-once') && request.headers.get('authorization') === `Bearer ${token(1)}`) {
      return new Response(null, { status: 401, headers: { 'token-expired': 'true', 'www-authenticate': 'Bearer realm="latchkey", error="invalid_token"' } })
    }
    return new Response(`ok ${body}`)
  }
  return { fetch, seen }
}

describe('client: fetch', { timeout: 120_000 }, () => {
  it('resolves a path under baseUrl (its prefix kept), leaves absolute URLs alone, and attaches the bearer token', async () => {
    const { fetch, seen } = stub()
    const client = createClient({ baseUrl: 'http://auth.test/prefix/', fetch })
    await client.fetch('/before')
    await client.login({ userName: 'ada', password: 'pw' })
    await client.fetch('/api/things', { headers: { 'x-custom': 'kept' } })
    await client.fetch('relative')
    await client.fetch(new URL('http://api.test/orders'))
    assert.deepEqual(
      seen.map(({ url, authorization }) => [url, authorization]),
      [
        ['http://auth.test/prefix/before', null],
        ['http://auth.test/prefix/api/auth/login', null],
        ['http://auth.test/prefix/api/things', `Bearer ${token(1)}`],
        ['http://auth.test/prefix/relative', `Bearer ${token(1)}`],
        ['http://api.test/orders', `Bearer ${token(1)}`],
      ],
    )
    assert.equal(seen[2]!.custom, 'kept')
    client.close()
  })

  it('replays the body of a string or a Request on the retry after Token-Expired', async () => {
    const { fetch, seen } = stub()
    const client = createClient({ baseUrl: 'http://auth.test', fetch })
    await client.login({ userName: 'ada', password: 'pw' })
    const first = await client.fetch('/expire-once', { method: 'POST', body: 'payload' })
    assert.equal(await first.text(), 'ok payload')
    const second = await client.fetch(new Request('http://auth.test/expire-once', { method: 'POST', body: 'from a Request', headers: { 'x-custom': 'r' } }))
    assert.equal(await second.text(), 'ok from a Request')
    const attempts = seen.filter((call) => call.url.endsWith('/expire-once'))
    assert.deepEqual(
      attempts.map(({ body, authorization, custom }) => [body, authorization, custom]),
      [
        ['payload', `Bearer ${token(1)}`, null],
        ['payload', `Bearer ${token(2)}`, null],
        ['from a Request', `Bearer ${token(2)}`, 'r'],
      ],
    )
    assert.equal(seen.filter((call) => call.url.endsWith('/refreshtoken')).length, 1)
    client.close()
  })

  it('an abort stays an AbortError; a failed fetch becomes network_error', async () => {
    const client = createClient({
      baseUrl: 'http://auth.test',
      fetch: async (_input, init) => {
        if (init?.signal?.aborted === true) throw new DOMException('aborted', 'AbortError')
        throw new TypeError('fetch failed')
      },
    })
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(client.fetch('/x', { signal: controller.signal }), { name: 'AbortError' })
    await assert.rejects(client.fetch('/x'), (error) => isLatchkeyError(error, 'network_error'))
  })
})
