import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { type Database, openDatabase } from '../../src/persistence/database.js'
import { STATUS_OF } from '../../src/http/problem.js'
import { DIALECTS } from '../support/dialects.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §2 (body rules) and §6: bad input of any kind gets a 4xx problem, changes nothing,
// and the server keeps serving — on every database.

const ENDPOINTS = [
  '/api/accounts',
  '/api/auth/login',
  '/api/auth/refreshtoken',
  '/api/auth/refresh',
  '/api/accounts/verify-email/send',
  '/api/accounts/verify-email',
  '/api/auth/password-reset/send',
  '/api/auth/password-reset',
  '/api/auth/login/mfa',
] as const
const FIELDS: Record<(typeof ENDPOINTS)[number], string[]> = {
  '/api/accounts': ['firstName', 'lastName', 'email', 'userName', 'password'],
  '/api/auth/login': ['userName', 'password'],
  '/api/auth/refreshtoken': ['refreshToken', 'accessToken'],
  '/api/auth/refresh': ['refreshToken', 'accessToken'],
  '/api/accounts/verify-email/send': ['email'],
  '/api/accounts/verify-email': ['token'],
  '/api/auth/password-reset/send': ['email'],
  '/api/auth/password-reset': ['token', 'newPassword'],
  '/api/auth/login/mfa': ['mfaToken', 'code'],
}
const TABLES = ['users', 'user_roles', 'sessions', 'refresh_tokens', 'security_events', 'email_tokens', 'mail_outbox', 'mfa_challenges'] as const
/** Codes the contract answers with another status at one endpoint (§10: a dead mfaToken, a wrong code at login). */
const OTHER_STATUSES: Partial<Record<string, number[]>> = { invalid_grant: [401], invalid_mfa_code: [401] }
const JSON_TYPE = { 'content-type': 'application/json' }
const LEAKS = /\bat [\w.<>]+ \(|node_modules|\bselect\b|\binsert\b|sqlite|postgres|syntaxerror|typeerror|FST_ERR/i
const RUNS = 50

/** The contract's problem shape, a §6 code matching the status, and nothing internal. */
function assertProblem(response: TestResponse, context: string): void {
  assert.ok(response.status >= 400 && response.status < 500, `${context}: status ${response.status} ${response.text}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, context)
  const { type, title, status, detail, code } = response.body
  assert.equal(typeof type, 'string', context)
  assert.equal(typeof title, 'string', context)
  assert.equal(typeof detail, 'string', context)
  assert.equal(status, response.status, context)
  const statuses = [STATUS_OF[code as keyof typeof STATUS_OF], ...(OTHER_STATUSES[code as string] ?? [])]
  assert.ok(statuses.includes(response.status), `${context}: code ${code} with ${response.status}`)
  assert.doesNotMatch(response.text, LEAKS, context)
}

function assertCode(response: TestResponse, status: number, code: string, context = ''): void {
  assertProblem(response, context)
  assert.equal(response.status, status, `${context}: ${response.text}`)
  assert.equal(response.body.code, code, context)
}

/** Random ASCII case for a property name: `userName` → `UsErNaMe`. */
const anyCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flips) =>
    [...name].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
  )

const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)), minLength: 1 })

for (const dialect of DIALECTS) {
  describe(`malformed input (${dialect.name})`, { timeout: 60_000 }, () => {
    let server: TestServer
    let database: Database

    const post = (path: string, options: Parameters<TestServer['request']>[2]) => server.request('POST', path, options)
    const postRaw = (path: string, rawBody: string | Buffer, headers: Record<string, string> = JSON_TYPE) =>
      post(path, { rawBody, headers })

    async function rowCounts(): Promise<Record<string, number>> {
      const counts: Record<string, number> = {}
      for (const table of TABLES) {
        const row = await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
        counts[table] = Number(row.n)
      }
      return counts
    }

    /** Runs `work` and checks that no table of users, sessions, tokens or events changed. */
    async function nothingWritten(work: () => Promise<void>): Promise<void> {
      const before = await rowCounts()
      await work()
      assert.deepEqual(await rowCounts(), before)
      const health = await server.request('GET', '/healthz')
      assert.equal(health.status, 200)
    }

    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0', LOGIN_MAX_FAILURES: '100' } })
      database = await openDatabase(server.database.url)
    })
    after(async () => {
      await database.close()
      await server.close()
    })

    for (const path of ENDPOINTS) {
      describe(`POST ${path}`, () => {
        it('answers malformed or empty JSON with invalid_json', () =>
          nothingWritten(async () => {
            for (const text of ['{', '{"a":}', "{'a':1}", 'nul', '{"a":1}}', '']) {
              assertCode(await postRaw(path, text), 400, 'invalid_json', JSON.stringify(text))
            }
            assertCode(await post(path, { headers: JSON_TYPE }), 400, 'invalid_json', 'no body at all')
          }))

        it('answers bytes that are not UTF-8 with invalid_json', () =>
          nothingWritten(async () => {
            const field = FIELDS[path][0]
            for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
              const body = Buffer.concat([Buffer.from(`{"${field}":"a`), Buffer.from(bad), Buffer.from('"}')])
              assertCode(await postRaw(path, body), 400, 'invalid_json', JSON.stringify(bad))
            }
          }))

        it('answers JSON that is not an object with validation_failed for the body as a whole', () =>
          nothingWritten(async () => {
            for (const text of ['[]', '[{}]', '"text"', '42', 'null', 'true', '[' + '['.repeat(5000) + ']'.repeat(5001)]) {
              const response = await postRaw(path, text)
              assertCode(response, 400, 'validation_failed', text.slice(0, 20))
              assert.ok(Array.isArray(response.body.errors['']), text.slice(0, 20))
            }
          }))

        it('does not coerce types: a number, boolean, null, array or object for a string field is validation_failed', () =>
          nothingWritten(async () => {
            const field = FIELDS[path][0]!
            for (const value of [12345678, true, null, ['x'], { x: 'y' }]) {
              const response = await post(path, { body: { ...Object.fromEntries(FIELDS[path].map((f) => [f, 'abcdefgh'])), [field]: value } })
              assertCode(response, 400, 'validation_failed', JSON.stringify(value))
              assert.ok(Array.isArray(response.body.errors[field]), `errors names ${field}: ${response.text}`)
            }
          }))

        it('answers a body over 16 KiB with payload_too_large, with or without a Content-Length', () =>
          nothingWritten(async () => {
            const big = JSON.stringify({ [FIELDS[path][0]!]: 'x'.repeat(16 * 1024) })
            assertCode(await postRaw(path, big), 413, 'payload_too_large', 'content-length')
            const chunked = new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode(big))
                controller.close()
              },
            })
            const response = await fetch(server.url + path, { method: 'POST', headers: JSON_TYPE, body: chunked, duplex: 'half' } as RequestInit)
            assert.equal(response.status, 413)
            assert.equal(((await response.json()) as { code: string }).code, 'payload_too_large')
          }))

        it('answers anything but application/json with unsupported_media_type', () =>
          nothingWritten(async () => {
            const json = JSON.stringify(Object.fromEntries(FIELDS[path].map((f) => [f, 'abcdefgh'])))
            assertCode(await postRaw(path, json, {}), 415, 'unsupported_media_type', 'no content type')
            for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonp']) {
              assertCode(await postRaw(path, json, { 'content-type': type }), 415, 'unsupported_media_type', type)
            }
          }))

        it('survives deep nesting inside a property and keeps serving', () =>
          nothingWritten(async () => {
            const field = FIELDS[path][0]
            const arrays = `{"${field}":${'['.repeat(5000)}${']'.repeat(5000)}}`
            const objects = `{"${field}":${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}}`
            const unknown = `{"deep":${'['.repeat(7000)}${']'.repeat(7000)}}`
            for (const text of [arrays, objects, unknown]) {
              assert.ok(Buffer.byteLength(text) <= 16 * 1024)
              assertProblem(await postRaw(path, text), 'deep nesting')
            }
          }))

        it('answers U+0000 and lone surrogates in a string with validation_failed', () =>
          nothingWritten(async () => {
            for (const bad of ['ab\\u0000cd', 'abcdefgh\\ud800', '\\udfffabcdefgh', 'abcd\\udc00\\ud800efgh']) {
              for (const field of FIELDS[path]) {
                const others = FIELDS[path].filter((f) => f !== field).map((f) => `"${f}":"abcdefghij"`)
                const response = await postRaw(path, `{${[...others, `"${field}":"${bad}"`].join(',')}}`)
                assertCode(response, 400, 'validation_failed', `${field}=${bad}`)
                assert.ok(Array.isArray(response.body.errors[field]), `errors names ${field}`)
              }
            }
          }))

        it('refuses two keys that fold to one name', () =>
          nothingWritten(async () => {
            const field = FIELDS[path][0]!
            const text = `{"${field}":"abcdefghij","${field.toUpperCase()}":"abcdefghij"}`
            const response = await postRaw(path, text)
            assertCode(response, 400, 'validation_failed')
            assert.ok(Array.isArray(response.body.errors[field]))
          }))

        it('answers arbitrary JSON values with a 4xx problem and writes nothing', () =>
          nothingWritten(() =>
            fc.assert(
              fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
                assertProblem(await postRaw(path, JSON.stringify(value)), JSON.stringify(value).slice(0, 200))
              }),
              { numRuns: RUNS },
            ),
          ))

        it('answers objects with its own property names in any case and values of any type with a 4xx problem', () =>
          nothingWritten(() => {
            const entry = fc.tuple(fc.constantFrom(...FIELDS[path]).chain(anyCase), fc.jsonValue({ maxDepth: 2 }))
            return fc.assert(
              fc.asyncProperty(fc.array(entry, { maxLength: 6 }), async (entries) => {
                // A registration of all-valid strings would succeed; keep every email invalid.
                const body = entries.map(([k, v]) => (k.toLowerCase() === 'email' ? [k, 'no-at-sign'] : [k, v]))
                assertProblem(await post(path, { body: Object.fromEntries(body) }), JSON.stringify(body).slice(0, 200))
              }),
              { numRuns: RUNS },
            )
          }))

        it('answers arbitrary text and arbitrary bytes with a 4xx problem', () =>
          nothingWritten(async () => {
            const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), loneSurrogates, fc.json())
            await fc.assert(
              fc.asyncProperty(text, async (raw) => assertProblem(await postRaw(path, raw), JSON.stringify(raw).slice(0, 200))),
              { numRuns: RUNS },
            )
            await fc.assert(
              fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'), async (bytes, type) =>
                assertProblem(await postRaw(path, Buffer.from(bytes), { 'content-type': type }), `${type} ${Buffer.from(bytes).toString('hex')}`),
              ),
              { numRuns: RUNS },
            )
          }))
      })
    }

    describe('refresh tokens that are not live', () => {
      it('answers any string, 10 KB long or empty, with invalid_grant on both refresh paths', () =>
        nothingWritten(async () => {
          for (const path of ['/api/auth/refreshtoken', '/api/auth/refresh']) {
            for (const refreshToken of ['', ' ', 'x'.repeat(10_000), 'A'.repeat(43), '\u{1F511}'.repeat(2000)]) {
              assertCode(await post(path, { body: { refreshToken } }), 400, 'invalid_grant', `${path} ${refreshToken.length}`)
            }
          }
          const wellFormed = fc.string({ maxLength: 300 }).filter((s) => s.isWellFormed() && !s.includes('\u0000'))
          await fc.assert(
            fc.asyncProperty(wellFormed, async (refreshToken) =>
              assertCode(await post('/api/auth/refresh', { body: { refreshToken } }), 400, 'invalid_grant', refreshToken),
            ),
            { numRuns: RUNS },
          )
        }))
    })

    describe('what is accepted', () => {
      it('matches property names ignoring ASCII case and ignores unknown properties', async () => {
        const n = `${process.pid}_${Date.now()}`
        const registration = await post('/api/accounts', {
          body: { FIRSTNAME: 'Ada', lastname: 'Lovelace', EMail: `ada${n}@example.com`, username: `ada_${n}`, PassWord: 'analytical engine', roles: ['admin'], isAdmin: true },
        })
        assert.equal(registration.status, 201, registration.text)
        assert.deepEqual(await server.ctx.store.listRoles(registration.body.id), ['api_access'])

        const login = await post('/api/auth/login', { body: { UserName: `ada_${n}`, PASSWORD: 'analytical engine', rememberMe: true } })
        assert.equal(login.status, 200, login.text)
        const refreshed = await post('/api/auth/refresh', { body: { REFRESHTOKEN: login.body.refreshToken, extra: { deep: [1, 2] } } })
        assert.equal(refreshed.status, 200, refreshed.text)
      })

      it('accepts application/json with a charset=utf-8 parameter, in any case', async () => {
        for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset="utf-8"']) {
          const response = await postRaw('/api/auth/refreshtoken', JSON.stringify({ refreshToken: 'not-a-token' }), { 'content-type': type })
          assertCode(response, 400, 'invalid_grant', type)
        }
      })

      it('is not polluted by __proto__ or constructor keys', async () => {
        const n = `${process.pid}_${Date.now()}`
        const text =
          `{"__proto__":{"polluted":true,"userName":"x"},"constructor":{"prototype":{"polluted":true}},` +
          `"firstName":"Ada","lastName":"Byron","email":"byron${n}@example.com","userName":"byron_${n}","password":"difference engine"}`
        const response = await postRaw('/api/accounts', text)
        assert.equal(response.status, 201, response.text)
        assert.equal(({} as Record<string, unknown>).polluted, undefined)
        const onlyProto = await postRaw('/api/auth/login', '{"__proto__":{"userName":"x","password":"abcdefgh"}}')
        assertCode(onlyProto, 400, 'validation_failed')
      })
    })
  })
}
