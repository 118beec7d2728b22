import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, type SessionEndedEvent } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { recordingFetch, spyStorage } from './harness.js'

// Issue 10 part 4: concurrent calls share one refresh; a 401 is handled once, never in a loop.

const TTL_SECONDS = 900
const CONCURRENT = 50

describe('client: one refresh for concurrent calls', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { ACCESS_TOKEN_TTL: String(TTL_SECONDS) } })
  })
  after(() => server.close())

  it('50 concurrent fetches with an access token the client knows has expired cause exactly one refresh', async (t) => {
    const user = await server.register()
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch, now: () => server.clock.now() })
    await client.login(user)
    server.clock.advanceSeconds(TTL_SECONDS + 1)

    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => client.fetch('/api/protected')))

    assert.deepEqual(answers.map((answer) => answer.status), Array(CONCURRENT).fill(200))
    assert.equal(log.refreshes, 1)
    assert.equal(log.unauthorized, 0, 'refreshed before sending: no request went out with the expired token')
    t.diagnostic(`refresh requests for ${CONCURRENT} concurrent fetches (expiry known to the client): ${log.refreshes}`)
    client.close()
  })

  it('50 concurrent fetches that each get 401 Token-Expired cause exactly one refresh, then one retry each', async (t) => {
    const user = await server.register()
    const { fetch, log } = recordingFetch()
    // The client's clock is the real one: only the server knows the token expired.
    const client = createClient({ baseUrl: server.url, fetch })
    await client.login(user)
    server.clock.advanceSeconds(TTL_SECONDS + 1)

    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => client.fetch('/api/protected')))

    assert.deepEqual(answers.map((answer) => answer.status), Array(CONCURRENT).fill(200))
    assert.equal(log.unauthorized, CONCURRENT)
    assert.equal(log.refreshes, 1)
    assert.equal(log.calls.filter((call) => call === 'GET /api/protected').length, 2 * CONCURRENT, 'one retry per request')
    t.diagnostic(`refresh requests for ${CONCURRENT} concurrent fetches (401 Token-Expired): ${log.refreshes}`)
    client.close()
  })

  it('a 401 with Token-Expired triggers one refresh and one retry of the request', async () => {
    const user = await server.register()
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch })
    await client.login(user)
    server.clock.advanceSeconds(TTL_SECONDS + 1)

    const me = await client.me()

    assert.equal(me.userName, user.userName)
    assert.deepEqual(log.calls.slice(1), ['GET /api/accounts/me', 'POST /api/auth/refreshtoken', 'GET /api/accounts/me'])
    client.close()
  })

  it('a 401 without Token-Expired (the session ended elsewhere) signs out once and never refreshes', async () => {
    const user = await server.register()
    const storage = spyStorage()
    const ended: SessionEndedEvent[] = []
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch, storage, onSessionEnded: (event) => ended.push(event) })
    const otherDevice = createClient({ baseUrl: server.url })
    await client.login(user)
    await otherDevice.login(user)
    await otherDevice.logoutAll()

    const answers = await Promise.all(Array.from({ length: 5 }, () => client.fetch('/api/protected')))

    assert.deepEqual(answers.map((answer) => answer.status), [401, 401, 401, 401, 401])
    assert.equal(answers[0]!.headers.get('token-expired'), null)
    assert.equal(log.refreshes, 0, 'no refresh: it could not help')
    assert.deepEqual(ended, [{ reason: 'token_rejected' }], 'reported once')
    assert.deepEqual(storage.ops, ['set', 'clear'])
    assert.equal(await client.isSignedIn(), false)
    // Signed out: a call now goes without a token.
    await assert.rejects(client.me(), (error) => isLatchkeyError(error, 'authentication_required') && error.status === 401)
    assert.equal(log.refreshes, 0)
    client.close()
    otherDevice.close()
  })

  it('an expired token of an ended session: the one refresh is refused and the session ends once', async () => {
    const user = await server.register()
    const ended: SessionEndedEvent[] = []
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch, now: () => server.clock.now(), onSessionEnded: (event) => ended.push(event) })
    await client.login(user)
    const otherDevice = createClient({ baseUrl: server.url })
    await otherDevice.login(user)
    await otherDevice.logoutAll()
    server.clock.advanceSeconds(TTL_SECONDS + 1)

    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.fetch('/api/protected')))

    for (const result of results) {
      assert.equal(result.status, 'rejected')
      assert.ok(isLatchkeyError(result.reason, 'session_ended'), String(result.reason))
    }
    assert.equal(log.refreshes, 1)
    assert.deepEqual(ended, [{ reason: 'refresh_rejected' }])
    assert.equal(await client.isSignedIn(), false)
    client.close()
    otherDevice.close()
  })
})
