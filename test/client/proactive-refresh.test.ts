import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { createClient, decodeJwtClaims } from '../../src/client/index.js'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { recordingFetch, spyStorage } from './harness.js'

// Issue 10 part 1: the access token is refreshed shortly before it expires, by a timer that never
// keeps a Node.js process alive.

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('client: proactive refresh', { timeout: 120_000 }, () => {
  let server: TestServer
  before(async () => {
    // A real clock on both sides: the timer has to beat real expiry.
    server = await startTestServer({ dialect: DIALECTS[0]!, clock: { now: () => Date.now() }, env: { ACCESS_TOKEN_TTL: '3' } })
  })
  after(() => server.close())

  it('refreshes before the access token expires, so no request ever sees a 401', async (t) => {
    const user = await server.register()
    const storage = spyStorage()
    /** For each refresh: how long the token it replaces still had to live on the server's clock. */
    const leftAtRefreshMs: number[] = []
    const { fetch, log } = recordingFetch(({ path }) => {
      if (path.endsWith('/api/auth/refreshtoken')) leftAtRefreshMs.push(decodeJwtClaims(storage.peek()!.accessToken)!.exp! * 1000 - Date.now())
      return undefined
    })
    const client = createClient({ baseUrl: server.url, fetch, storage })
    await client.login(user)

    // Idle for 4 s (the token lives 3 s): only the timer can keep the session fresh.
    await sleep(4_000)
    const idleRefreshes = log.refreshes
    const answers = []
    for (let i = 0; i < 10; i++) {
      answers.push((await client.fetch('/api/protected')).status)
      await sleep(150)
    }

    assert.ok(idleRefreshes >= 2, `the timer refreshed while idle (${idleRefreshes})`)
    assert.deepEqual(answers, Array(10).fill(200))
    assert.equal(log.unauthorized, 0)
    assert.ok(leftAtRefreshMs.every((left) => left > 0), `each refresh came before expiry: ${leftAtRefreshMs.join(', ')} ms left`)
    t.diagnostic(`refreshes: ${log.refreshes}; ms left on the replaced token at each: ${leftAtRefreshMs.map(Math.round).join(', ')}`)
    client.close()
  })

  it('stops refreshing once closed or signed out', async () => {
    const user = await server.register()
    const { fetch, log } = recordingFetch()
    const client = createClient({ baseUrl: server.url, fetch })
    await client.login(user)
    await client.logout()
    await sleep(2_500)
    assert.equal(log.refreshes, 0)
    client.close()
  })

  it('its timer does not keep a Node.js process alive (latchkey/client from the built package)', () => {
    // A stub server answer: an unsigned token that lives 15 minutes, so the timer is set far ahead.
    const script = `
      import { createClient } from 'latchkey/client'
      const now = Math.floor(Date.now() / 1000)
      const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const token = part({ alg: 'none' }) + '.' + part({ iat: now, exp: now + 900, sid: 's', sub: 'u' }) + '.x'
      const answer = { accessToken: { token, expiresIn: 900 }, refreshToken: 'r' }
      const fetch = async () => new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } })
      const client = createClient({ baseUrl: 'http://127.0.0.1:1', fetch })
      await client.login({ userName: 'ada', password: 'pw' })
      console.log('signed in:', await client.isSignedIn())
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 20_000 })
    assert.equal(child.error, undefined, 'exited by itself')
    assert.equal(child.status, 0, child.stderr)
    assert.match(child.stdout, /signed in: true/)
  })
})
