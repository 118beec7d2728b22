import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, afterEach, before, describe, it } from 'node:test'
import { createClient, isLatchkeyError, type LatchkeyClient, memoryStorage, type SessionEndedEvent, type StoredTokens, type TokenStorage } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { eventually, fakeLocks, recordingFetch } from './harness.js'

// Issue 10 part 1, across tabs, simulated in Node: two "tabs" are two clients sharing a storage,
// a Web Locks stand-in and a BroadcastChannel name. REFRESH_REUSE_GRACE=0, so a second refresh
// with the same token would end the session: one refresh is the only way both stay signed in.

const TTL_SECONDS = 900

/**
 * Like the account console: the refresh token shared (localStorage), the access token kept by each
 * tab (memory). A tab that has only the refresh token sees an expired access token.
 */
function splitStorage(sharedRefreshToken: Map<string, string>): TokenStorage & { hasAccessToken(): boolean } {
  let own: Omit<StoredTokens, 'refreshToken'> | undefined
  return {
    hasAccessToken: () => own !== undefined,
    get: () => {
      const refreshToken = sharedRefreshToken.get('refreshToken')
      if (refreshToken === undefined) return undefined
      return { accessToken: '', receivedAtMs: 0, expiresAtMs: 0, ...own, refreshToken }
    },
    set: ({ refreshToken, ...rest }) => {
      own = rest
      sharedRefreshToken.set('refreshToken', refreshToken)
    },
    clear: () => {
      own = undefined
      sharedRefreshToken.delete('refreshToken')
    },
  }
}

describe('client: two tabs (REFRESH_REUSE_GRACE=0)', { timeout: 120_000 }, () => {
  let server: TestServer
  const opened: Array<{ close(): void }> = []
  before(async () => {
    server = await startTestServer({ dialect: DIALECTS[0]!, env: { REFRESH_REUSE_GRACE: '0', ACCESS_TOKEN_TTL: String(TTL_SECONDS) } })
  })
  afterEach(() => {
    for (const open of opened.splice(0)) open.close()
  })
  after(() => server.close())

  /** Two tabs of one browser; `clientNow` false leaves the client on the real clock (only the server sees expiry). */
  function twoTabs(options: { storages: [TokenStorage, TokenStorage]; clientNow?: boolean }) {
    const locks = fakeLocks()
    const channelName = `latchkey-${randomUUID()}`
    const { fetch, log } = recordingFetch()
    const ended: Record<'a' | 'b', SessionEndedEvent[]> = { a: [], b: [] }
    const tab = (name: 'a' | 'b', storage: TokenStorage): LatchkeyClient => {
      const channel = new BroadcastChannel(channelName)
      const client = createClient({
        baseUrl: server.url,
        storage,
        fetch,
        locks,
        channel,
        now: options.clientNow === false ? undefined : () => server.clock.now(),
        onSessionEnded: (event) => ended[name].push(event),
      })
      opened.push(client, channel)
      return client
    }
    return { a: tab('a', options.storages[0]), b: tab('b', options.storages[1]), log, locks, ended }
  }

  for (const clientNow of [true, false]) {
    it(`both tabs expire at once → exactly one refresh, both stay signed in (${clientNow ? 'expiry known to the client' : 'found by 401 Token-Expired'})`, async (t) => {
      const user = await server.register()
      const shared = memoryStorage()
      const { a, b, log, ended } = twoTabs({ storages: [shared, shared], clientNow })
      await a.login(user)
      server.clock.advanceSeconds(TTL_SECONDS + 1)

      const answers = await Promise.all([a, b, a, b, a, b].map((tab) => tab.fetch('/api/protected')))

      assert.deepEqual(answers.map((answer) => answer.status), Array(6).fill(200))
      assert.equal(log.refreshes, 1)
      assert.equal(await a.isSignedIn(), true)
      assert.equal(await b.isSignedIn(), true)
      assert.deepEqual(ended, { a: [], b: [] })
      assert.equal(await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected'), 0)
      t.diagnostic(`refresh requests for two tabs expiring at once: ${log.refreshes}`)
    })
  }

  it('with the refresh token shared and the access token per tab, the other tab takes the new access token from the message', async (t) => {
    const user = await server.register()
    const sharedRefreshToken = new Map<string, string>()
    const storages = [splitStorage(sharedRefreshToken), splitStorage(sharedRefreshToken)] as const
    const { a, b, log, ended } = twoTabs({ storages: [...storages] })
    await a.login(user)
    await eventually(() => storages[1].hasAccessToken()) // the login reached tab B through the channel
    server.clock.advanceSeconds(TTL_SECONDS + 1)

    const answers = await Promise.all([a.fetch('/api/protected'), b.fetch('/api/protected')])

    assert.deepEqual(answers.map((answer) => answer.status), [200, 200])
    assert.equal(log.refreshes, 1)
    assert.deepEqual(ended, { a: [], b: [] })
    t.diagnostic(`refresh requests for two tabs with split storage expiring at once: ${log.refreshes}`)

    await a.logout()
    await eventually(() => ended.b.length > 0)
    assert.deepEqual(ended.b, [{ reason: 'other_tab' }])
    assert.equal(await b.isSignedIn(), false)
  })

  it('a logout in one tab signs the other out', async () => {
    const user = await server.register()
    const shared = memoryStorage()
    const { a, b, log, ended } = twoTabs({ storages: [shared, shared] })
    await a.login(user)
    assert.equal((await b.fetch('/api/protected')).status, 200)

    await a.logout()

    await eventually(() => ended.b.length > 0)
    assert.deepEqual(ended, { a: [{ reason: 'logout' }], b: [{ reason: 'other_tab' }] })
    assert.equal(await b.isSignedIn(), false)
    await assert.rejects(b.me(), (error) => isLatchkeyError(error, 'authentication_required'))
    assert.equal(log.refreshes, 0)
  })

  it('a logout message about another session leaves this tab signed in', async () => {
    const [first, second] = [await server.register(), await server.register()]
    const { a, b, ended } = twoTabs({ storages: [memoryStorage(), memoryStorage()] })
    await a.login(first)
    await b.login(second)
    await a.logout()
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.deepEqual(ended.b, [])
    assert.equal((await b.me()).userName, second.userName)
  })
})
