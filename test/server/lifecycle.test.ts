import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { rawRequest } from '../support/raw-http.js'
import { childrenOf, closedPort, spawnServer, startServerProcess, waitForHealthy } from '../support/spawn-server.js'

describe('the server process', { timeout: 120_000 }, () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-lifecycle-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('serves /healthz and /readyz, then on SIGTERM answers 503 on open connections, finishes and exits 0', async () => {
    const server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, 'a.db')}` })
    try {
      await waitForHealthy(server.url)
      assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' })
      assert.deepEqual(await (await fetch(`${server.url}/readyz`)).json(), { status: 'ready' })

      // A registration in flight when the signal arrives still completes (argon2 makes it slow enough).
      const inFlight = fetch(`${server.url}/api/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ firstName: 'A', lastName: 'B', email: 'a@example.com', userName: 'inflight', password: 'a long enough password' }),
      })
      await new Promise((resolve) => setTimeout(resolve, 5))
      server.process.kill('SIGTERM')
      const response = await inFlight
      assert.equal(response.status, 201)
      assert.equal(await server.exited, 0)
    } finally {
      await server.kill('SIGKILL')
    }
  })

  it('keeps acknowledged writes across a restart', async () => {
    const databaseUrl = `sqlite:${join(dir, 'b.db')}`
    const first = await startServerProcess({ DATABASE_URL: databaseUrl })
    await waitForHealthy(first.url)
    const body = { firstName: 'A', lastName: 'B', email: 'kept@example.com', userName: 'kept', password: 'a long enough password' }
    const created = await fetch(`${first.url}/api/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    assert.equal(created.status, 201)
    const login = await fetch(`${first.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'kept', password: body.password }) })
    const { accessToken } = (await login.json()) as { accessToken: { token: string } }
    assert.equal(await first.kill('SIGTERM'), 0)

    // Restarted on the port the first one was given.
    const second = await startServerProcess({ PORT: String(first.port), DATABASE_URL: databaseUrl })
    try {
      await waitForHealthy(second.url)
      // The signing key was kept in the database, so the old access token still verifies.
      const call = await fetch(`${second.url}/api/protected`, { headers: { authorization: `Bearer ${accessToken.token}` } })
      assert.equal(call.status, 200)
    } finally {
      assert.equal(await second.kill('SIGTERM'), 0)
    }
  })

  it('answers 503 on /readyz once shutdown has begun, on a connection that was already open', async () => {
    const server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, 'c.db')}` })
    try {
      await waitForHealthy(server.url)
      const statuses = await readyzAfterSignal(server.url, () => server.process.kill('SIGTERM'))
      assert.equal(statuses, 503)
      assert.equal(await server.exited, 0)
    } finally {
      await server.kill('SIGKILL')
    }
  })

  it('refuses to start on bad configuration, naming every bad variable, before listening', async () => {
    const server = spawnServer({ WORKERS: '0', ACCESS_TOKEN_TTL: 'soon', DATABASE_URL: `sqlite:${join(dir, 'd.db')}` })
    const code = await server.exited
    assert.notEqual(code, 0)
    assert.match(server.stderr(), /WORKERS/)
    assert.match(server.stderr(), /ACCESS_TOKEN_TTL/)
    assert.equal(server.stderr().trim().split('\n').length, 1)
  })

  it('treats an unreachable REDIS_URL and an undecryptable key store as bad values at boot', async () => {
    const db = `sqlite:${join(dir, 'e.db')}`
    const redisDown = spawnServer({ DATABASE_URL: db, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` })
    assert.notEqual(await redisDown.exited, 0)
    assert.match(redisDown.stderr(), /REDIS_URL|Redis|ECONNREFUSED/i)

    const sealed = await startServerProcess({ DATABASE_URL: db, KEY_ENCRYPTION_KEY: 'a'.repeat(32) })
    await waitForHealthy(sealed.url)
    assert.equal(await sealed.kill('SIGTERM'), 0)
    const wrongKey = spawnServer({ PORT: String(sealed.port), DATABASE_URL: db, KEY_ENCRYPTION_KEY: 'b'.repeat(32) })
    assert.notEqual(await wrongKey.exited, 0)
    assert.match(wrongKey.stderr(), /KEY_ENCRYPTION_KEY/)
  })

  it('runs WORKERS processes sharing one port', async () => {
    const server = await startServerProcess({ WORKERS: '2', DATABASE_URL: `sqlite:${join(dir, 'f.db')}` })
    try {
      await waitForHealthy(server.url)
      assert.equal(childrenOf(server.process.pid ?? -1).length, 2)
      const user = { firstName: 'A', lastName: 'B', email: 'w@example.com', userName: 'workers', password: 'a long enough password' }
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(body) })
      assert.equal((await post('/api/accounts', user)).status, 201)
      assert.equal((await post('/api/auth/login', { userName: 'workers', password: user.password })).status, 200)
      assert.equal(await server.kill('SIGTERM'), 0)
      assert.deepEqual(childrenOf(server.process.pid ?? -1), [])
    } finally {
      await server.kill('SIGKILL')
    }
  })
})

/** Opens a keep-alive connection, sends the signal while a request is on it, and asks /readyz on it. */
async function readyzAfterSignal(url: string, signal: () => void): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const get = async (path: string) => (await rawRequest(url, path, { agent })).status
  await get('/healthz')
  signal()
  await new Promise((resolve) => setTimeout(resolve, 50))
  try {
    return await get('/readyz')
  } finally {
    agent.destroy()
  }
}
