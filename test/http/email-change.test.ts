import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { countEvents, eventTypes } from '../support/security-events.js'
import { linkIn, type ReceivedMail, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestResponse, type TestServer, type TokenBody } from '../support/test-app.js'

// Contract §9 (change of address) with §5 (a wrong current password is a guess) and §6 (bad input).

const MINUTE = 60_000
const JSON_TYPE = { 'content-type': 'application/json' }
/** Long enough to see a mail that should not have come; the control mails prove the sender runs. */
const QUIET_MS = 2_000

let addressCounter = 0
/** An address no account has, in mixed case (the letter case is kept, matching ignores it). */
const freshAddress = () => `Moved${++addressCounter}.${process.pid}@Example.ORG`

function assertProblem(response: TestResponse, status: number, code: string, context = ''): void {
  assert.equal(response.status, status, `${context}: ${response.text}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, context)
  assert.equal(response.body.code, code, context)
}

for (const dialect of DIALECTS) {
  describe(`change of email address (${dialect.name})`, { timeout: 180_000 }, () => {
    let sink: SmtpSink
    let server: TestServer
    before(async () => {
      sink = await startSmtpSink()
      server = await startTestServer({ dialect, env: { SMTP_URL: sink.url, LOGIN_MAX_FAILURES: '2' } })
    })
    after(async () => {
      await server.close()
      await sink.close()
    })

    const changeEmail = (pair: TokenBody | undefined, body: unknown) =>
      server.request('POST', '/api/accounts/me/email', { body, ...(pair === undefined ? {} : { token: pair.accessToken.token }) })
    const verify = (token: unknown) => server.request('POST', '/api/accounts/verify-email', { body: { token } })
    const loginStatus = async (userName: string, password: string) =>
      (await server.request('POST', '/api/auth/login', { body: { userName, password } })).status
    const me = async (pair: TokenBody) => {
      const response = await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })
      assert.equal(response.status, 200, response.text)
      return response.body as { email: string; emailVerified: boolean }
    }
    /** A registered user, signed in. */
    const signedIn = async () => {
      const user = await server.register()
      return { user, pair: await server.login(user.userName, user.password) }
    }
    /** The token of the next change link mailed to `email`. */
    const changeToken = async (email: string) => {
      const mail = await sink.nextMail(email)
      assert.match(mail.subject, /email|address/i)
      const link = linkIn(mail)
      assert.ok(link.startsWith(`${server.url}/account/verify-email#token=`), link)
      return tokenIn(link)
    }
    /** The next notice to the old address: it says what happened and carries no link. */
    const notice = async (email: string): Promise<ReceivedMail> => {
      const mail = await sink.nextMail(email)
      assert.match(mail.subject, /email|address/i)
      assert.doesNotMatch(mail.text, /http|www\.|#token=/i)
      assert.doesNotMatch(mail.html ?? '', /href|http/i)
      return mail
    }
    const noMoreMail = (email: string) => assert.rejects(sink.nextMail(email, { timeoutMs: QUIET_MS }), /no mail/)

    describe('the change', { timeout: 60_000 }, () => {
      it('mails a link to the new address and a notice without it to the old; the email changes only when the link is used', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        const asked = await changeEmail(pair, { newEmail, currentPassword: user.password })
        assert.equal(asked.status, 202, asked.text)
        assert.equal(asked.text, '')

        const token = await changeToken(newEmail)
        assert.ok(Buffer.from(token, 'base64url').length >= 32, 'at least 256 random bits')
        const told = await notice(user.email)
        assert.ok(!told.raw.includes(token), 'the notice does not carry the token')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 1)
        const pending = await me(pair)
        assert.equal(pending.email, user.email)
        assert.equal(pending.emailVerified, false)
        assert.equal(await loginStatus(newEmail, user.password), 401, 'not yet the address of the account')

        const used = await verify(token)
        assert.equal(used.status, 204, used.text)
        const changed = await me(pair)
        assert.equal(changed.email, newEmail)
        assert.equal(changed.emailVerified, true)
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_changed'), 1)
        assert.equal(await loginStatus(newEmail.toLowerCase(), user.password), 200)
        assert.equal(await loginStatus(user.email, user.password), 401)
        assert.equal(await loginStatus(user.userName, user.password), 200)
        assertProblem(await verify(token), 400, 'invalid_link', 'the link works once')
      })

      it('changes the address once under concurrent use of the link', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        const token = await changeToken(newEmail)
        await notice(user.email)
        const answers = await Promise.all(Array.from({ length: 6 }, () => verify(token)))
        assert.deepEqual(answers.map((answer) => answer.status).sort(), [204, 400, 400, 400, 400, 400])
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_changed'), 1)
        assert.equal((await me(pair)).email, newEmail)
      })

      it('keeps the link usable and the old email when another registration took the address after the link was mailed', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        const token = await changeToken(newEmail)
        await notice(user.email)

        const other = await server.register({ email: newEmail.toLowerCase() })
        assertProblem(await verify(token), 409, 'duplicate_email', 'first use')
        assertProblem(await verify(token), 409, 'duplicate_email', 'the link was not used up')
        assert.equal((await me(pair)).email, user.email)
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_changed'), 0)
        assert.equal(await loginStatus(user.email, user.password), 200)
        assert.equal(await loginStatus(newEmail, other.password), 200, 'the address is the other account\'s')
      })

      it('answers 409 too when another registration took the address as its user name after the link was mailed', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        const token = await changeToken(newEmail)
        await notice(user.email)

        await server.register({ userName: newEmail.toUpperCase() })
        assertProblem(await verify(token), 409, 'duplicate_email', 'taken as a user name')
        assert.equal((await me(pair)).email, user.email)
      })

      it('voids the reset and verification links mailed to the old address before the change', async () => {
        const { user, pair } = await signedIn()
        assert.equal((await server.request('POST', '/api/auth/password-reset/send', { body: { email: user.email } })).status, 202)
        const resetMail = await sink.nextMail(user.email)
        assert.match(resetMail.subject, /reset/i)
        const resetToken = tokenIn(linkIn(resetMail))
        assert.equal((await server.request('POST', '/api/accounts/verify-email/send', { body: { email: user.email } })).status, 202)
        const verifyMail = await sink.nextMail(user.email)
        assert.match(verifyMail.subject, /verif/i)
        const oldVerifyToken = tokenIn(linkIn(verifyMail))

        const newEmail = freshAddress()
        assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        const token = await changeToken(newEmail)
        await notice(user.email)
        assert.equal((await verify(token)).status, 204)

        const reset = await server.request('POST', '/api/auth/password-reset', { body: { token: resetToken, newPassword: 'taken over by the old mailbox' } })
        assertProblem(reset, 400, 'invalid_link', 'reset link of the old address')
        assert.equal(await loginStatus(newEmail, user.password), 200)
        assert.equal(await loginStatus(newEmail, 'taken over by the old mailbox'), 401)
        assertProblem(await verify(oldVerifyToken), 400, 'invalid_link', 'verification link of the old address')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_verified'), 0)
      })
    })

    describe('the current password', { timeout: 60_000 }, () => {
      it('a wrong one is 403 invalid_current_password, recorded as login_failed, and counted in the back-off like a failed login', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        for (let i = 0; i < 2; i++) {
          assertProblem(await changeEmail(pair, { newEmail, currentPassword: 'not my password' }), 403, 'invalid_current_password', `wrong #${i + 1}`)
        }
        assert.equal(await countEvents(server.ctx.store, user.id, 'login_failed'), 2)
        const held = await changeEmail(pair, { newEmail, currentPassword: user.password })
        assertProblem(held, 429, 'too_many_requests', 'the right password while the key waits')
        assert.match(held.headers.get('retry-after') ?? '', /^\d+$/)
        assert.equal(await loginStatus(user.userName, user.password), 429, 'login from the same client waits too')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 0)
        assert.deepEqual(sink.mailsTo(newEmail), [])
      })

      it('a single wrong one does not hold the account (control)', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        assertProblem(await changeEmail(pair, { newEmail, currentPassword: 'not my password' }), 403, 'invalid_current_password')
        assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        await changeToken(newEmail)
        assert.equal(await loginStatus(user.userName, user.password), 200)
      })

      it('an address another account has, as its email or its user name in any case, is 409 duplicate_email — only once the password is right', async () => {
        const taken = freshAddress()
        const other = await server.register({ userName: taken.toLowerCase() })
        const { user, pair } = await signedIn()
        for (const newEmail of [other.email, other.email.toUpperCase(), taken, taken.toUpperCase()]) {
          assertProblem(await changeEmail(pair, { newEmail, currentPassword: user.password }), 409, 'duplicate_email', newEmail)
        }
        assertProblem(await changeEmail(pair, { newEmail: other.email, currentPassword: 'not my password' }), 403, 'invalid_current_password', 'wrong password')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 0)
        // The control: a free address goes through, and the taken ones were mailed nothing.
        const free = freshAddress()
        assert.equal((await changeEmail(pair, { newEmail: free, currentPassword: user.password })).status, 202)
        await changeToken(free)
        await notice(user.email)
        assert.deepEqual(sink.mailsTo(other.email), [])
        assert.deepEqual(sink.mailsTo(taken), [])
        assert.equal(sink.mailsTo(user.email).length, 1)
      })
    })

    describe('limits', { timeout: 60_000 }, () => {
      it('sends at most 3 changes per account per hour, link and notice together, and a newer link voids the older', async () => {
        const { user, pair } = await signedIn()
        const addresses = [freshAddress(), freshAddress(), freshAddress(), freshAddress(), freshAddress()]
        for (const newEmail of addresses) {
          assert.equal((await changeEmail(pair, { newEmail, currentPassword: user.password })).status, 202)
        }
        const tokens = [await changeToken(addresses[0]!), await changeToken(addresses[1]!), await changeToken(addresses[2]!)]
        for (let i = 0; i < 3; i++) await notice(user.email)
        await noMoreMail(user.email)
        assert.deepEqual(sink.mailsTo(addresses[3]!), [])
        assert.deepEqual(sink.mailsTo(addresses[4]!), [])
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 3)

        assertProblem(await verify(tokens[0]), 400, 'invalid_link', 'voided by the second')
        assertProblem(await verify(tokens[1]), 400, 'invalid_link', 'voided by the third')
        // The refused fourth and fifth voided nothing.
        assert.equal((await verify(tokens[2])).status, 204)
        assert.equal((await me(pair)).email, addresses[2])

        server.clock.advance(60 * MINUTE + 1)
        const later = await server.login(user.userName, user.password)
        const sixth = freshAddress()
        assert.equal((await changeEmail(later, { newEmail: sixth, currentPassword: user.password })).status, 202)
        await changeToken(sixth)
        await notice(addresses[2]!)
      })
    })

    describe('bad input', { timeout: 60_000 }, () => {
      it('refuses the current address in any case with validation_failed naming newEmail', async () => {
        const { user, pair } = await signedIn()
        for (const newEmail of [user.email, user.email.toUpperCase(), ` ${user.email} `]) {
          const response = await changeEmail(pair, { newEmail, currentPassword: user.password })
          assertProblem(response, 400, 'validation_failed', newEmail)
          assert.ok(Array.isArray(response.body.errors.newEmail), response.text)
        }
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 0)
      })

      it('needs a bearer token: 401 authentication_required, nothing mailed', async () => {
        const { user } = await signedIn()
        const newEmail = freshAddress()
        const response = await changeEmail(undefined, { newEmail, currentPassword: user.password })
        assertProblem(response, 401, 'authentication_required')
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="latchkey"')
        assertProblem(
          await server.request('POST', '/api/accounts/me/email', { body: { newEmail, currentPassword: user.password }, token: 'not.a.token' }),
          401,
          'invalid_token',
        )
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_change_requested'), 0)
        assert.deepEqual(sink.mailsTo(newEmail), [])
      })

      it('refuses malformed JSON, wrong types and addresses that break the grammar, mails nothing and records nothing', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        const currentPassword = user.password
        const eventsBefore = await eventTypes(server.ctx.store, user.id)
        const raw = (text: string) => server.request('POST', '/api/accounts/me/email', { rawBody: text, headers: JSON_TYPE, token: pair.accessToken.token })

        for (const text of ['{', `{"newEmail":"${newEmail}","currentPassword":"${currentPassword}"`, '{"newEmail":}', '']) {
          assertProblem(await raw(text), 400, 'invalid_json', text)
        }
        for (const text of ['[]', `["${newEmail}","${currentPassword}"]`, `"${newEmail}"`, '42', 'null']) {
          const response = await raw(text)
          assertProblem(response, 400, 'validation_failed', text)
          assert.ok(Array.isArray(response.body.errors['']), `${text}: errors[""]`)
        }
        const mistyped: [unknown, string][] = [
          [{}, 'newEmail'],
          [{ currentPassword }, 'newEmail'],
          [{ newEmail }, 'currentPassword'],
          [{ newEmail: 42, currentPassword }, 'newEmail'],
          [{ newEmail: null, currentPassword }, 'newEmail'],
          [{ newEmail: [newEmail], currentPassword }, 'newEmail'],
          [{ newEmail, currentPassword: 42 }, 'currentPassword'],
          [{ newEmail, currentPassword: null }, 'currentPassword'],
          [{ newEmail, currentPassword: '' }, 'currentPassword'],
          [{ newEmail, currentPassword: `${currentPassword}\u0000` }, 'currentPassword'],
        ]
        for (const [body, field] of mistyped) {
          const response = await changeEmail(pair, body)
          assertProblem(response, 400, 'validation_failed', JSON.stringify(body))
          assert.ok(Array.isArray(response.body.errors[field]), `${JSON.stringify(body)}: errors.${field} in ${response.text}`)
        }
        const [local, domain] = newEmail.split('@') as [string, string]
        for (const bad of ['no-at-sign', 'a@', `${local}${domain}`, `${newEmail}@`, `${'a'.repeat(255 - domain.length - 1)}@${domain}`, 'a\u0000@b.c', `${newEmail}\u0000`, '']) {
          const response = await changeEmail(pair, { newEmail: bad, currentPassword })
          assertProblem(response, 400, 'validation_failed', JSON.stringify(bad).slice(0, 40))
          assert.ok(Array.isArray(response.body.errors.newEmail), `${JSON.stringify(bad).slice(0, 40)}: errors.newEmail`)
        }
        assert.deepEqual(await eventTypes(server.ctx.store, user.id), eventsBefore)
        assert.equal(await loginStatus(user.userName, user.password), 200, 'none of it counted as a failed guess')

        // The control: the same request, well formed, is mailed — and is the only mail either address got.
        assert.equal((await changeEmail(pair, { newEmail, currentPassword })).status, 202)
        await changeToken(newEmail)
        await notice(user.email)
        assert.equal(sink.mailsTo(newEmail).length, 1)
        assert.equal(sink.mailsTo(user.email).length, 1)
      })

      it('matches member names ignoring case and ignores unknown members, as every body does (contract §2)', async () => {
        const { user, pair } = await signedIn()
        const newEmail = freshAddress()
        const response = await changeEmail(pair, { NEWEMAIL: newEmail, currentpassword: user.password, extra: 1 })
        assert.equal(response.status, 202, response.text)
        await changeToken(newEmail)
        await notice(user.email)
      })
    })
  })
}
