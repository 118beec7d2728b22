import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

const RACERS = 10
const ENV = { RATE_LIMIT_PER_MINUTE: '0' }

function refresh(server: TestServer, refreshToken: string): Promise<TestResponse> {
  return server.request('POST', '/api/auth/refreshtoken', { body: { refreshToken } })
}

/** Two servers on one database and one clock: two instances of Latchkey. */
async function startPair(dialect: (typeof DIALECTS)[number], env: Record<string, string>): Promise<[TestServer, TestServer]> {
  const first = await startTestServer({ dialect, env })
  const second = await startTestServer({ dialect, env, database: first.database, clock: first.clock })
  return [first, second]
}

for (const dialect of DIALECTS) {
  describe(`two instances on one database (${dialect.name})`, { timeout: 120_000 }, () => {
    let one: TestServer
    let two: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    before(async () => {
      ;[one, two] = await startPair(dialect, ENV)
      user = await one.register()
    })
    after(async () => {
      await two.close()
      await one.close()
    })

    it('rotates on one instance a refresh token issued by the other, and each accepts the other\'s access tokens', async () => {
      const tokens = await one.login(user.userName, user.password)
      const rotated = await refresh(two, tokens.refreshToken)
      assert.equal(rotated.status, 200)
      assert.equal((await one.request('GET', '/api/protected', { token: rotated.body.accessToken.token })).status, 200)
      assert.equal((await two.request('GET', '/api/protected', { token: tokens.accessToken.token })).status, 200)
      assert.equal((await refresh(one, rotated.body.refreshToken)).status, 200)
    })

    it(`gives ${RACERS} concurrent refreshes split across both instances one and the same successor`, async () => {
      for (let round = 0; round < 3; round++) {
        const tokens = await one.login(user.userName, user.password)
        const responses = await Promise.all(Array.from({ length: RACERS }, (_, i) => refresh(i % 2 === 0 ? one : two, tokens.refreshToken)))
        assert.deepEqual(responses.map((response) => response.status), Array(RACERS).fill(200))
        assert.equal(new Set(responses.map((response) => response.body.refreshToken)).size, 1)
      }
    })

    it('ends a session on both instances when one detects reuse, once the other has polled', async () => {
      const tokens = await one.login(user.userName, user.password)
      const rotated = await refresh(one, tokens.refreshToken)
      one.clock.advanceSeconds(10)
      const reuse = await refresh(one, tokens.refreshToken)
      assert.equal(reuse.body.code, 'invalid_grant')
      await two.ctx.revocations.poll()
      for (const token of [tokens.accessToken.token, rotated.body.accessToken.token]) {
        const response = await two.request('GET', '/api/protected', { token })
        assert.equal(response.status, 401)
        assert.equal(response.body.code, 'invalid_token')
      }
      assert.equal((await refresh(two, rotated.body.refreshToken)).body.code, 'invalid_grant')
    })
  })

  describe(`two instances on one database without a grace (${dialect.name})`, { timeout: 60_000 }, () => {
    let one: TestServer
    let two: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    before(async () => {
      ;[one, two] = await startPair(dialect, { ...ENV, REFRESH_REUSE_GRACE: '0' })
      user = await one.register()
    })
    after(async () => {
      await two.close()
      await one.close()
    })

    it(`gives exactly one of ${RACERS} concurrent refreshes split across both instances a 200`, async () => {
      for (let round = 0; round < 3; round++) {
        const tokens = await one.login(user.userName, user.password)
        const responses = await Promise.all(Array.from({ length: RACERS }, (_, i) => refresh(i % 2 === 0 ? one : two, tokens.refreshToken)))
        assert.equal(responses.filter((response) => response.status === 200).length, 1)
        assert.ok(responses.every((response) => response.status === 200 || response.body.code === 'invalid_grant'))
      }
    })
  })
}

const ROOT = join(import.meta.dirname, '..', '..')
const MAIN = join(ROOT, 'dist', 'src', 'main.js')

