import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LoginBody, RefreshBody, RegisterBody } from '../../src/http/schemas.js'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §7: CORS for the listed origins only, and the API documentation.

const APP = 'https://app.example.com'
const EXPOSED = ['Token-Expired', 'Retry-After', 'WWW-Authenticate', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id']
const STRANGERS = ['https://evil.example.com', 'null', 'http://app.example.com', 'https://app.example.com.evil.net', 'https://app.example.com:8443']

function list(header: string | null): string[] {
  return (header ?? '').split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== '')
}

function corsHeaders(response: TestResponse): string[] {
  return [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))
}

function preflight(server: TestServer, path: string, origin: string, method = 'POST') {
  return server.request('OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  })
}

for (const dialect of DIALECTS) {
  describe(`CORS (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect, env: { CORS_ORIGINS: `${APP},https://admin.example.com`, RATE_LIMIT_PER_MINUTE: '2' } })
    })
    after(() => server.close())

    it('gives a listed origin its own origin back, Vary: Origin and the exposed headers, on successes and errors', async () => {
      const responses = [
        await server.request('GET', '/healthz', { headers: { origin: APP } }),
        await server.request('GET', '/api/protected', { headers: { origin: APP } }),
        await server.request('POST', '/api/auth/refresh', { body: { refreshToken: 'nope' }, headers: { origin: APP } }),
        await server.request('GET', '/api/nowhere', { headers: { origin: 'https://admin.example.com' } }),
      ]
      for (const response of responses) {
        const origin = response.headers.get('access-control-allow-origin')
        assert.ok(origin === APP || origin === 'https://admin.example.com', `${response.status}: ${origin}`)
        assert.ok(list(response.headers.get('vary')).includes('origin'))
        assert.deepEqual(list(response.headers.get('access-control-expose-headers')).sort(), EXPOSED.map((h) => h.toLowerCase()).sort())
      }
    })

    it('answers a preflight from a listed origin with 204, the methods, headers and max-age, and no authentication', async () => {
      for (const [path, method] of [['/api/protected', 'GET'], ['/api/auth/login', 'POST'], ['/api/accounts', 'POST']] as const) {
        const response = await preflight(server, path, APP, method)
        assert.equal(response.status, 204, `${path}: ${response.text}`)
        assert.equal(response.headers.get('access-control-allow-origin'), APP)
        assert.deepEqual(list(response.headers.get('access-control-allow-methods')).sort(), ['delete', 'get', 'post'])
        assert.deepEqual(list(response.headers.get('access-control-allow-headers')).sort(), ['authorization', 'content-type', 'x-request-id'])
        assert.equal(response.headers.get('access-control-max-age'), '600')
        assert.ok(list(response.headers.get('vary')).includes('origin'))
      }
    })

    it('does not rate-limit preflights, nor count them', async () => {
      // RATE_LIMIT_PER_MINUTE is 2 here: five preflights, then two real requests still pass the limiter.
      for (let i = 0; i < 5; i++) assert.equal((await preflight(server, '/api/auth/login', APP)).status, 204)
      for (let i = 0; i < 2; i++) {
        const login = await server.request('POST', '/api/auth/login', { body: { userName: `nobody${i}`, password: 'wrong password' }, headers: { origin: APP } })
        assert.equal(login.body.code, 'invalid_credentials')
      }
    })

    it('gives other origins and null no CORS headers, preflight or not, and never a 5xx', async () => {
      for (const origin of STRANGERS) {
        const simple = await server.request('GET', '/api/protected', { headers: { origin } })
        assert.deepEqual(corsHeaders(simple), [], origin)
        const flight = await preflight(server, '/api/protected', origin, 'GET')
        assert.ok(flight.status < 500, `${origin}: ${flight.status}`)
        assert.deepEqual(corsHeaders(flight), [], origin)
      }
    })

    it('sends no CORS headers at all when CORS_ORIGINS is not set', async () => {
      const plain = await startTestServer({ dialect })
      try {
        assert.deepEqual(corsHeaders(await plain.request('GET', '/healthz', { headers: { origin: APP } })), [])
        const flight = await preflight(plain, '/api/protected', APP, 'GET')
        assert.ok(flight.status < 500)
        assert.deepEqual(corsHeaders(flight), [])
      } finally {
        await plain.close()
      }
    })
  })

  describe(`API documentation (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ dialect })
    })
    after(() => server.close())

    it('serves Swagger UI at /swagger after at most one redirect, with its assets from this server', async () => {
      let response = await fetch(`${server.url}/swagger`, { redirect: 'manual' })
      let pageUrl = `${server.url}/swagger`
      if (response.status >= 300 && response.status < 400) {
        pageUrl = new URL(response.headers.get('location') ?? '', pageUrl).toString()
        await response.arrayBuffer()
        response = await fetch(pageUrl, { redirect: 'manual' })
      }
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
      const html = await response.text()
      const assets = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '')
      assert.ok(assets.some((asset) => asset.endsWith('.js')) && assets.some((asset) => asset.endsWith('.css')))
      for (const asset of assets) {
        const url = new URL(asset, pageUrl)
        assert.equal(url.origin, server.url, `${asset} comes from this server`)
        const fetched = await fetch(url)
        assert.equal(fetched.status, 200, asset)
        assert.ok((await fetched.arrayBuffer()).byteLength > 0, asset)
      }
    })

    it('serves an OpenAPI 3 document of the API with an HTTP bearer scheme on the protected route', async () => {
      const response = await server.request('GET', '/swagger/v1/swagger.json')
      assert.equal(response.status, 200)
      const doc = response.body
      assert.match(doc.openapi, /^3\./)
      for (const [path, method] of [
        ['/api/accounts', 'post'], ['/api/auth/login', 'post'], ['/api/auth/refreshtoken', 'post'],
        ['/api/auth/refresh', 'post'], ['/api/protected', 'get'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method] !== undefined, `${method} ${path} is documented`)
      }
      const schemes = Object.entries(doc.components.securitySchemes as Record<string, { type: string; scheme?: string }>)
      const bearer = schemes.filter(([, scheme]) => scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer').map(([name]) => name)
      assert.equal(bearer.length, 1)
      assert.deepEqual(doc.paths['/api/protected'].get.security, [{ [bearer[0]!]: [] }])
      assert.ok(doc.paths['/api/protected'].get.responses['401'].content['application/problem+json'])
    })

    it('documents the very schemas that validate the request bodies', async () => {
      const doc = (await server.request('GET', '/swagger/v1/swagger.json')).body
      const bodyOf = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema
      assert.deepEqual(bodyOf('/api/accounts'), JSON.parse(JSON.stringify(RegisterBody)))
      assert.deepEqual(bodyOf('/api/auth/login'), JSON.parse(JSON.stringify(LoginBody)))
      assert.deepEqual(bodyOf('/api/auth/refreshtoken'), JSON.parse(JSON.stringify(RefreshBody)))
      assert.deepEqual(bodyOf('/api/auth/refresh'), JSON.parse(JSON.stringify(RefreshBody)))
    })

    it('documents only routes that exist: every documented operation answers something other than 404', async () => {
      const doc = (await server.request('GET', '/swagger/v1/swagger.json')).body
      for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(operations)) {
          const concrete = path.replace(/\{[^}]+\}/g, 'x')
          const response = await server.request(method.toUpperCase(), concrete, method === 'get' ? {} : { body: {} })
          assert.notEqual(response.status, 404, `${method} ${path}`)
          assert.ok(response.status < 500, `${method} ${path}`)
        }
      }
    })

    it('serves neither path when API_DOCS is false', async () => {
      const hidden = await startTestServer({ dialect, env: { API_DOCS: 'false' } })
      try {
        for (const path of ['/swagger', '/swagger/', '/swagger/v1/swagger.json', '/swagger/json', '/swagger/static/index.html']) {
          const response = await hidden.request('GET', path)
          assert.equal(response.status, 404, path)
          assert.equal(response.body.code, 'not_found')
        }
      } finally {
        await hidden.close()
      }
    })
  })
}
