import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { eventTypes } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer, type TokenBody } from '../support/test-app.js'
import {
  asUser,
  assertProblem,
  beginEnrollment,
  codeAt,
  type Enrolled,
  enroll,
  mfaTokenFor,
  secondStep,
  type User,
} from '../support/two-factor.js'

// Issue 12: "bad input at every new endpoint gets a 4xx and writes nothing" (contract §6), with
// the one write §10 requires: a wrong code counts as a failure for (account, client IP), recorded
// as login_failed — exactly one per code.

const JSON_TYPE = { 'content-type': 'application/json' }
const MALFORMED = ['{', '{"code":}', "{'code':'123456'}", 'nul', '{"code":"1"}}', '']
const NOT_OBJECTS = ['[]', '["123456"]', '"123456"', '123456', 'null', 'true']
const WRONG_TYPES: unknown[] = [123456, 0, null, [], ['123456'], {}, true]
/** Strings the schema accepts as strings but that are no code of any kind. */
const NOT_CODES = [
  '',
  '1',
  '12345',
  '1234567',
  '12345a',
  '123 45',
  '１２３４５６', // full-width digits
  '٠١٢٣٤٥', // Arabic-Indic digits
  '😀',
  '😀'.repeat(3),
  'ﬀﬀﬀﬀﬀ', // upper-cases to 10 letters
  'ABCDE-FGHJ',
  'ABCDE-FGHJK-L',
  '-----',
  '1'.repeat(10_000),
]
const NOT_TOKENS = ['', 'x', '😀', 'a'.repeat(10_000), randomBytes(32).toString('base64url'), randomBytes(32).toString('hex'), '\u00e9'.repeat(43)]

/** What a user can see or the database holds of them, except the counters §10 requires to move. */
interface Snapshot {
  me: unknown
  events: string[]
  sessions: unknown
  row: unknown
  recoveryCodes: string[]
  challenges: number
  sessionRows: number
}

