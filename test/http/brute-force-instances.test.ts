import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

// Contract §4.5: "Counters are shared by every instance and worker using the same database". Two
// real server processes (`npm start`'s entry point, real clocks) on one database, with the
// default RATE_LIMIT_PER_MINUTE (60), so this also shows the limit is on by default.

const N = 2

interface Answer {
  status: number
  code: unknown
  headers: Headers
}

async function post(server: ListeningServer, path: string, body: unknown, ip: string): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, code: text.startsWith('{') ? (JSON.parse(text) as { code?: unknown }).code : undefined, headers: response.headers }
}

for (const dialect of DIALECTS) {
  describe(`brute-force counters shared by two server processes (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let servers: [ListeningServer, ListeningServer]
    const serverFor = (i: number) => servers[i % 2] as ListeningServer

    before(async () => {
      database = await dialect.create()
      const env = { DATABASE_URL: database.url, TRUST_PROXY: '1', LOGIN_MAX_FAILURES: String(N) }
      // One after the other: the first migrates the database.
      const first = await startServerProcess(env)
      servers = [first, await startServerProcess(env)]
    })
    after(async () => {
      await Promise.all((servers ?? []).map((server) => server.kill()))
      await database?.drop()
    })

    it('counts one address\'s requests to either process against one limit of 60 a minute', { timeout: 60_000 }, async () => {
      const ip = '198.51.100.60'
      const remaining: (string | null)[] = []
      for (let i = 0; i < 60; i++) {
        const answer = await post(serverFor(i), '/api/accounts', {}, ip)
        assert.equal(answer.status, 400, `request ${i + 1}`)
        remaining.push(answer.headers.get('ratelimit-remaining'))
      }
      assert.deepEqual(remaining, Array.from({ length: 60 }, (_, i) => String(59 - i)))
      for (const server of servers) {
        const refused = await post(server, '/api/auth/login', { userName: 'someone', password: 'something' }, ip)
        assert.equal(refused.status, 429)
        assert.equal(refused.code, 'too_many_requests')
        assert.ok(Number(refused.headers.get('retry-after')) >= 1)
      }
    })

    it('makes an address wait on one process after failures on the other, and not another address', { timeout: 60_000 }, async () => {
      const user = { firstName: 'Ada', lastName: 'Lovelace', email: `shared.${process.pid}@example.com`, userName: `shared_${process.pid}`, password: 'correct horse battery staple' }
      assert.equal((await post(serverFor(0), '/api/accounts', user, '198.51.100.1')).status, 201)
      const ip = '198.51.100.2'
      for (let k = 0; k < N; k++) {
        const failed = await post(serverFor(k), '/api/auth/login', { userName: user.userName, password: 'wrong password' }, ip)
        assert.equal(failed.status, 401)
      }
      // Failure N was a moment ago: the next attempt, on either process, waits 1 s.
      for (const server of servers) {
        const refused = await post(server, '/api/auth/login', { userName: user.userName, password: user.password }, ip)
        assert.equal(refused.status, 429)
        assert.equal(refused.headers.get('retry-after'), '1')
      }
      assert.equal((await post(serverFor(1), '/api/auth/login', { userName: user.userName, password: user.password }, '198.51.100.3')).status, 200)
    })
  })
}
