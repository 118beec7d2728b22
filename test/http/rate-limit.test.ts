import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §4.5 rate limit: at most RATE_LIMIT_PER_MINUTE requests in any 60 s per client IP
// (IPv6 by /64) over registration and login, before anything else; refused requests do not count.
// TRUST_PROXY=1 lets each test speak from addresses of its own through X-Forwarded-For.

const LIMIT = 3
const ENV = { RATE_LIMIT_PER_MINUTE: String(LIMIT), LOGIN_MAX_FAILURES: '100', TRUST_PROXY: '1' }

function rateHeaders(response: TestResponse): Record<string, string | null> {
  return {
    limit: response.headers.get('ratelimit-limit'),
    remaining: response.headers.get('ratelimit-remaining'),
    reset: response.headers.get('ratelimit-reset'),
    retryAfter: response.headers.get('retry-after'),
  }
}

function assertTooMany(response: TestResponse, retryAfterSeconds: number): void {
  assert.equal(response.status, 429, response.text)
  assert.equal(response.body.code, 'too_many_requests')
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.deepEqual(rateHeaders(response), { limit: String(LIMIT), remaining: '0', reset: String(retryAfterSeconds), retryAfter: String(retryAfterSeconds) })
}

for (const dialect of DIALECTS) {
  describe(`per-IP rate limit (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    let ips = 0
    /** An address no other test has used. */
    const freshIp = () => `198.51.100.${++ips}`
    const login = (ip: string, body: unknown = { userName: 'nobody-here', password: 'wrong password' }) =>
      server.request('POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': ip } })
    const register = (ip: string, body: unknown = {}) => server.request('POST', '/api/accounts', { body, headers: { 'x-forwarded-for': ip } })

    before(async () => {
      server = await startTestServer({ dialect, env: ENV })
    })
    after(() => server.close())

    it('admits the limit in any 60 s with RateLimit headers, then 429 with Retry-After until the oldest request leaves the window', { timeout: 60_000 }, async () => {
      const ip = freshIp()
      const first = await login(ip)
      assert.equal(first.status, 401)
      assert.deepEqual(rateHeaders(first), { limit: '3', remaining: '2', reset: '60', retryAfter: null })
      server.clock.advanceSeconds(10)
      assert.deepEqual(rateHeaders(await login(ip)), { limit: '3', remaining: '1', reset: '50', retryAfter: null })
      server.clock.advanceSeconds(10)
      assert.deepEqual(rateHeaders(await login(ip)), { limit: '3', remaining: '0', reset: '40', retryAfter: null })
      server.clock.advanceSeconds(10)
      assertTooMany(await login(ip), 30)
      server.clock.advance(29_500)
      assertTooMany(await login(ip), 1) // 0.5 s rounded up
      server.clock.advance(500)
      // Exactly 60 s after the first request it has left the window; the refused ones never counted.
      const admitted = await login(ip)
      assert.equal(admitted.status, 401)
      assert.deepEqual(rateHeaders(admitted), { limit: '3', remaining: '0', reset: '10', retryAfter: null })
      assertTooMany(await login(ip), 10)
    })

    it('shares one budget between registration and login, per address', { timeout: 60_000 }, async () => {
      const ip = freshIp()
      assert.equal((await register(ip)).status, 400)
      assert.equal((await login(ip)).status, 401)
      assert.equal((await register(ip)).status, 400)
      assertTooMany(await register(ip), 60)
      assertTooMany(await login(ip), 60)
      assert.equal((await login(freshIp())).status, 401, 'another address has its own budget')
    })

    it('answers 429 before 413, 415, invalid_json and validation_failed', { timeout: 60_000 }, async () => {
      const huge = JSON.stringify({ userName: 'x'.repeat(20_000), password: 'y' })
      const malformed = [
        { rawBody: huge, headers: { 'content-type': 'application/json' }, status: 413 },
        { rawBody: '{"userName":"a","password":"b"}', headers: { 'content-type': 'text/plain' }, status: 415 },
        { rawBody: '{"userName":', headers: { 'content-type': 'application/json' }, status: 400 },
        { rawBody: '{"userName":12}', headers: { 'content-type': 'application/json' }, status: 400 },
      ]
      for (const path of ['/api/auth/login', '/api/accounts']) {
        for (const request of malformed) {
          // Control: within the budget the same request gets its own error.
          const open = await server.request('POST', path, { rawBody: request.rawBody, headers: { ...request.headers, 'x-forwarded-for': freshIp() } })
          assert.equal(open.status, request.status, `${path} ${request.status}: ${open.text}`)
        }
        const ip = freshIp()
        for (let i = 0; i < LIMIT; i++) await register(ip)
        for (const request of malformed) {
          const limited = await server.request('POST', path, { rawBody: request.rawBody, headers: { ...request.headers, 'x-forwarded-for': ip } })
          assertTooMany(limited, 60)
        }
      }
    })

    it('groups IPv6 addresses by /64 and reads an IPv4-mapped address as IPv4', { timeout: 60_000 }, async () => {
      for (const host of ['::1', '::2', ':ffff:ffff:ffff:ffff']) assert.equal((await login(`2001:db8:7:7${host}`)).status, 401, host)
      assertTooMany(await login('2001:db8:7:7:1234::9'), 60)
      assert.equal((await login('2001:db8:7:8::1')).status, 401, 'the neighbouring /64 has its own budget')
      const v4 = freshIp()
      for (let i = 0; i < LIMIT; i++) assert.equal((await login(i % 2 === 0 ? v4 : `::ffff:${v4}`)).status, 401)
      assertTooMany(await login(`::ffff:${v4}`), 60)
    })

    it('leaves refresh, protected routes and documentation alone, without RateLimit headers', { timeout: 60_000 }, async () => {
      const ip = freshIp()
      for (let i = 0; i < LIMIT; i++) await login(ip)
      assertTooMany(await login(ip), 60)
      for (const path of ['/api/auth/refresh', '/api/auth/refreshtoken']) {
        for (let i = 0; i < LIMIT + 2; i++) {
          const refresh = await server.request('POST', path, { body: { refreshToken: 'not a token' }, headers: { 'x-forwarded-for': ip } })
          assert.equal(refresh.body.code, 'invalid_grant')
          assert.equal(refresh.headers.get('ratelimit-limit'), null)
        }
      }
      const logout = await server.request('POST', '/api/auth/logout', { body: { refreshToken: 'not a token' }, headers: { 'x-forwarded-for': ip } })
      assert.notEqual(logout.status, 429)
      assert.equal(logout.headers.get('ratelimit-limit'), null)
      assert.equal((await server.request('GET', '/api/protected', { headers: { 'x-forwarded-for': ip } })).status, 401)
    })

    it('counts a client behind no trusted proxy by its socket address, whatever X-Forwarded-For says', { timeout: 60_000 }, async () => {
      const direct = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } })
      try {
        for (let i = 0; i < LIMIT; i++) {
          const response = await direct.request('POST', '/api/accounts', { body: {}, headers: { 'x-forwarded-for': `192.0.2.${i}` } })
          assert.equal(response.status, 400)
        }
        const refused = await direct.request('POST', '/api/accounts', { body: {}, headers: { 'x-forwarded-for': '192.0.2.99' } })
        assert.equal(refused.status, 429)
      } finally {
        await direct.close()
      }
    })
  })

  describe(`rate limit switched off and on (${dialect.name})`, { timeout: 120_000 }, () => {
    let off: TestServer
    let byDefault: ListeningServer
    let defaultDatabase: Awaited<ReturnType<typeof dialect.create>>
    before(async () => {
      off = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      defaultDatabase = await dialect.create()
      // A real server with the contract's defaults: no RATE_LIMIT_PER_MINUTE in its environment.
      byDefault = await startServerProcess({ DATABASE_URL: defaultDatabase.url })
    })
    after(async () => {
      await off.close()
      await byDefault.kill()
      await defaultDatabase.drop()
    })

    it('RATE_LIMIT_PER_MINUTE=0 admits everything and sends no RateLimit headers; unset, the limit is 60', { timeout: 60_000 }, async () => {
      for (let i = 0; i < 70; i++) {
        const response = await off.request('POST', '/api/accounts', { body: {} })
        assert.equal(response.status, 400)
        assert.equal(response.headers.get('ratelimit-limit'), null)
      }
      // Control: the same 70 requests against the default configuration.
      const statuses: number[] = []
      for (let i = 0; i < 70; i++) {
        const response = await fetch(`${byDefault.url}/api/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        await response.text()
        statuses.push(response.status)
        if (i === 0) assert.equal(response.headers.get('ratelimit-limit'), '60')
      }
      assert.deepEqual(statuses, [...Array(60).fill(400), ...Array(10).fill(429)])
    })
  })
}