for (const dialect of DIALECTS) {
  describe(`two-factor endpoints refuse bad input and write nothing (${dialect.name})`, { timeout: 180_000 }, () => {
    let server: TestServer
    let database: Database
    before(async () => {
      server = await startTestServer({ dialect, env: { LOGIN_MAX_FAILURES: '100' } })
      database = await openDatabase(server.database.url)
    })
    after(async () => {
      await database.close()
      await server.close()
    })

    const now = () => server.clock.now()

    async function snapshot(user: User, pair: TokenBody): Promise<Snapshot> {
      const sessions = await asUser(server, pair, 'GET', '/api/sessions')
      const row = await database.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow()
      const codes = await database.db.selectFrom('mfa_recovery_codes').select('code_hash').where('user_id', '=', user.id).execute()
      const challenges = await database.db.selectFrom('mfa_challenges').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow()
      const sessionRows = await database.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow()
      return {
        me: (await asUser(server, pair, 'GET', '/api/accounts/me')).body,
        events: await eventTypes(server.ctx.store, user.id),
        sessions: (sessions.body as { id: string }[]).map((session) => session.id),
        row,
        recoveryCodes: codes.map((code) => code.code_hash).sort(),
        challenges: Number(challenges.n),
        sessionRows: Number(sessionRows.n),
      }
    }

    /** Asserts that nothing changed but `failures` more login_failed events (newest first). */
    function assertUnchanged(before: Snapshot, after: Snapshot, failures: number): void {
      // Compared as multisets: the fake clock stands still, and events of one instant have no order.
      assert.deepEqual([...after.events].sort(), [...Array<string>(failures).fill('login_failed'), ...before.events].sort(), 'events: only the counted failures')
      assert.deepEqual({ ...after, events: [] }, { ...before, events: [] })
    }

    interface Endpoint {
      method: 'POST' | 'DELETE'
      path: string
      fields: string[]
      /** A body the endpoint accepts, but for the field a case replaces. */
      valid: (subject: Subject) => Record<string, unknown>
      /** The status of a wrong code here. */
      wrongCodeStatus?: number
      /** A user in the state the endpoint expects. */
      subject: () => Promise<Subject>
    }
    interface Subject {
      user: User
      pair: TokenBody
      secret: string
      /** Fresh mfaTokens, for login/mfa (each takes at most 5 codes). */
      tokens: string[]
    }

    const pendingSubject = async (): Promise<Subject> => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const { secret } = await beginEnrollment(server, pair, user.password)
      return { user, pair, secret, tokens: [] }
    }
    const enrolledSubject = async (): Promise<Subject> => {
      const { user, pair, secret }: Enrolled = await enroll(server)
      const tokens: string[] = []
      for (let i = 0; i < NOT_CODES.length + 2; i++) tokens.push(await mfaTokenFor(server, user))
      return { user, pair, secret, tokens }
    }

    const ENDPOINTS: Endpoint[] = [
      {
        method: 'POST',
        path: '/api/accounts/me/mfa/totp',
        fields: ['currentPassword'],
        valid: ({ user }) => ({ currentPassword: user.password }),
        subject: async () => {
          const user = await server.register()
          return { user, pair: await server.login(user.userName, user.password), secret: '', tokens: [] }
        },
      },
      {
        method: 'POST',
        path: '/api/accounts/me/mfa/totp/confirm',
        fields: ['code'],
        valid: ({ secret }) => ({ code: codeAt(secret, now()) }),
        wrongCodeStatus: 400,
        subject: pendingSubject,
      },
      {
        method: 'POST',
        path: '/api/accounts/me/mfa/recovery-codes',
        fields: ['currentPassword', 'code'],
        valid: ({ user, secret }) => ({ currentPassword: user.password, code: codeAt(secret, now()) }),
        wrongCodeStatus: 400,
        subject: enrolledSubject,
      },
      {
        method: 'DELETE',
        path: '/api/accounts/me/mfa',
        fields: ['currentPassword', 'code'],
        valid: ({ user, secret }) => ({ currentPassword: user.password, code: codeAt(secret, now()) }),
        wrongCodeStatus: 400,
        subject: enrolledSubject,
      },
      {
        method: 'POST',
        path: '/api/auth/login/mfa',
        fields: ['mfaToken', 'code'],
        valid: ({ secret, tokens }) => ({ mfaToken: tokens[0], code: codeAt(secret, now()) }),
        wrongCodeStatus: 401,
        subject: enrolledSubject,
      },
    ]

    const isBearer = (endpoint: Endpoint) => !endpoint.path.startsWith('/api/auth/')
    const send = (endpoint: Endpoint, subject: Subject, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> }) =>
      server.request(endpoint.method, endpoint.path, { ...options, ...(isBearer(endpoint) ? { token: subject.pair.accessToken.token } : {}) })

    for (const endpoint of ENDPOINTS) {
      const name = `${endpoint.method} ${endpoint.path}`

      it(`${name}: malformed JSON is 400 invalid_json; a body that is no object, lacks a field or has a wrong type is 400 validation_failed; nothing is written`, async () => {
        const subject = await endpoint.subject()
        const before = await snapshot(subject.user, subject.pair)
        for (const rawBody of MALFORMED) assertProblem(await send(endpoint, subject, { rawBody, headers: JSON_TYPE }), 400, 'invalid_json', JSON.stringify(rawBody))
        for (const rawBody of NOT_OBJECTS) assertProblem(await send(endpoint, subject, { rawBody, headers: JSON_TYPE }), 400, 'validation_failed', rawBody)
        const valid = endpoint.valid(subject)
        const missingAll = await send(endpoint, subject, { body: {} })
        assertProblem(missingAll, 400, 'validation_failed', '{}')
        for (const field of endpoint.fields) assert.ok(field in missingAll.body.errors, `${field} named in ${missingAll.text}`)
        for (const field of endpoint.fields) {
          const { [field]: _dropped, ...rest } = valid
          const missing = await send(endpoint, subject, { body: rest })
          assertProblem(missing, 400, 'validation_failed', `without ${field}`)
          assert.deepEqual(Object.keys(missing.body.errors), [field])
          for (const wrong of [...WRONG_TYPES, ...(field === 'code' ? [Number(valid.code)] : [])]) {
            const typed = await send(endpoint, subject, { body: { ...valid, [field]: wrong } })
            assertProblem(typed, 400, 'validation_failed', `${field}: ${JSON.stringify(wrong)}`)
            assert.ok(field in typed.body.errors, typed.text)
          }
          for (const bad of ['\u0000', `a\u0000b`, '\ud800', '12\udc003']) {
            assertProblem(await send(endpoint, subject, { body: { ...valid, [field]: bad } }), 400, 'validation_failed', `${field}: ${JSON.stringify(bad)}`)
          }
        }
        assertProblem(await send(endpoint, subject, { body: { ...valid, [endpoint.fields[0]!]: 'x'.repeat(20_000) } }), 413, 'payload_too_large')
        assertProblem(await send(endpoint, subject, { rawBody: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type')
        assertUnchanged(before, await snapshot(subject.user, subject.pair), 0)
      })

      if (isBearer(endpoint)) {
        it(`${name}: without a valid bearer token is 401 and writes nothing`, async () => {
          const subject = await endpoint.subject()
          const before = await snapshot(subject.user, subject.pair)
          const body = endpoint.valid(subject)
          assertProblem(await server.request(endpoint.method, endpoint.path, { body }), 401, 'authentication_required', 'no token')
          assertProblem(await server.request(endpoint.method, endpoint.path, { body, headers: { authorization: `Basic ${subject.pair.accessToken.token}` } }), 401, 'authentication_required', 'other scheme')
          for (const token of ['', 'x', `${subject.pair.accessToken.token}x`, subject.pair.refreshToken]) {
            assertProblem(await server.request(endpoint.method, endpoint.path, { body, headers: { authorization: `Bearer ${token}` } }), 401, 'invalid_token', JSON.stringify(token))
          }
          assertUnchanged(before, await snapshot(subject.user, subject.pair), 0)
        })
      }

      if (endpoint.wrongCodeStatus !== undefined) {
        it(`${name}: a code of any length or alphabet is ${endpoint.wrongCodeStatus} invalid_mfa_code, counted as exactly one login_failed, and writes nothing else`, async () => {
          const subject = await endpoint.subject()
          const before = await snapshot(subject.user, subject.pair)
          for (const [i, code] of NOT_CODES.entries()) {
            const body = { ...endpoint.valid(subject), code, ...(endpoint.fields.includes('mfaToken') ? { mfaToken: subject.tokens[i] } : {}) }
            assertProblem(await send(endpoint, subject, { body }), endpoint.wrongCodeStatus!, 'invalid_mfa_code', JSON.stringify(code.slice(0, 20)))
          }
          const after = await snapshot(subject.user, subject.pair)
          assertUnchanged(before, after, NOT_CODES.length)
        })
      }
    }

    it('POST /api/auth/login/mfa: an mfaToken of any length or alphabet is 401 invalid_grant, counted nowhere', async () => {
      const subject = await enrolledSubject()
      const countAll = async () => Number((await database.db.selectFrom('security_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      const before = await snapshot(subject.user, subject.pair)
      const allEvents = await countAll()
      const real = subject.tokens[0]!
      const altered = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`
      for (const mfaToken of [...NOT_TOKENS, altered, real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase(), ` ${real}`]) {
        assertProblem(await secondStep(server, mfaToken, codeAt(subject.secret, now())), 401, 'invalid_grant', JSON.stringify(mfaToken.slice(0, 50)))
      }
      assertUnchanged(before, await snapshot(subject.user, subject.pair), 0)
      assert.equal(await countAll(), allEvents, 'no event for anyone')
      // And the real token was neither charged nor spent by all that.
      const done = await secondStep(server, real, codeAt(subject.secret, now()))
      assert.equal(done.status, 200, done.text)
    })

    it('POST /api/auth/login/mfa: bad bodies do not charge the mfaToken (more than 5 of them leave it working)', async () => {
      const subject = await enrolledSubject()
      const token = subject.tokens[0]!
      const answers: TestResponse[] = []
      for (const rawBody of MALFORMED) answers.push(await server.request('POST', '/api/auth/login/mfa', { rawBody, headers: JSON_TYPE }))
      for (const code of WRONG_TYPES) answers.push(await secondStep(server, token, code))
      answers.push(await server.request('POST', '/api/auth/login/mfa', { body: { mfaToken: token } }))
      for (const answer of answers) assert.equal(answer.status, 400, answer.text)
      const done = await secondStep(server, token, codeAt(subject.secret, now()))
      assert.equal(done.status, 200, done.text)
    })

    it('answers confirmation without a pending secret with 404 not_found, also after a refused enrollment, and writes nothing', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const before = await snapshot(user, pair)
      const confirm = () => asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: '123456' })
      assertProblem(await confirm(), 404, 'not_found', 'never enrolled')
      assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp', { currentPassword: 'not the password' }), 403, 'invalid_current_password')
      assertProblem(await confirm(), 404, 'not_found', 'after a wrong password at enrollment')
      assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp', { currentPassword: 12345678 }), 400, 'validation_failed')
      assertProblem(await confirm(), 404, 'not_found', 'after a bad enrollment body')
      assertUnchanged(before, await snapshot(user, pair), 1) // the wrong current password, counted as §5 says
    })

    it('answers enrollment while the factor is on with 409 mfa_already_enabled, and confirmation too; the factor is unchanged', async () => {
      const { user, pair, secret } = await enroll(server)
      const before = await snapshot(user, pair)
      assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp', { currentPassword: user.password }), 409, 'mfa_already_enabled')
      assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(secret, now()) }), 409, 'mfa_already_enabled')
      assertUnchanged(before, await snapshot(user, pair), 0)
      assert.equal((await secondStep(server, await mfaTokenFor(server, user), codeAt(secret, now()))).status, 200, 'the same secret still works')
    })

    it('refuses a code of a replaced pending secret: only the newest enrollment can be confirmed', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const first = await beginEnrollment(server, pair, user.password)
      const second = await beginEnrollment(server, pair, user.password)
      assert.notEqual(first.secret, second.secret)
      assertProblem(await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(first.secret, now()) }), 400, 'invalid_mfa_code')
      assert.equal((await asUser(server, pair, 'POST', '/api/accounts/me/mfa/totp/confirm', { code: codeAt(second.secret, now()) })).status, 200)
    })
  })
}
