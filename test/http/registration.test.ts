import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { dictionary } from '@zxcvbn-ts/language-common'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { startTestServer, type TestResponse, type TestServer } from '../support/test-app.js'

// Contract §2 `POST /api/accounts`: every rule, the error order, races and the new user's role.

const NO_LIMITS = { RATE_LIMIT_PER_MINUTE: '0', LOGIN_MAX_FAILURES: '100' }
let counter = 0

/** A registration body that passes every rule, with a user name and email no other test uses. */
function validBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = `${process.pid}x${++counter}`
  return {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: `grace.${n}@example.com`,
    userName: `grace_${n}`,
    password: 'compiler debugging moth',
    ...overrides,
  }
}

function assertFieldErrors(response: TestResponse, fields: string[]): void {
  assert.equal(response.status, 400, response.text)
  assert.equal(response.body.code, 'validation_failed')
  assert.deepEqual(Object.keys(response.body.errors).sort(), [...fields].sort())
}

for (const dialect of DIALECTS) {
  describe(`registration (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    const register = (body: unknown) => server.request('POST', '/api/accounts', { body })
    const rawRegister = (json: string) =>
      server.request('POST', '/api/accounts', { rawBody: json, headers: { 'content-type': 'application/json' } })

    before(async () => {
      server = await startTestServer({ dialect, env: NO_LIMITS })
    })
    after(() => server.close())

    describe('a valid registration', () => {
      it('answers 201 with the new id and success true, and the user holds the api_access role', async () => {
        const body = validBody()
        const response = await register(body)
        assert.equal(response.status, 201)
        assert.deepEqual(Object.keys(response.body).sort(), ['id', 'success'])
        assert.equal(response.body.success, true)
        assert.equal(typeof response.body.id, 'string')

        const tokens = await server.login(String(body.userName), String(body.password))
        const claims = decodeJwt(tokens.accessToken.token).payload
        assert.equal(claims.sub, response.body.id)
        assert.deepEqual(claims.rol, ['api_access'])
      })

      it('stores names and email trimmed, the email with its letter case kept', async () => {
        const n = ++counter
        const response = await register(
          validBody({ firstName: '  Ada \t', lastName: '\u00a0Lovelace ', email: `  Mixed.Case${n}@Example.COM  ` }),
        )
        assert.equal(response.status, 201)
        const user = await server.ctx.store.findUserById(response.body.id)
        assert.equal(user?.firstName, 'Ada')
        assert.equal(user?.lastName, 'Lovelace')
        assert.equal(user?.email, `Mixed.Case${n}@Example.COM`)
      })

      it('counts name lengths in code points after NFC and stores the NFC form', async () => {
        const decomposed = 'e\u0301'.repeat(100) // 200 code points, 100 once composed
        const response = await register(validBody({ firstName: decomposed, lastName: '\u{1F600}'.repeat(100) }))
        assert.equal(response.status, 201)
        const user = await server.ctx.store.findUserById(response.body.id)
        assert.equal(user?.firstName, '\u00e9'.repeat(100))
        assert.equal(user?.lastName, '\u{1F600}'.repeat(100))

        assertFieldErrors(await register(validBody({ firstName: 'e\u0301'.repeat(101) })), ['firstName'])
        assertFieldErrors(await register(validBody({ lastName: 'x'.repeat(101) })), ['lastName'])
      })

      it('refuses names that are empty once trimmed', async () => {
        assertFieldErrors(await register(validBody({ firstName: '', lastName: ' \t\n ' })), ['firstName', 'lastName'])
      })
    })

    describe('the email rules', () => {
      it('accepts what an HTML type=email input accepts, up to 254 characters', async () => {
        const at254 = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`
        assert.equal(at254.length, 254)
        for (const email of [`o'neil+tag.${++counter}@sub.example.co.uk`, `root${++counter}@localhost`, at254]) {
          const response = await register(validBody({ email }))
          assert.equal(response.status, 201, `${email}: ${response.text}`)
        }
        assertFieldErrors(await register(validBody({ email: `${at254.slice(0, -1)}dd` })), ['email'])
      })

      it('refuses addresses outside the HTML grammar', async () => {
        const bad = ['plainaddress', '@example.com', 'a@', 'a b@example.com', 'a@b..com', 'a@-b.com', 'a@b_c.com', 'jos\u00e9@example.com', 'a@@b.com', '']
        for (const email of bad) assertFieldErrors(await register(validBody({ email })), ['email'])
      })

      it('keeps emails unique by their lower-cased, trimmed form', async () => {
        const n = ++counter
        assert.equal((await register(validBody({ email: `Dup${n}@Example.com` }))).status, 201)
        for (const email of [`dup${n}@example.COM`, ` DUP${n}@EXAMPLE.COM `]) {
          const response = await register(validBody({ email }))
          assert.equal(response.status, 409)
          assert.equal(response.body.code, 'duplicate_email')
        }
      })

      it('refuses an email equal to another user\'s user name as a duplicate email', async () => {
        const n = ++counter
        assert.equal((await register(validBody({ userName: `taken${n}@example.com` }))).status, 201)
        const response = await register(validBody({ email: `TAKEN${n}@example.com` }))
        assert.equal(response.status, 409)
        assert.equal(response.body.code, 'duplicate_email')
      })
    })

    describe('the user name rules', () => {
      it('accepts 3 to 64 characters of letters, digits and . _ @ + -', async () => {
        for (const userName of [`A.b_c@d+e-${++counter}`, 'x'.repeat(60) + String(++counter).padStart(4, '0')]) {
          const response = await register(validBody({ userName }))
          assert.equal(response.status, 201, `${userName}: ${response.text}`)
        }
      })

      it('refuses short, long, untrimmed and non-ASCII user names without trimming them', async () => {
        for (const userName of ['ab', 'y'.repeat(65), ' abcd', 'abcd ', 'ab cd', 'ab!cd', 'j\u00f6rg', '\u0430bcd', '']) {
          assertFieldErrors(await register(validBody({ userName })), ['userName'])
        }
      })

      it('keeps user names unique ignoring ASCII case', async () => {
        const n = ++counter
        assert.equal((await register(validBody({ userName: `CaseUser${n}` }))).status, 201)
        const response = await register(validBody({ userName: `caseUSER${n}` }))
        assert.equal(response.status, 409)
        assert.equal(response.body.code, 'duplicate_user_name')
      })

      it('refuses a user name equal, ignoring case, to another user\'s email', async () => {
        const n = ++counter
        assert.equal((await register(validBody({ email: `owner${n}@example.com` }))).status, 201)
        const response = await register(validBody({ userName: `OWNER${n}@Example.com` }))
        assert.equal(response.status, 409)
        assert.equal(response.body.code, 'duplicate_user_name')
      })
    })

    describe('the password rules', () => {
      it('counts the length in code points of the NFKC form, 8 to 128', async () => {
        // U+FB01 "ﬁ" becomes "fi" under NFKC: 4 ligatures are 8 characters, 65 are 130.
        assert.equal((await register(validBody({ password: '\ufb01'.repeat(4) }))).status, 201)
        assert.equal((await register(validBody({ password: '\ufb01'.repeat(64) }))).status, 201)
        assertFieldErrors(await register(validBody({ password: '\ufb01'.repeat(65) })), ['password'])
        // Astral characters are one code point each, two UTF-16 units.
        assert.equal((await register(validBody({ password: '\u{1F511}'.repeat(128) }))).status, 201)
        assertFieldErrors(await register(validBody({ password: '\u{1F511}'.repeat(129) })), ['password'])
        assertFieldErrors(await register(validBody({ password: '\u{1F511}'.repeat(7) })), ['password'])
        assertFieldErrors(await register(validBody({ password: 'Zq8#kL2' })), ['password'])
        assert.equal((await register(validBody({ password: 'Zq8#kL2m' }))).status, 201)
      })

      it('hashes the NFKC form, so that form logs in', async () => {
        const typed = '\ufb01\ufb02 \uff23\uff21\uff30\uff33 horse \u2460'
        const nfkc = typed.normalize('NFKC')
        assert.notEqual(nfkc, typed)
        const body = validBody({ password: typed })
        const response = await register(body)
        assert.equal(response.status, 201)
        const user = await server.ctx.store.findUserById(response.body.id)
        assert.ok(user !== undefined && (await server.ctx.hasher.verify(user.passwordHash, nfkc)))
        const login = await server.request('POST', '/api/auth/login', { body: { userName: body.userName, password: nfkc } })
        assert.equal(login.status, 200)
      })

      it('never trims the password', async () => {
        const body = validBody({ password: '   ab7   ' }) // 3 characters once trimmed
        assert.equal((await register(body)).status, 201)
        const trimmed = await server.request('POST', '/api/auth/login', { body: { userName: body.userName, password: 'ab7' } })
        assert.equal(trimmed.status, 401)
        const exact = await server.request('POST', '/api/auth/login', { body: { userName: body.userName, password: '   ab7   ' } })
        assert.equal(exact.status, 200)
      })

      it('has no composition rules and allows every code point but U+0000 and lone surrogates', async () => {
        assert.equal((await register(validBody({ password: 'lowercaseonlyphrase' }))).status, 201)
        const odd = '\u0001\u0007\t\n\u200b\ufeff\uffff\u{10FFFF}\u{E0001}\u00a0 x'
        const body = validBody({ password: odd })
        assert.equal((await register(body)).status, 201)
        const login = await server.request('POST', '/api/auth/login', { body: { userName: body.userName, password: odd } })
        assert.equal(login.status, 200)
      })

      it('refuses common passwords ignoring case, also when only their NFKC form is common', async () => {
        const list = dictionary['passwords-common'] as string[]
        const deepInList = list.slice(10_000).find((password) => /^[a-z]{8,}$/.test(password))
        assert.ok(deepInList !== undefined)
        const fullWidth = [...'password'].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('')
        for (const password of ['PassWord', 'ILOVEYOU', deepInList.toUpperCase(), fullWidth]) {
          assertFieldErrors(await register(validBody({ password })), ['password'])
        }
      })

      it('refuses a password equal, ignoring case, to the user name or the email', async () => {
        const n = ++counter
        assertFieldErrors(await register(validBody({ userName: `Marble.Tiger${n}`, password: `marble.TIGER${n}` })), ['password'])
        assertFieldErrors(
          await register(validBody({ email: ` Quiet.River${n}@Example.com `, password: `quiet.river${n}@example.COM` })),
          ['password'],
        )
      })

      it('applies PASSWORD_MIN_LENGTH', async () => {
        const strict = await startTestServer({ dialect, env: { ...NO_LIMITS, PASSWORD_MIN_LENGTH: '12' } })
        try {
          const short = await strict.request('POST', '/api/accounts', { body: validBody({ password: 'Zq8#kL2mPq1' }) })
          assertFieldErrors(short, ['password'])
          const enough = await strict.request('POST', '/api/accounts', { body: validBody({ password: 'Zq8#kL2mPq1w' }) })
          assert.equal(enough.status, 201)
        } finally {
          await strict.close()
        }
      })
    })

    describe('errors', () => {
      it('reports every failing field together, wrong types and missing fields included', async () => {
        assertFieldErrors(await register({ firstName: '', lastName: 'x'.repeat(101), email: 'nope', userName: 'a', password: 'short' }), [
          'firstName', 'lastName', 'email', 'userName', 'password',
        ])
        assertFieldErrors(await register({ firstName: 5, lastName: null, email: ['a@b.c'], userName: 'a', password: 12345678 }), [
          'firstName', 'lastName', 'email', 'userName', 'password',
        ])
        const missing = await register({ userName: 'a' })
        assertFieldErrors(missing, ['firstName', 'lastName', 'email', 'userName', 'password'])
      })

      it('refuses U+0000 and lone surrogates in any field', async () => {
        /** A valid body as JSON text with one field's value replaced by a raw JSON string literal. */
        const withRaw = (field: string, literal: string) => {
          const { [field]: _dropped, ...rest } = validBody()
          return `{${JSON.stringify(rest).slice(1, -1)},"${field}":${literal}}`
        }
        assertFieldErrors(await rawRegister(withRaw('firstName', '"A\\u0000"')), ['firstName'])
        assertFieldErrors(await rawRegister(withRaw('password', '"abcdefgh\\ud800"')), ['password'])
        assertFieldErrors(await rawRegister(withRaw('lastName', '"\\udc00x"')), ['lastName'])
        assertFieldErrors(await rawRegister(withRaw('email', '"a\\u0000@example.com"')), ['email'])
      })

      it('answers validation first, then the duplicate user name, then the duplicate email', async () => {
        const first = validBody()
        assert.equal((await register(first)).status, 201)
        assertFieldErrors(await register({ ...first, password: 'short' }), ['password'])
        const both = await register({ ...first, userName: String(first.userName).toUpperCase() })
        assert.equal(both.status, 409)
        assert.equal(both.body.code, 'duplicate_user_name')
        const emailOnly = await register(validBody({ email: first.email }))
        assert.equal(emailOnly.body.code, 'duplicate_email')
      })

      it('writes nothing when a registration is refused', async () => {
        const body = validBody({ password: 'password' })
        assertFieldErrors(await register(body), ['password'])
        assert.equal(await server.ctx.store.findUserByIdentifier(String(body.userName)), undefined)
        assert.equal(await server.ctx.store.findUserByIdentifier(String(body.email)), undefined)
      })
    })

    describe('concurrent registrations', () => {
      it('give exactly one 201 and 409s for one user name, never a 5xx', async () => {
        const userName = `racer_${process.pid}_${++counter}`
        const responses = await Promise.all(Array.from({ length: 10 }, () => register(validBody({ userName }))))
        assert.deepEqual(responses.map((r) => r.status).sort(), [201, ...Array(9).fill(409)])
        for (const r of responses.filter((r) => r.status === 409)) assert.equal(r.body.code, 'duplicate_user_name')
      })

      it('give exactly one 201 and 409s for one email, never a 5xx', async () => {
        const email = `racer${++counter}@example.com`
        const responses = await Promise.all(Array.from({ length: 10 }, () => register(validBody({ email }))))
        assert.deepEqual(responses.map((r) => r.status).sort(), [201, ...Array(9).fill(409)])
        for (const r of responses.filter((r) => r.status === 409)) assert.equal(r.body.code, 'duplicate_email')
      })
    })
  })
}
