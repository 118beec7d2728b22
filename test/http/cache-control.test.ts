import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const [sqlite] = DIALECTS

describe('Cache-Control is decided on the route, not the raw URL', { timeout: 60_000 }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ dialect: sqlite! })
  })
  after(() => server.close())

  it('keeps tokens reached through a percent-escaped /api path out of caches', async () => {
    const user = await server.register()
    const login = await server.request('POST', '/%61pi/auth/login', { body: { userName: user.userName, password: user.password } })
    assert.equal(login.status, 200, 'the escaped path reaches the login route')
    assert.equal(login.headers.get('cache-control'), 'no-store')
    const refreshed = await server.request('POST', '/%41PI/auth/%72efresh', { body: { refreshToken: login.body.refreshToken } })
    assert.equal(refreshed.status, 200)
    assert.equal(refreshed.headers.get('cache-control'), 'no-store')
  })

  it('marks an unknown path under an escaped /api too, and leaves other paths alone', async () => {
    assert.equal((await server.request('GET', '/%61pi/nothing')).headers.get('cache-control'), 'no-store')
    const health = await server.request('GET', '/healthz')
    assert.equal(health.status, 200)
    assert.equal(health.headers.get('cache-control'), null)
    const jwks = await server.request('GET', '/.well-known/jwks.json')
    assert.equal(jwks.headers.get('cache-control'), 'public, max-age=300')
  })
})
