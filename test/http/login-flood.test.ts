import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { countingHasher } from '../support/counting-hasher.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §4.5: once an account has had 100 failures in the last hour (from any address), only
// addresses that logged into it in the last 30 days may still try; the others get 429 until the
// hour's count drops below 100. LOGIN_MAX_FAILURES=100 keeps the per-address back-off out of the way.

const ENV = { LOGIN_MAX_FAILURES: '100', TRUST_PROXY: '1' }
const DAY_SECONDS = 86_400

function assertWaits(response: TestResponse, retryAfterSeconds: number, note = ''): void {
  assert.equal(response.status, 429, `${note} ${response.text}`)
  assert.equal(response.body.code, 'too_many_requests')
  assert.equal(response.headers.get('retry-after'), String(retryAfterSeconds), note)
}

for (const dialect of DIALECTS) {
  describe(`the 100-failures-an-hour rule (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    const hasher = countingHasher()
    const checks = () => hasher.calls.verify + hasher.calls.dummy
    const attempt = (ip: string, userName: string, password: string) =>
      server.request('POST', '/api/auth/login', { body: { userName, password }, headers: { 'x-forwarded-for': ip } })
    /** 100 wrong passwords from four addresses of `subnet`, ten at a time. */
    async function flood(userName: string, subnet: string): Promise<void> {
      for (let batch = 0; batch < 100; batch += 10) {
        const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(`${subnet}.${(batch + i) % 4}`, userName, `guess ${batch + i}`)))
        assert.deepEqual(responses.map((response) => response.status), Array(10).fill(401))
      }
    }

    before(async () => {
      server = await startTestServer({ dialect, env: ENV, hasher })
    })
    after(() => server.close())

    it('lets only addresses that logged in within 30 days try, and checks nothing from the others', { timeout: 120_000 }, async () => {
      const user = await server.register()
      assert.equal((await attempt('192.0.2.10', user.userName, user.password)).status, 200)
      assert.equal((await attempt('2001:db8:9:9::1', user.userName, user.password)).status, 200)
      server.clock.advanceSeconds(60)
      const floodStartMs = server.clock.now()
      await flood(user.userName, '198.18.0')
      server.clock.advanceSeconds(600)

      const checked = checks()
      assertWaits(await attempt('198.18.1.1', user.userName, user.password), 3000, 'a new address, even with the right password')
      assertWaits(await attempt('198.18.0.1', user.userName, 'guess again'), 3000, 'an address of the flood')
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(`198.18.2.${i}`, user.userName, 'guess')))
      for (const response of burst) assertWaits(response, 3000, 'a burst from new addresses')
      assert.equal(checks(), checked, 'no password was checked for a refused address')

      // The owner's addresses still try: a typo counts, the right password gets in.
      assert.equal((await attempt('192.0.2.10', user.userName, 'a typo')).status, 401)
      assert.equal((await attempt('2001:db8:9:9::77', user.userName, user.password)).status, 200, 'same /64 as a known address')
      assert.equal((await attempt('192.0.2.10', user.email, user.password)).status, 200)

      assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 101, 'about 100 failures an hour in all')
      assert.equal(await countEvents(server.ctx.store, user.id, 'login_throttled'), 1, 'noticed once an hour')

      server.clock.advance(floodStartMs + 3_600_000 - 1 - server.clock.now())
      assertWaits(await attempt('198.18.1.1', user.userName, user.password), 1, 'a millisecond before the hour ends')
      server.clock.advance(1)
      assert.equal((await attempt('198.18.1.1', user.userName, user.password)).status, 200, 'fewer than 100 failures in the last hour')
    })

    it('forgets an address that has not logged in for 30 days, and leaves other accounts alone', { timeout: 120_000 }, async () => {
      const user = await server.register()
      const bystander = await server.register()
      assert.equal((await attempt('192.0.2.20', user.userName, user.password)).status, 200)
      server.clock.advanceSeconds(30 * DAY_SECONDS)
      await flood(user.userName, '198.18.3')
      assertWaits(await attempt('192.0.2.20', user.userName, user.password), 3600, 'its last login was 30 days ago')
      assert.equal((await attempt('198.18.3.1', bystander.userName, bystander.password)).status, 200, 'another account')
    })
  })
}