/** Builds dist/ unless it is newer than every source file (`npm test` builds it first). */
function ensureBuilt(): void {
  const newestSource = Math.max(
    ...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map((file) => statSync(join(ROOT, 'src', file)).mtimeMs),
  )
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestSource) return
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' })
  } catch (error) {
    // tsc still emits on type errors elsewhere; only a missing entry point stops the test.
    if (!existsSync(MAIN)) throw error
  }
}

/** `node dist/src/main.js` on a port of its own (PORT=0), once it listens. */
function spawnInstance(databaseUrl: string): Promise<ListeningServer> {
  return startServerProcess({ DATABASE_URL: databaseUrl, HOST: '127.0.0.1', REFRESH_REUSE_GRACE: '0', RATE_LIMIT_PER_MINUTE: '0' })
}

async function stopServer(server: ListeningServer | undefined): Promise<void> {
  if (server === undefined || server.process.exitCode !== null) return
  server.process.kill('SIGTERM')
  await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 12_000))])
  if (server.process.exitCode === null) server.process.kill('SIGKILL')
}

async function post(url: string, body: object): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json().catch(() => undefined) }
}

async function protectedStatus(server: ListeningServer, token: string): Promise<number> {
  return (await fetch(`${server.url}/api/protected`, { headers: { authorization: `Bearer ${token}` } })).status
}

for (const dialect of DIALECTS) {
  describe(`two server processes on one database (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: Awaited<ReturnType<typeof dialect.create>>
    let one: ListeningServer | undefined
    let two: ListeningServer | undefined
    before(async () => {
      ensureBuilt()
      database = await dialect.create()
      one = await spawnInstance(database.url)
      two = await spawnInstance(database.url)
    })
    after(async () => {
      await Promise.all([stopServer(one), stopServer(two)])
      await database?.drop()
    })

    it(`gives exactly one of ${RACERS} concurrent refreshes split across the two processes a 200`, async () => {
      assert.ok(one && two)
      const credentials = { userName: `racer_${process.pid}`, password: 'correct horse battery staple' }
      assert.equal((await post(`${one.url}/api/accounts`, { ...credentials, firstName: 'A', lastName: 'B', email: `racer.${process.pid}@example.com` })).status, 201)
      for (let round = 0; round < 3; round++) {
        const login = await post(`${two.url}/api/auth/login`, credentials)
        const urls: string[] = [one.url, two.url]
        const refreshToken: string = login.body.refreshToken
        const responses = await Promise.all(Array.from({ length: RACERS }, (_, i) => post(`${urls[i % 2]}/api/auth/refreshtoken`, { refreshToken })))
        assert.equal(responses.filter((response) => response.status === 200).length, 1)
        assert.ok(responses.every((response) => response.status === 200 || response.body.code === 'invalid_grant'))
      }
    })

    it('ends on the other process within 2 s a session that one process ended for reuse', async () => {
      assert.ok(one && two)
      const credentials = { userName: `proc_${process.pid}`, password: 'correct horse battery staple' }
      const registered = await post(`${one.url}/api/accounts`, { ...credentials, firstName: 'A', lastName: 'B', email: `proc.${process.pid}@example.com` })
      assert.equal(registered.status, 201)
      const login = await post(`${one.url}/api/auth/login`, credentials)
      assert.equal(login.status, 200)
      const rotated = await post(`${two.url}/api/auth/refresh`, { refreshToken: login.body.refreshToken })
      assert.equal(rotated.status, 200)
      assert.equal(await protectedStatus(two, login.body.accessToken.token), 200)
      assert.equal(await protectedStatus(one, rotated.body.accessToken.token), 200)

      const reuse = await post(`${one.url}/api/auth/refresh`, { refreshToken: login.body.refreshToken })
      assert.equal(reuse.body.code, 'invalid_grant')
      const deadline = Date.now() + 2_000
      assert.equal(await protectedStatus(one, rotated.body.accessToken.token), 401)
      let status = await protectedStatus(two, rotated.body.accessToken.token)
      while (status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        status = await protectedStatus(two, rotated.body.accessToken.token)
      }
      assert.equal(status, 401, 'the other process still accepts the access token 2 s after the session ended')
      assert.equal(await protectedStatus(two, login.body.accessToken.token), 401)
    })
  })
}
