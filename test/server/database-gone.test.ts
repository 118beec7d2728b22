import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { adminQuery, DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

const postgres = DIALECTS.find((dialect) => dialect.name === 'postgres')
const adminUrl = process.env.LATCHKEY_TEST_PG_URL ?? ''
const admin = (text: string) => adminQuery(adminUrl, text)

// PostgreSQL only: a database that goes away under a running server (SQLite is a file the
// process holds open).
for (const dialect of postgres === undefined ? [] : [postgres]) {
  describe(`the database gone under a running server (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    let name: string
    before(async () => {
      database = await dialect.create()
      name = new URL(database.url).pathname.slice(1)
      server = await startServerProcess({ DATABASE_URL: database.url, RATE_LIMIT_PER_MINUTE: '0' })
    })
    after(async () => {
      await server.kill()
      await admin(`alter database ${name}_gone rename to ${name}`).catch(() => {})
      await admin(`alter database ${name} allow_connections true`).catch(() => {})
      await database.drop()
    })

    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = {}
      if (body !== undefined) headers['content-type'] = 'application/json'
      if (token !== undefined) headers.authorization = `Bearer ${token}`
      // Nothing may hang: every answer comes within the deadline.
      const response = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
      const text = await response.text()
      return { status: response.status, text, retryAfter: response.headers.get('retry-after'), body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) } // eslint-disable-line @typescript-eslint/no-explicit-any
    }

    it('turns /readyz to 503 within seconds, answers clean 503s meanwhile, and recovers without a restart', async () => {
      const user = { firstName: 'D', lastName: 'B', email: 'gone@example.com', userName: 'gone.user', password: 'a database passphrase' }
      assert.equal((await call('POST', '/api/accounts', user)).status, 201)
      const pair = (await call('POST', '/api/auth/login', { userName: user.userName, password: user.password })).body as { accessToken: { token: string }; refreshToken: string }
      assert.equal((await call('GET', '/readyz')).status, 200)

      // Gone: no new connections, the open ones terminated, the name moved away.
      await admin(`alter database ${name} allow_connections false`)
      await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`)
      await admin(`alter database ${name} rename to ${name}_gone`)

      const deadline = Date.now() + 10_000
      let ready = await call('GET', '/readyz')
      while (ready.status !== 503 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        ready = await call('GET', '/readyz')
      }
      assert.equal(ready.status, 503)
      assert.equal(ready.body?.code, 'service_unavailable')

      for (const [method, path, body] of [
        ['POST', '/api/auth/login', { userName: user.userName, password: user.password }],
        ['POST', '/api/auth/refreshtoken', { refreshToken: pair.refreshToken }],
        ['POST', '/api/accounts', { ...user, userName: 'another.user', email: 'another@example.com' }],
      ] as const) {
        const response = await call(method, path, body)
        assert.equal(response.status, 503, `${path}: ${response.text}`)
        assert.equal(response.body?.code, 'service_unavailable')
        assert.ok(response.retryAfter !== null, 'with Retry-After')
        for (const leak of [name, 'database', 'terminat', 'ECONN', 'at ']) assert.ok(!response.text.includes(leak), `${path} mentions ${leak}`)
      }
      assert.equal((await call('GET', '/healthz')).status, 200, 'the process itself is alive')
      assert.equal((await call('GET', '/api/protected', undefined, pair.accessToken.token)).status, 200, 'a known token needs no database')
      // A token naming an unknown key makes the server reload its keys, which fails: refused, not a 500.
      const [head = '', claims = '', signature = ''] = pair.accessToken.token.split('.')
      const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>
      const unknownKid = `${Buffer.from(JSON.stringify({ ...header, kid: 'not-a-known-key' })).toString('base64url')}.${claims}.${signature}`
      const refused = await call('GET', '/api/protected', undefined, unknownKid)
      assert.equal(refused.status, 401, refused.text)
      assert.equal(refused.body?.code, 'invalid_token')

      await admin(`alter database ${name}_gone rename to ${name}`)
      await admin(`alter database ${name} allow_connections true`)
      const back = Date.now() + 10_000
      let login = await call('POST', '/api/auth/login', { userName: user.userName, password: user.password })
      while (login.status !== 200 && Date.now() < back) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        login = await call('POST', '/api/auth/login', { userName: user.userName, password: user.password })
      }
      assert.equal(login.status, 200, 'recovered without a restart')
      assert.equal((await call('GET', '/readyz')).status, 200)
      assert.equal((await call('POST', '/api/auth/refreshtoken', { refreshToken: pair.refreshToken })).status, 200, 'the refresh token survived')
    })
  })
}
