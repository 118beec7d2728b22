import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { rawRequest } from '../support/raw-http.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §1 (headers, paths) and §6 (the problem shape), over real HTTP.

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/
const JSON_TYPE = { 'content-type': 'application/json' }

function assertProblemBody(contentType: string | null | undefined, text: string, status: number, code: string): void {
  assert.match(contentType ?? '', /^application\/problem\+json/)
  const body = JSON.parse(text)
  assert.equal(typeof body.type, 'string')
  assert.equal(typeof body.title, 'string')
  assert.equal(typeof body.detail, 'string')
  assert.equal(body.status, status)
  assert.equal(body.code, code)
}

function assertProblem(response: TestResponse, status: number, code: string): void {
  assert.equal(response.status, status, response.text)
  assertProblemBody(response.headers.get('content-type'), response.text, status, code)
}

for (const dialect of DIALECTS) {
  describe(`protocol details (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    let accessToken: string

    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0', LOGIN_MAX_FAILURES: '100' } })
      user = await server.register()
      accessToken = (await server.login(user.userName, user.password)).accessToken.token
    })
    after(() => server.close())

    /** A spread of responses: success, client errors of each kind, not found, a bad URL. */
    async function sampleResponses(headers: Record<string, string> = {}) {
      return [
        ['healthz', await server.request('GET', '/healthz', { headers })],
        ['protected 200', await server.request('GET', '/api/protected', { headers, token: accessToken })],
        ['protected 401', await server.request('GET', '/api/protected', { headers })],
        ['login 400', await server.request('POST', '/api/auth/login', { body: {}, headers })],
        ['login 401', await server.request('POST', '/api/auth/login', { body: { userName: 'nobody-here', password: 'wrong password' }, headers })],
        ['invalid json', await server.request('POST', '/api/auth/login', { rawBody: '{', headers: { ...headers, ...JSON_TYPE } })],
        ['415', await server.request('POST', '/api/accounts', { rawBody: 'a=b', headers: { ...headers, 'content-type': 'text/plain' } })],
        ['413', await server.request('POST', '/api/accounts', { rawBody: 'x'.repeat(17_000), headers: { ...headers, ...JSON_TYPE } })],
        ['unknown path', await server.request('GET', '/no/such/thing', { headers })],
        ['unknown api path', await server.request('GET', '/api/no-such-thing', { headers })],
        ['bad url', await server.request('GET', '/api/%E0%A4%A', { headers })],
      ] as const
    }

    describe('X-Request-Id', () => {
      it('echoes a caller id of up to 128 characters of [A-Za-z0-9._-] on every kind of response', async () => {
        for (const id of ['abc', 'A.b_c-9', 'x'.repeat(128)]) {
          for (const [label, response] of await sampleResponses({ 'x-request-id': id })) {
            assert.equal(response.headers.get('x-request-id'), id, label)
          }
        }
      })

      it('replaces an id outside the grammar with a fresh one of its own', async () => {
        for (const id of ['x'.repeat(129), 'has space', 'semi;colon', 'caf\u00e9', 'a/b', '']) {
          const response = await server.request('GET', '/healthz', { headers: { 'x-request-id': id } })
          const given = response.headers.get('x-request-id') ?? ''
          assert.notEqual(given, id)
          assert.match(given, REQUEST_ID)
        }
      })

      it('gives each request without an id a different one', async () => {
        const ids = new Set<string | null>()
        for (const [, response] of await sampleResponses()) ids.add(response.headers.get('x-request-id'))
        assert.equal(ids.size, 11)
        for (const id of ids) assert.match(id ?? '', REQUEST_ID)
      })
    })

    it('sends X-Content-Type-Options: nosniff on every response', async () => {
      for (const [label, response] of await sampleResponses()) {
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff', label)
      }
      const docs = await server.request('GET', '/swagger/v1/swagger.json')
      assert.equal(docs.headers.get('x-content-type-options'), 'nosniff')
    })

    it('sends Cache-Control: no-store on every /api response, errors included', async () => {
      for (const [label, response] of await sampleResponses()) {
        if (label === 'healthz' || label === 'unknown path') continue
        assert.equal(response.headers.get('cache-control'), 'no-store', label)
      }
      const upper = await server.request('POST', '/API/AUTH/LOGIN', { body: {} })
      assert.equal(upper.headers.get('cache-control'), 'no-store')
    })

    describe('paths', () => {
      it('match ignoring case and with a trailing slash', async () => {
        const login = await server.request('POST', '/API/Auth/Login/', { body: { userName: user.userName, password: user.password } })
        assert.equal(login.status, 200, login.text)
        const refreshed = await server.request('POST', '/Api/AUTH/RefreshToken/', { body: { refreshToken: login.body.refreshToken } })
        assert.equal(refreshed.status, 200, refreshed.text)
        const again = await server.request('POST', '/api/auth/REFRESH', { body: { refreshToken: refreshed.body.refreshToken } })
        assert.equal(again.status, 200, again.text)
        const protectedRoute = await server.request('GET', '/API/PROTECTED/', { token: accessToken })
        assert.equal(protectedRoute.status, 200)
        const n = `${process.pid}_${Date.now()}`
        const registration = await server.request('POST', '/Api/Accounts/', {
          body: { firstName: 'A', lastName: 'B', email: `path${n}@example.com`, userName: `path_${n}`, password: 'a fine long password' },
        })
        assert.equal(registration.status, 201, registration.text)
      })

      it('answer an unknown path with 404 not_found as problem+json', async () => {
        for (const path of ['/nope', '/api', '/api/', '/api/auth', '/api/protected/extra', '/api/auth/loginx']) {
          assertProblem(await server.request('GET', path), 404, 'not_found')
        }
      })

      it('answer an unknown method on a known path with 404 not_found', async () => {
        const cases: [string, string][] = [
          ['DELETE', '/api/auth/login'], ['GET', '/api/auth/login'], ['GET', '/api/accounts'], ['PUT', '/api/accounts'],
          ['PATCH', '/api/auth/refresh'], ['POST', '/api/protected'], ['PUT', '/api/auth/refreshtoken'],
        ]
        for (const [method, path] of cases) assertProblem(await server.request(method, path), 404, 'not_found')
      })

      it('answer a path that cannot be percent-decoded with 404 not_found, with the usual headers', async () => {
        for (const path of ['/api/%E0%A4%A', '/api/auth/login%', '/%ZZ', '/api/accounts/%C0%AF%']) {
          const response = await rawRequest(server.url, path, { method: 'POST', headers: { ...JSON_TYPE, 'x-request-id': 'bad-url-1' }, body: '{}' })
          assert.equal(response.status, 404, `${path}: ${response.text}`)
          assertProblemBody(response.headers['content-type'], response.text, 404, 'not_found')
          assert.equal(response.headers['x-request-id'], 'bad-url-1')
          assert.equal(response.headers['x-content-type-options'], 'nosniff')
        }
        assert.equal((await server.request('GET', '/healthz')).status, 200)
      })

      it('ignore a query string', async () => {
        const response = await server.request('GET', '/api/protected?access_token=x&y=1', { token: accessToken })
        assert.equal(response.status, 200)
      })
    })

    describe('GET routes', () => {
      it('ignore a body, whatever its type or content', async () => {
        const bodies: [Record<string, string>, string][] = [
          [{ 'content-type': 'text/plain' }, 'not json at all'],
          [JSON_TYPE, '{ malformed'],
          [{ 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
        ]
        for (const [headers, body] of bodies) {
          const health = await rawRequest(server.url, '/healthz', { headers, body })
          assert.equal(health.status, 200, health.text)
          const protectedRoute = await rawRequest(server.url, '/api/protected', { headers: { ...headers, authorization: `Bearer ${accessToken}` }, body })
          assert.equal(protectedRoute.status, 200, protectedRoute.text)
          assert.deepEqual(JSON.parse(protectedRoute.text), { result: true })
        }
      })
    })

    it('answers every error with a problem document whose code matches its status', async () => {
      const expected: Record<string, [number, string]> = {
        'protected 401': [401, 'authentication_required'],
        'login 400': [400, 'validation_failed'],
        'login 401': [401, 'invalid_credentials'],
        'invalid json': [400, 'invalid_json'],
        '415': [415, 'unsupported_media_type'],
        '413': [413, 'payload_too_large'],
        'unknown path': [404, 'not_found'],
        'unknown api path': [404, 'not_found'],
        'bad url': [404, 'not_found'],
      }
      for (const [label, response] of await sampleResponses()) {
        const want = expected[label]
        if (want === undefined) continue
        assertProblem(response, want[0], want[1])
      }
    })
  })
}
