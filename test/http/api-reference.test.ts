import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

// docs/api.md is the reference client developers read; the served OpenAPI document is what the
// routes declare. Each must name exactly the endpoints the other does, and neither may promise
// an answer the server cannot give yet.

const API_REFERENCE = new URL('../../docs/api.md', import.meta.url)
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
/** An endpoint heading: "### `POST /api/auth/login`", path parameters written `{id}` as OpenAPI does. */
const ENDPOINT_HEADING = /^### `([A-Z]+) (\/[^`\s]*)`$/

interface OpenApiOperation {
  responses?: Record<string, unknown>
}
type OpenApiPaths = Record<string, Record<string, OpenApiOperation>>

/** "METHOD /path" for every operation of the document, sorted. */
function operationsOf(paths: OpenApiPaths): string[] {
  return Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort()
}

/** "METHOD /path" for every endpoint heading of docs/api.md, sorted; throws on a malformed one. */
function documentedEndpoints(): string[] {
  const markdown = readFileSync(API_REFERENCE, 'utf8')
  const endpoints: string[] = []
  let fenced = false
  for (const line of markdown.split(/\r?\n/)) {
    if (line.startsWith('```')) fenced = !fenced
    if (fenced || !line.startsWith('### `')) continue
    const match = ENDPOINT_HEADING.exec(line)
    // A heading meant as an endpoint but spelled differently would silently drop out of the check.
    assert.ok(match !== null, `malformed endpoint heading in docs/api.md: ${line}`)
    endpoints.push(`${match[1]} ${match[2]}`)
  }
  return endpoints.sort()
}

const isApiEndpoint = (endpoint: string) => endpoint.split(' ')[1]?.startsWith('/api/') === true

// The document does not depend on the database: SQLite is enough.
const sqlite = DIALECTS.find((dialect) => dialect.name === 'sqlite')

describe('API reference (docs/api.md)', { timeout: 30_000 }, () => {
  let server: TestServer
  let paths: OpenApiPaths
  before(async () => {
    assert.ok(sqlite !== undefined)
    server = await startTestServer({ dialect: sqlite })
    const response = await server.request('GET', '/swagger/v1/swagger.json')
    assert.equal(response.status, 200)
    paths = response.body.paths as OpenApiPaths
  })
  after(() => server?.close())

  it('documents exactly the /api endpoints the OpenAPI document lists, each once', { timeout: 30_000 }, () => {
    const served = operationsOf(paths).filter(isApiEndpoint)
    const inDocs = documentedEndpoints().filter(isApiEndpoint)
    assert.ok(served.length > 0, 'the OpenAPI document lists /api endpoints')
    assert.deepEqual(inDocs, [...new Set(inDocs)], 'an endpoint heading appears twice in docs/api.md')
    assert.deepEqual(inDocs, served, 'docs/api.md headings and the served OpenAPI operations differ')
  })

  it('documents every operation of the OpenAPI document, outside /api too', { timeout: 30_000 }, () => {
    const documented = documentedEndpoints()
    const missing = operationsOf(paths).filter((operation) => !documented.includes(operation))
    assert.deepEqual(missing, [])
  })

  // Contract §4.5: the per-IP rate limit guards registration, login, the password change, the MFA
  // login and the §9 mail and password routes — never refresh or logout. Each /api operation is
  // probed on a server allowing one request a minute: an operation lists 429 exactly when a
  // second request from the same address is refused.
  it('lists 429 on exactly the operations the rate limit guards', { timeout: 30_000 }, async () => {
    assert.ok(sqlite !== undefined)
    const limited = await startTestServer({ dialect: sqlite, env: { RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: '1' } })
    try {
      const operations = Object.entries(paths)
        .filter(([path]) => path.startsWith('/api/'))
        .flatMap(([path, item]) => Object.entries(item).filter(([method]) => HTTP_METHODS.includes(method)).map(([method, operation]) => ({ method, path, operation })))
      const claiming: string[] = []
      const refusing: string[] = []
      for (const [i, { method, path, operation }] of operations.entries()) {
        const name = `${method.toUpperCase()} ${path}`
        if (Object.hasOwn(operation.responses ?? {}, '429')) claiming.push(name)
        const url = path.replaceAll(/\{[^}]+\}/g, 'x')
        const probe = () => limited.request(method.toUpperCase(), url, { headers: { 'x-forwarded-for': `192.0.2.${i + 1}` }, ...(method === 'post' || method === 'delete' ? { body: {} } : {}) })
        await probe()
        const second = await probe()
        if (second.status === 429 && second.headers.get('ratelimit-limit') === '1') refusing.push(name)
      }
      // These answer 429 only from the login back-off (§10: wrong codes and passwords count),
      // never from the per-IP limit: they list it, and must not be refused by the limit.
      const backOffOnly = ['POST /api/accounts/me/mfa/totp', 'POST /api/accounts/me/mfa/totp/confirm', 'POST /api/accounts/me/mfa/recovery-codes', 'DELETE /api/accounts/me/mfa']
      for (const name of backOffOnly) assert.ok(claiming.includes(name) && !refusing.includes(name), name)
      assert.deepEqual(claiming.filter((name) => !backOffOnly.includes(name)).sort(), refusing.sort())
      for (const name of ['POST /api/accounts', 'POST /api/auth/login']) assert.ok(refusing.includes(name), name)
      for (const name of ['POST /api/auth/refreshtoken', 'POST /api/auth/refresh', 'POST /api/auth/logout']) assert.ok(!refusing.includes(name), name)
    } finally {
      await limited.close()
    }
  })
})
