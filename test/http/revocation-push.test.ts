import assert from 'node:assert/strict'
import { Agent, request as httpRequest } from 'node:http'
import { after, before, describe, it, type TestContext } from 'node:test'
import pg from 'pg'
import { SESSION_END_LISTENER_NAME } from '../../src/persistence/dialects/postgres/postgres-session-end-watch.js'
import { latchkey } from '../cli/run-latchkey.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

// Real server processes (`npm run build` first; `npm test` does) on one database: an access token
// of a session ended on one is refused by the other within 2 s (contract §4.4), pushed on
// PostgreSQL, polled every second everywhere; and after a restart from the first request (§1).

/**
 * Trials per measurement: LATCHKEY_TEST_REVOCATION_TRIALS (the README's figures are from 100),
 * else 30 with a push channel and 5 with the poll alone, so the file fits CI's per-file timeout.
 */
const TRIALS = Number(process.env.LATCHKEY_TEST_REVOCATION_TRIALS ?? 0)
const CONTRACT_DELAY_MS = 2_000
const PASSWORD = 'correct horse battery staple'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Credentials {
  userName: string
  password: string
}

interface Tokens {
  accessToken: { token: string }
  refreshToken: string
}

async function post(server: ListeningServer, path: string, body: object): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json().catch(() => undefined) }
}

async function protectedStatus(server: ListeningServer, token: string): Promise<number> {
  const response = await fetch(`${server.url}/api/protected`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}

let users = 0
async function register(server: ListeningServer): Promise<Credentials> {
  const n = `${++users}_${process.pid}`
  const credentials = { userName: `revoked_${n}`, password: PASSWORD }
  const created = await post(server, '/api/accounts', { ...credentials, firstName: 'A', lastName: 'B', email: `revoked.${n}@example.com` })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  return credentials
}

async function login(server: ListeningServer, credentials: Credentials): Promise<Tokens> {
  const response = await post(server, '/api/auth/login', credentials)
  assert.equal(response.status, 200, JSON.stringify(response.body))
  return response.body as Tokens
}

/** Milliseconds from `startedAt` until `server` refuses `token`; fails past the contract's 2 s. */
async function refusedAfter(server: ListeningServer, token: string, startedAt: number): Promise<number> {
  for (;;) {
    const status = await protectedStatus(server, token)
    const elapsed = performance.now() - startedAt
    if (status === 401) return elapsed
    assert.equal(status, 200)
    assert.ok(elapsed < CONTRACT_DELAY_MS, `still accepted ${Math.round(elapsed)} ms after the session ended`)
  }
}

interface Trial {
  startedAt: number
  /** From sending the request that ends the session (its handling on A counts) to B's first 401. */
  delayMs: number
  /** From A's answer to that request (the ending committed) to B's first 401. */
  afterAnswerMs: number
}

/**
 * One trial: a session on `ending`, its access token accepted by `other`; then the session ends
 * on `ending` by refresh-token reuse (REFRESH_REUSE_GRACE=0), and `other` is asked until it refuses.
 */
async function endAndMeasure(ending: ListeningServer, other: ListeningServer, credentials: Credentials): Promise<Trial> {
  const first = await login(ending, credentials)
  const rotated = await post(ending, '/api/auth/refresh', { refreshToken: first.refreshToken })
  assert.equal(rotated.status, 200)
  const token: string = rotated.body.accessToken.token
  assert.equal(await protectedStatus(other, token), 200)
  const startedAt = performance.now()
  const reuse = await post(ending, '/api/auth/refresh', { refreshToken: first.refreshToken })
  assert.equal(reuse.body?.code, 'invalid_grant')
  const answeredAt = performance.now()
  const delayMs = await refusedAfter(other, token, startedAt)
  const afterAnswerMs = delayMs - (answeredAt - startedAt)
  assert.equal(await protectedStatus(ending, token), 401)
  return { startedAt, delayMs, afterAnswerMs }
}

function summary(delays: number[]): string {
  const sorted = [...delays].sort((a, b) => a - b)
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1)
  return `${delays.length} trials: worst ${at(1)} ms, p99 ${at(0.99)} ms, median ${at(0.5)} ms, best ${at(0)} ms`
}

function report(t: TestContext, what: string, trials: Trial[]): void {
  for (const line of [
    `${what}, from sending the ending request: ${summary(trials.map((trial) => trial.delayMs))}`,
    `${what}, from A's answer to it: ${summary(trials.map((trial) => trial.afterAnswerMs))}`,
  ]) {
    t.diagnostic(line)
    console.log(`# ${line}`)
  }
}

function serverEnv(databaseUrl: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, RATE_LIMIT_PER_MINUTE: '0', REFRESH_REUSE_GRACE: '0' }
}

