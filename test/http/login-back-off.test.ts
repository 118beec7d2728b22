import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { login } from '../../src/auth/login.js'
import { isAppError } from '../../src/errors.js'
import { countingHasher } from '../support/counting-hasher.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §4.5 back-off, per (account key, client IP): after failure k ≥ N the IP's next attempt
// for that key waits min(2^(k−N), 900) s after the failure; attempts in the wait get 429 and are
// neither checked nor counted. The fake clock steps through the waits.

const N = 3
const ENV = { LOGIN_MAX_FAILURES: String(N), TRUST_PROXY: '1' }

function assertWaits(response: TestResponse, retryAfterSeconds: number, note = ''): void {
  assert.equal(response.status, 429, `${note} ${response.text}`)
  assert.equal(response.body.code, 'too_many_requests')
  assert.equal(response.headers.get('retry-after'), String(retryAfterSeconds), note)
}

function assertChecked(response: TestResponse, status: 200 | 401, note = ''): void {
  assert.equal(response.status, status, `${note} ${response.text}`)
}

for (const dialect of DIALECTS) {
  describe(`login back-off (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    const hasher = countingHasher()
    const checks = () => hasher.calls.verify + hasher.calls.dummy
    let ips = 0
    const freshIp = () => `203.0.113.${++ips}`
    const attempt = (ip: string, userName: string, password: string) =>
      server.request('POST', '/api/auth/login', { body: { userName, password }, headers: { 'x-forwarded-for': ip } })

    before(async () => {
      server = await startTestServer({ dialect, env: ENV, hasher })
    })
    after(() => server.close())

    it('makes the next attempt wait min(2^(k−N), 900) s after failure k ≥ N, checking nothing in the wait', { timeout: 120_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      const wrong = () => attempt(ip, user.userName, 'not the password')
      for (let k = 1; k <= N; k++) assertChecked(await wrong(), 401, `failure ${k}`)
      for (let k = N; k <= N + 11; k++) {
        const waitSeconds = Math.min(2 ** (k - N), 900)
        const checked = checks()
        assertWaits(await wrong(), waitSeconds, `after failure ${k}`)
        server.clock.advance(waitSeconds * 1000 - 1)
        assertWaits(await wrong(), 1, `1 ms before the wait after failure ${k} ends`)
        assert.equal(checks(), checked, 'no password is checked in the wait')
        server.clock.advance(1)
        assertChecked(await wrong(), 401, `failure ${k + 1}`)
      }
      // Only the checked attempts were counted: one login_failed each, none for the refusals.
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), N + 12)
    })

    it('refuses even the right password in the wait; a success from the address resets its count', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      for (let k = 1; k <= N; k++) assertChecked(await attempt(ip, user.email, 'not the password'), 401)
      const checked = checks()
      assertWaits(await attempt(ip, user.userName, user.password), 1)
      assert.equal(checks(), checked)
      server.clock.advanceSeconds(1)
      assertChecked(await attempt(ip, user.userName, user.password), 200)
      for (let k = 1; k <= N; k++) assertChecked(await attempt(ip, user.userName, 'not the password'), 401, `failure ${k} after the success`)
      assertWaits(await attempt(ip, user.userName, user.password), 1)
    })

    it('forgets the count after an hour without a failure from the address', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      const wrong = () => attempt(ip, user.userName, 'not the password')
      for (let k = 1; k <= N; k++) assertChecked(await wrong(), 401)
      server.clock.advanceSeconds(1)
      assertChecked(await wrong(), 401) // failure N+1: waits 2 s
      server.clock.advanceSeconds(3600)
      for (let k = 1; k <= N; k++) assertChecked(await wrong(), 401, `failure ${k} of a fresh count`)
      assertWaits(await wrong(), 1)
    })

    it('keys an unknown identifier by its lower-cased form, and behaves the same', { timeout: 60_000 }, async () => {
      const ip = freshIp()
      const ghost = `Ghost.${process.pid}@Example.com`
      for (const typed of [ghost, ghost.toLowerCase(), ghost.toUpperCase()]) assertChecked(await attempt(ip, typed, 'whatever it is'), 401, typed)
      const checked = checks()
      assertWaits(await attempt(ip, ghost.toLowerCase(), 'whatever it is'), 1)
      assert.equal(checks(), checked)
      assertChecked(await attempt(ip, `other.ghost.${process.pid}`, 'whatever it is'), 401, 'another identifier is another key')
      // An account's user name and email are one key: the account.
      const user = await server.register()
      const other = freshIp()
      assertChecked(await attempt(other, user.userName, 'nope, not it'), 401)
      assertChecked(await attempt(other, user.email.toUpperCase(), 'nope, not it'), 401)
      assertChecked(await attempt(other, user.userName.toUpperCase(), 'nope, not it'), 401)
      assertWaits(await attempt(other, user.email, user.password), 1)
    })

    it('keeps each address to itself; IPv6 addresses of one /64 are one address', { timeout: 60_000 }, async () => {
      const user = await server.register()
      for (let k = 1; k <= N; k++) assertChecked(await attempt(`2001:db8:5:5::${k}`, user.userName, 'not the password'), 401)
      assertWaits(await attempt('2001:db8:5:5:ffff::1', user.userName, user.password), 1)
      assertChecked(await attempt('2001:db8:5:6::1', user.userName, user.password), 200, 'the next /64 is another address')
      assertChecked(await attempt(freshIp(), user.userName, user.password), 200, 'so is an IPv4 address')
    })

    it('records login_throttled once per wait, and login_failed for each counted failure', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      const wrong = () => attempt(ip, user.userName, 'not the password')
      for (let k = 1; k <= N; k++) await wrong()
      for (let i = 0; i < 3; i++) assertWaits(await wrong(), 1)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_throttled'), 1)
      server.clock.advanceSeconds(1)
      assertChecked(await wrong(), 401)
      for (let i = 0; i < 3; i++) assertWaits(await wrong(), 2)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_throttled'), 2)
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), N + 1)
    })

    it('answers a malformed body with 400 validation_failed before the back-off 429', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      for (let k = 1; k <= N; k++) await attempt(ip, user.userName, 'not the password')
      assertWaits(await attempt(ip, user.userName, 'not the password'), 1)
      const malformed = await server.request('POST', '/api/auth/login', { body: { userName: user.userName }, headers: { 'x-forwarded-for': ip } })
      assert.equal(malformed.status, 400)
      assert.equal(malformed.body.code, 'validation_failed')
    })

    it('lets a burst of concurrent wrong passwords from one address get no more checks than the back-off allows', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const ip = freshIp()
      assertChecked(await attempt(ip, user.userName, 'not the password'), 401)
      const burst = await Promise.all(Array.from({ length: 10 }, () => attempt(ip, user.userName, 'not the password')))
      // One failure known, so at most N − 1 more are checked before the wait they cause.
      assert.deepEqual(burst.map((response) => response.status).sort(), [...Array(N - 1).fill(401), ...Array(10 - N + 1).fill(429)])
      assertWaits(await attempt(ip, user.userName, user.password), 1)
      // Without a recent failure, logins racing from one address are not held back.
      server.clock.advanceSeconds(1)
      assertChecked(await attempt(ip, user.userName, user.password), 200)
      const logins = await Promise.all(Array.from({ length: 8 }, () => attempt(ip, user.userName, user.password)))
      assert.deepEqual(logins.map((response) => response.status), Array(8).fill(200))
    })

    it('logs login_failed and login_throttled as one line each, for unknown identifiers too, never naming one', { timeout: 60_000 }, async () => {
      const lines: object[] = []
      const log = { info: (fields: object) => lines.push(fields), warn() {}, error() {} }
      const ctx = { ...server.ctx, log }
      const user = await server.register()
      const secret = `typed-by-mistake-${process.pid}`
      const client = { ipAddress: freshIp(), userAgent: null }
      const tryLogin = async (userName: string) => {
        try {
          await login(ctx, { userName, password: 'not the password' }, client)
          return 'ok'
        } catch (error) {
          assert.ok(isAppError(error))
          return error.code
        }
      }
      for (let k = 0; k <= N; k++) await tryLogin(user.userName)
      for (let k = 0; k <= N; k++) await tryLogin(secret)
      assert.deepEqual(lines, [
        ...Array(N).fill({ event: 'login_failed', userId: user.id }),
        { event: 'login_throttled', userId: user.id },
        // An unknown identifier's failure is one line too (as a known one's), without any name.
        ...Array(N).fill({ event: 'login_failed' }),
        { event: 'login_throttled', userId: null },
      ])
      assert.ok(!JSON.stringify(lines).includes(secret))
    })
  })

  describe(`a stranger cannot lock the owner out (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    before(async () => {
      // No proxy trusted: the socket's address is the client.
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: String(N) } })
    })
    after(() => server.close())

    it('keeps the owner on 127.0.0.2 logging in while a stranger on 127.0.0.1 is held back', { timeout: 60_000 }, async () => {
      const user = await server.register()
      const stranger = () => server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: 'guess guess' } })
      for (let failures = 0; failures < N + 5; ) {
        const response = await stranger()
        if (response.status === 429) server.clock.advanceSeconds(Number(response.headers.get('retry-after')))
        else assertChecked(response, 401, `failure ${++failures}`)
      }
      assertWaits(await stranger(), 2 ** 5)
      const owner = await postFrom('127.0.0.2', server.url, '/api/auth/login', { userName: user.userName, password: user.password })
      assert.equal(owner.status, 200, owner.text)
      assertWaits(await stranger(), 2 ** 5)
    })
  })
}

/** POSTs JSON from a chosen local address (the loopback network is all of 127.0.0.0/8). */
function postFrom(localAddress: string, baseUrl: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl)
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { hostname, port, path, method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
      },
    )
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}
