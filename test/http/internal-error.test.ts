import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { injectFault } from '../support/inject-fault.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const SECRET_DETAIL = 'injected fault in sessions_insert_secret_detail'

for (const dialect of DIALECTS) {
  describe(`a statement that fails gives 500 internal_error, and the server keeps serving (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect })
    })
    after(() => server.close())

    it('answers a failed login with a bare 500 problem, then serves the next requests', async () => {
      const user = await server.register()
      const removeFault = await injectFault(dialect, server.database.url, { table: 'sessions', event: 'insert', message: SECRET_DETAIL })
      try {
        const failed = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
        assert.equal(failed.status, 500)
        assert.match(failed.headers.get('content-type') ?? '', /application\/problem\+json/)
        assert.equal(failed.body.code, 'internal_error')
        assert.deepEqual(Object.keys(failed.body).sort(), ['code', 'detail', 'status', 'title', 'type'])
        for (const leak of [SECRET_DETAIL, 'sessions', 'insert', 'at ', '.ts', 'SQLITE', 'sqlite', 'postgres', 'trigger']) {
          assert.ok(!failed.text.includes(leak), `the answer does not mention ${leak}`)
        }
        assert.equal((await server.request('GET', '/healthz')).status, 200)
      } finally {
        await removeFault()
      }
      const ok = await server.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
      assert.equal(ok.status, 200, 'the same login works once the fault is gone')
    })
  })
}