async function stop(server: ListeningServer | undefined): Promise<void> {
  if (server === undefined) return
  const exited = server.kill('SIGTERM')
  const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)])
  if (code === 'timeout') await server.kill('SIGKILL')
}

for (const dialect of DIALECTS) {
  const pushes = dialect.name === 'postgres'
  const trials = TRIALS > 0 ? TRIALS : pushes ? 30 : 5

  describe(`ended sessions reach every server process (${dialect.name})`, { timeout: 900_000 }, () => {
    let database: TestDatabase
    let a: ListeningServer | undefined
    let b: ListeningServer | undefined
    let credentials: Credentials
    before(async () => {
      database = await dialect.create()
      a = await startServerProcess(serverEnv(database.url))
      b = await startServerProcess(serverEnv(database.url))
      credentials = await register(a)
    })
    after(async () => {
      await Promise.all([stop(a), stop(b)])
      await database?.drop()
    })

    it(`refuses on B within 2 s the access token of a session ended on A (${trials} trials${pushes ? ', pushed' : ', polled'})`, { timeout: 600_000 }, async (t) => {
      assert.ok(a && b)
      const measured: Trial[] = []
      for (let i = 0; i < trials; i++) measured.push(await endAndMeasure(a, b, credentials))
      report(t, pushes ? 'push channel up' : 'poll only (no push on this database)', measured)
    })

    if (pushes) {
      it(`still refuses on B within 2 s with the push channel cut, by the poll alone (${trials} trials)`, { timeout: 600_000 }, async (t) => {
        assert.ok(a && b)
        const admin = new pg.Client({ connectionString: database.url })
        admin.on('error', () => {})
        await admin.connect()
        t.after(() => admin.end())
        const listeners = async () =>
          (await admin.query('select pid from pg_stat_activity where datname = current_database() and application_name = $1', [SESSION_END_LISTENER_NAME])).rowCount
        assert.equal(await listeners(), 2, 'one listener per server process')
        // Cut every listener as soon as it appears (each reconnection is cut again, its retries
        // slowing to one per 5 s); a trial during which one was seen alive does not count.
        const kills: number[] = []
        let cutting = true
        const cutter = (async () => {
          while (cutting) {
            const killed = await admin.query(
              'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1',
              [SESSION_END_LISTENER_NAME],
            )
            for (let i = 0; i < (killed.rowCount ?? 0); i++) kills.push(performance.now())
            await sleep(2)
          }
        })()
        try {
          // Until the listeners' retries have slowed to one per 5 s (100 ms doubling: six cuts each).
          const warmUpUntil = Date.now() + 15_000
          while (kills.length < 12 && Date.now() < warmUpUntil) await sleep(50)
          const measured: Trial[] = []
          let discarded = 0
          while (measured.length < trials && discarded <= trials) {
            const trial = await endAndMeasure(a, b, credentials)
            await sleep(20)
            const listenerAlive = kills.some((at) => at >= trial.startedAt - 50 && at <= trial.startedAt + trial.delayMs + 20)
            if (listenerAlive) discarded++
            else measured.push(trial)
          }
          assert.equal(measured.length, trials, `${discarded} trials overlapped a reconnected listener`)
          report(t, `push channel cut, poll only (${discarded} trials discarded: a listener reconnected during them)`, measured)
        } finally {
          cutting = false
          await cutter
        }
        // The listeners come back by themselves (retry every 5 s at most), and push again.
        const deadline = Date.now() + 15_000
        while ((await listeners()) !== 2 && Date.now() < deadline) await sleep(50)
        assert.equal(await listeners(), 2, 'the listeners reconnected')
        await sleep(200)
        const back: Trial[] = []
        for (let i = 0; i < 5; i++) back.push(await endAndMeasure(a, b, credentials))
        report(t, 'push channel back', back)
      })

      it('keeps following ended sessions while it drains at shutdown', { timeout: 60_000 }, async () => {
        assert.ok(a)
        const draining = await startServerProcess(serverEnv(database.url))
        const agent = new Agent({ keepAlive: true, maxSockets: 1 })
        try {
          const first = await login(a, credentials)
          const rotated = await post(a, '/api/auth/refresh', { refreshToken: first.refreshToken })
          const token: string = rotated.body.accessToken.token
          assert.equal(await statusOn(agent, draining, token), 200)
          draining.process.kill('SIGTERM')
          while (!draining.stdout().includes('"shutting down"')) await sleep(5)
          const reuse = await post(a, '/api/auth/refresh', { refreshToken: first.refreshToken })
          assert.equal(reuse.body?.code, 'invalid_grant')
          await sleep(200)
          // The open connection's last request, within the drain's idle grace (1 s).
          assert.equal(await statusOn(agent, draining, token), 401)
          assert.equal(await draining.exited, 0)
        } finally {
          agent.destroy()
          await draining.kill('SIGKILL')
        }
      })
    }

    it('refuses on B within 2 s the tokens of sessions ended on A by logout, DELETE /api/sessions/{id} and logout-all', { timeout: 120_000 }, async (t) => {
      assert.ok(a && b)
      const user = await register(a)
      const [byLogout, byDelete, byAll, caller] = [await login(a, user), await login(a, user), await login(a, user), await login(a, user)]
      for (const pair of [byLogout, byDelete, byAll, caller]) assert.equal(await protectedStatus(b, pair.accessToken.token), 200)
      const sessionId = JSON.parse(Buffer.from(byDelete.accessToken.token.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }
      const endings: [string, Tokens[], () => Promise<Response>][] = [
        ['logout', [byLogout], () => fetch(`${a!.url}/api/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: byLogout.refreshToken }) })],
        ['DELETE /api/sessions/{id}', [byDelete], () => fetch(`${a!.url}/api/sessions/${sessionId.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${caller.accessToken.token}` } })],
        ['logout-all', [byAll, caller], () => fetch(`${a!.url}/api/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${caller.accessToken.token}` } })],
      ]
      for (const [name, ended, end] of endings) {
        const startedAt = performance.now()
        const response = await end()
        assert.equal(response.status, 204, name)
        for (const pair of ended) {
          assert.equal(await protectedStatus(a, pair.accessToken.token), 401, `${name}: at once on A`)
          const delayMs = await refusedAfter(b, pair.accessToken.token, startedAt)
          t.diagnostic(`${name}: refused on B after ${delayMs.toFixed(1)} ms`)
          assert.equal((await post(b, '/api/auth/refresh', { refreshToken: pair.refreshToken })).status, 400, `${name}: its refresh token on B`)
        }
      }
    })

    it('learns of sessions the CLI ends (users disable, users set-password, roles revoke) within 2 s', { timeout: 120_000 }, async (t) => {
      assert.ok(b)
      const env = { DATABASE_URL: database.url }
      const commands: { name: string; args: (user: string) => string[]; stdin?: string; prepare?: (user: string) => Promise<void> }[] = [
        { name: 'users disable', args: (user) => ['users', 'disable', user] },
        { name: 'users set-password', args: (user) => ['users', 'set-password', user], stdin: 'a brand new passphrase\n' },
        {
          name: 'roles revoke',
          args: (user) => ['roles', 'revoke', user, 'reports:read'],
          prepare: async (user) => assert.equal((await latchkey(['roles', 'grant', user, 'reports:read'], { env })).code, 0),
        },
      ]
      for (const command of commands) {
        const user = await register(b)
        await command.prepare?.(user.userName)
        const token: string = (await login(b, user)).accessToken.token
        assert.equal(await protectedStatus(b, token), 200)
        const result = await latchkey(command.args(user.userName), { env, ...(command.stdin === undefined ? {} : { stdin: command.stdin }) })
        assert.equal(result.code, 0, result.stderr)
        assert.match(result.stdout, /ended 1 session/)
        // Measured from the command's exit: it committed the ending before it exited.
        const delayMs = await refusedAfter(b, token, performance.now())
        t.diagnostic(`${command.name}: refused after ${delayMs.toFixed(1)} ms`)
      }
    })

    it('refuses from its first request, after a restart, the tokens of sessions ended before it', { timeout: 120_000 }, async () => {
      assert.ok(a)
      const endedWhileUp = await register(a)
      const endedWhileDown = await register(a)
      const live = await register(a)
      const first = await login(a, endedWhileUp)
      const rotated = await post(a, '/api/auth/refresh', { refreshToken: first.refreshToken })
      const upToken: string = rotated.body.accessToken.token
      assert.equal((await post(a, '/api/auth/refresh', { refreshToken: first.refreshToken })).body?.code, 'invalid_grant')
      const downToken = (await login(a, endedWhileDown)).accessToken.token
      const liveToken = (await login(a, live)).accessToken.token

      await stop(a)
      a = undefined
      const disabled = await latchkey(['users', 'disable', endedWhileDown.userName], { env: { DATABASE_URL: database.url } })
      assert.equal(disabled.code, 0, disabled.stderr)
      a = await startServerProcess(serverEnv(database.url))
      // These are the restarted process's first requests.
      const restarted = a
      const statuses = await Promise.all([upToken, downToken, liveToken].map((token) => protectedStatus(restarted, token)))
      assert.deepEqual(statuses, [401, 401, 200])
    })
  })
}

/** GET /api/protected over `agent` (one kept-alive connection), as a client that keeps its connection open. */
function statusOn(agent: Agent, server: ListeningServer, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}/api/protected`, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}
