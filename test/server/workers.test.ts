import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { rawRequest } from '../support/raw-http.js'
import { childrenOf, type ListeningServer, startServerProcess, waitForHealthy } from '../support/spawn-server.js'

const RACERS = 10
/** The revocation poll runs every second: everything below that must hold sooner comes from the broadcast. */
const WELL_UNDER_THE_POLL_MS = 500

interface Answer {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Which worker answered (its cluster number, exposed only under LATCHKEY_TEST_EXPOSE_WORKER=1). */
  worker: string
}

/** One request on a connection of its own (`Connection: close`), so the primary deals it to the next worker. */
async function call(url: string, method: string, path: string, options: { body?: unknown; token?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { connection: 'close' }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await rawRequest(url, path, { method, headers, agent: false, ...(body === undefined ? {} : { body }) })
  return { status: response.status, body: response.text === '' ? undefined : JSON.parse(response.text), worker: String(response.headers['x-latchkey-worker']) }
}

/** Both workers listen on the one port the primary was given for PORT=0. */
async function startCluster(database: TestDatabase, env: Record<string, string>): Promise<ListeningServer> {
  const server = await startServerProcess({
    WORKERS: '2',
    DATABASE_URL: database.url,
    RATE_LIMIT_PER_MINUTE: '0',
    LATCHKEY_TEST_EXPOSE_WORKER: '1',
    ...env,
  })
  await waitForHealthy(server.url)
  await waitForEveryWorker(server.url, 2)
  return server
}

/** /healthz answers once the first worker listens: wait until every worker has answered. */
async function waitForEveryWorker(url: string, workers: number, timeoutMs = 15_000): Promise<void> {
  const seen = new Set<string>()
  const deadline = Date.now() + timeoutMs
  while (seen.size < workers) {
    if (Date.now() > deadline) throw new Error(`only workers ${[...seen].join(', ')} answered within ${timeoutMs} ms`)
    seen.add((await call(url, 'GET', '/healthz')).worker)
  }
}

let userCounter = 0

async function newUser(url: string): Promise<{ userName: string; password: string }> {
  const n = ++userCounter
  const user = { firstName: 'Ada', lastName: 'Lovelace', email: `w${n}.${process.pid}@example.com`, userName: `worker_user_${n}_${process.pid}`, password: 'correct horse battery staple' }
  assert.equal((await call(url, 'POST', '/api/accounts', { body: user })).status, 201)
  return user
}

async function login(url: string, user: { userName: string; password: string }) {
  const answer = await call(url, 'POST', '/api/auth/login', { body: user })
  assert.equal(answer.status, 200)
  return answer.body as { accessToken: { token: string }; refreshToken: string }
}

for (const dialect of DIALECTS) {
  describe(`WORKERS=2 without a grace (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    before(async () => {
      database = await dialect.create()
      server = await startCluster(database, { REFRESH_REUSE_GRACE: '0' })
    })
    after(async () => {
      await server?.kill('SIGKILL')
      await database?.drop()
    })

    it('ends a session on every worker before the reuse is answered: 40 fresh connections get 401 at once', async () => {
      const user = await newUser(server.url)
      const first = await login(server.url, user)
      const rotated = await call(server.url, 'POST', '/api/auth/refreshtoken', { body: { refreshToken: first.refreshToken } })
      assert.equal(rotated.status, 200)
      const accessTokens = [first.accessToken.token, rotated.body.accessToken.token as string]

      // Both workers verify (and cache) both access tokens first: the cache must not outlive the session.
      const warm = await Promise.all(Array.from({ length: 8 }, (_, i) => call(server.url, 'GET', '/api/protected', { token: accessTokens[i % 2] })))
      assert.deepEqual(warm.map((answer) => answer.status), Array(8).fill(200))
      assert.equal(new Set(warm.map((answer) => answer.worker)).size, 2, 'both workers answered')

      const reuse = await call(server.url, 'POST', '/api/auth/refreshtoken', { body: { refreshToken: first.refreshToken } })
      assert.equal(reuse.status, 400)
      assert.equal(reuse.body.code, 'invalid_grant')
      const started = Date.now()
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(server.url, 'GET', '/api/protected', { token: accessTokens[i % 2] })))
      const elapsedMs = Date.now() - started

      assert.deepEqual(answers.map((answer) => answer.status), Array(40).fill(401))
      assert.ok(answers.every((answer) => answer.body.code === 'invalid_token'))
      assert.deepEqual([...new Set(answers.map((answer) => answer.worker))].sort(), ['1', '2'], 'both workers refused')
      assert.ok(elapsedMs < WELL_UNDER_THE_POLL_MS, `40 requests took ${elapsedMs} ms`)
      const successor = await call(server.url, 'POST', '/api/auth/refreshtoken', { body: { refreshToken: rotated.body.refreshToken } })
      assert.equal(successor.body.code, 'invalid_grant')
    })

    it(`gives exactly one of ${RACERS} concurrent refreshes spread over both workers a 200`, async () => {
      const user = await newUser(server.url)
      for (let round = 0; round < 3; round++) {
        const { refreshToken } = await login(server.url, user)
        const answers = await Promise.all(Array.from({ length: RACERS }, () => call(server.url, 'POST', '/api/auth/refreshtoken', { body: { refreshToken } })))
        assert.equal(new Set(answers.map((answer) => answer.worker)).size, 2, 'both workers raced')
        assert.equal(answers.filter((answer) => answer.status === 200).length, 1)
        assert.ok(answers.every((answer) => answer.status === 200 || answer.body.code === 'invalid_grant'))
      }
    })
  })

  describe(`WORKERS=2 with a grace (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    before(async () => {
      database = await dialect.create()
      server = await startCluster(database, { REFRESH_REUSE_GRACE: '10' })
    })
    after(async () => {
      await server?.kill('SIGKILL')
      await database?.drop()
    })

    it(`gives ${RACERS} concurrent refreshes spread over both workers one and the same successor`, async () => {
      const user = await newUser(server.url)
      for (let round = 0; round < 3; round++) {
        const { refreshToken } = await login(server.url, user)
        const answers = await Promise.all(Array.from({ length: RACERS }, () => call(server.url, 'POST', '/api/auth/refreshtoken', { body: { refreshToken } })))
        assert.equal(new Set(answers.map((answer) => answer.worker)).size, 2, 'both workers raced')
        assert.deepEqual(answers.map((answer) => answer.status), Array(RACERS).fill(200))
        assert.equal(new Set(answers.map((answer) => answer.body.refreshToken)).size, 1)
      }
    })

    it('replaces a worker that dies, and the new one refuses sessions ended before it started', async () => {
      const pid = server.process.pid ?? -1
      const [victim] = childrenOf(pid)
      assert.ok(victim !== undefined)
      const user = await newUser(server.url)
      const first = await login(server.url, user)
      assert.equal((await call(server.url, 'POST', '/api/auth/logout', { body: { refreshToken: first.refreshToken } })).status, 204)
      process.kill(victim, 'SIGKILL')
      const deadline = Date.now() + 15_000
      while (!(childrenOf(pid).length === 2 && !childrenOf(pid).includes(victim))) {
        assert.ok(Date.now() < deadline, 'a new worker took the dead one\'s place')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      await waitForEveryWorker(server.url, 2)
      // Whichever worker answers — the new one included — the ended session stays ended.
      for (let i = 0; i < 10; i++) assert.equal((await call(server.url, 'GET', '/api/protected', { token: first.accessToken.token })).status, 401)
    })

    it('stops every worker on SIGTERM to the primary, after finishing the requests in flight on both, and exits 0', async () => {
      const pid = server.process.pid ?? -1
      assert.equal(childrenOf(pid).length, 2)
      // Registrations hash a password (slow enough to still be running when the signal lands).
      const inFlight = Array.from({ length: 4 }, (_, i) =>
        call(server.url, 'POST', '/api/accounts', {
          body: { firstName: 'A', lastName: 'B', email: `late${i}.${process.pid}@example.com`, userName: `late_${i}_${process.pid}`, password: 'a long enough password' },
        }),
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
      server.process.kill('SIGTERM')
      const answers = await Promise.all(inFlight)
      assert.deepEqual(answers.map((answer) => answer.status), [201, 201, 201, 201])
      assert.equal(new Set(answers.map((answer) => answer.worker)).size, 2, 'both workers had one in flight')
      assert.equal(await server.exited, 0)
      assert.deepEqual(childrenOf(pid), [])
    })
  })
}
