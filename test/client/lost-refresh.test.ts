import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, type SessionEndedEvent } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { type FetchHook, loseAnswer, recordingFetch } from './harness.js'

// Issue 10 part 4: a refresh answer lost on the way back recovers through the server's reuse
// grace (contract §4.3) instead of logging the user out; the control without grace shows that
// the grace is what saved it.

const TTL_SECONDS = 900

/** Loses the answer of the first `count` refresh requests (they reach the server, which rotates). */
function loseRefreshAnswers(count: number): FetchHook {
  let lost = 0
  return ({ path, real }) => {
    if (!path.endsWith('/api/auth/refreshtoken') || lost >= count) return undefined
    lost++
    return loseAnswer(real)
  }
}

function problem503(retryAfter: string): Response {
  const body = { type: 'about:blank', title: 'Service unavailable', status: 503, detail: 'Try again later.', code: 'service_unavailable' }
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': retryAfter } })
}

async function signedInClient(server: TestServer, hook: FetchHook) {
  const user = await server.register()
  const ended: SessionEndedEvent[] = []
  const { fetch, log } = recordingFetch(hook)
  const client = createClient({ baseUrl: server.url, fetch, now: () => server.clock.now(), onSessionEnded: (event) => ended.push(event) })
  await client.login(user)
  server.clock.advanceSeconds(TTL_SECONDS + 1)
  return { user, client, log, ended }
}

describe('client: a lost refresh answer, with the default reuse grace', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { REFRESH_REUSE_GRACE: '10' } })
  })
  after(() => server.close())

  it('retries with the same refresh token, gets the same successor and stays signed in', async () => {
    const { user, client, log, ended } = await signedInClient(server, loseRefreshAnswers(1))

    const answer = await client.fetch('/api/protected')

    assert.equal(answer.status, 200)
    assert.equal(log.refreshes, 2)
    assert.equal(log.refreshBodies[0], log.refreshBodies[1], 'the retry presents the same refresh token')
    assert.deepEqual(ended, [])
    // The successor the retry got is the session's live token: the next refresh works too.
    server.clock.advanceSeconds(TTL_SECONDS + 1)
    assert.equal((await client.fetch('/api/protected')).status, 200)
    assert.equal(log.refreshes, 3)
    assert.equal(await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected'), 0)
    client.close()
  })

  it('two lost answers in a row fail the call with network_error but keep the session for later', async () => {
    const { client, log, ended } = await signedInClient(server, loseRefreshAnswers(2))

    await assert.rejects(client.fetch('/api/protected'), (error) => isLatchkeyError(error, 'network_error') && error.status === 0)
    assert.equal(await client.isSignedIn(), true)
    // The network is back, still within the grace: the same token brings the same successor.
    assert.equal((await client.fetch('/api/protected')).status, 200)
    assert.equal(log.refreshes, 3)
    assert.equal(new Set(log.refreshBodies).size, 1)
    assert.deepEqual(ended, [])
    client.close()
  })

  it('a 503 with Retry-After of at most 5 s is waited out once, then the refresh goes through', async () => {
    let refused = false
    const { client, log } = await signedInClient(server, ({ path }) => {
      if (!path.endsWith('/api/auth/refreshtoken') || refused) return undefined
      refused = true
      return Promise.resolve(problem503('1'))
    })
    const startedAt = Date.now()
    assert.equal((await client.fetch('/api/protected')).status, 200)
    assert.ok(Date.now() - startedAt >= 1_000, 'waited Retry-After')
    assert.equal(log.refreshes, 2)
    client.close()
  })

  it('a 503 asking for a longer wait is surfaced with retryAfterSeconds, and the session is kept', async () => {
    const { client, log, ended } = await signedInClient(server, ({ path }) => (path.endsWith('/api/auth/refreshtoken') ? Promise.resolve(problem503('30')) : undefined))
    await assert.rejects(client.fetch('/api/protected'), (error) => isLatchkeyError(error, 'service_unavailable') && error.status === 503 && error.retryAfterSeconds === 30)
    assert.equal(log.refreshes, 1)
    assert.equal(await client.isSignedIn(), true)
    assert.deepEqual(ended, [])
    client.close()
  })
})

describe('client: a lost refresh answer, control without grace (REFRESH_REUSE_GRACE=0)', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { REFRESH_REUSE_GRACE: '0' } })
  })
  after(() => server.close())

  it('the same loss is reuse: the session ends, the client says so once and fails the call with session_ended', async () => {
    const { user, client, log, ended } = await signedInClient(server, loseRefreshAnswers(1))

    await assert.rejects(client.fetch('/api/protected'), (error) => isLatchkeyError(error, 'session_ended'))

    assert.equal(log.refreshes, 2)
    assert.equal(log.refreshBodies[0], log.refreshBodies[1])
    assert.deepEqual(ended, [{ reason: 'refresh_rejected' }])
    assert.equal(await client.isSignedIn(), false)
    assert.equal(await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected'), 1)
    client.close()
  })
})
