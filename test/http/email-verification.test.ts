import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { countEvents, eventTypes } from '../support/security-events.js'
import { linkIn, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestResponse, type TestServer, type TokenBody } from '../support/test-app.js'

// Contract §9 (verification, EMAIL_VERIFICATION=required) and §6 (bad input), over real SMTP.

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const JSON_TYPE = { 'content-type': 'application/json' }
/** Long enough to see a mail that should not have come; the control mails prove the sender runs. */
const QUIET_MS = 2_000

function assertProblem(response: TestResponse, status: number, code: string, context = ''): void {
  assert.equal(response.status, status, `${context}: ${response.text}`)
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, context)
  assert.equal(response.body.code, code, context)
}

for (const dialect of DIALECTS) {
  describe(`email verification (${dialect.name})`, { timeout: 180_000 }, () => {
    let sink: SmtpSink
    /** EMAIL_VERIFICATION=optional (the default). */
    let server: TestServer
    /** EMAIL_VERIFICATION=required, on the same database and the same clock. */
    let required: TestServer
    before(async () => {
      sink = await startSmtpSink()
      server = await startTestServer({ dialect, env: { SMTP_URL: sink.url } })
      required = await startTestServer({ dialect, database: server.database, clock: server.clock, env: { SMTP_URL: sink.url, EMAIL_VERIFICATION: 'required' } })
    })
    after(async () => {
      // The first server owns the database: the second goes first.
      await required.close()
      await server.close()
      await sink.close()
    })

    const askVerification = (email: unknown, on = server) => on.request('POST', '/api/accounts/verify-email/send', { body: { email } })
    const verify = (token: unknown, on = server) => on.request('POST', '/api/accounts/verify-email', { body: { token } })
    const login = (userName: string, password: string, on = server) => on.request('POST', '/api/auth/login', { body: { userName, password } })
    const me = async (pair: TokenBody, on = server) => {
      const response = await on.request('GET', '/api/accounts/me', { token: pair.accessToken.token })
      assert.equal(response.status, 200, response.text)
      return response.body as { email: string; emailVerified: boolean }
    }
    /** The token of the next verification mail to `email`, whose link leads to `on`'s console page. */
    const verificationToken = async (email: string, on = server) => {
      const mail = await sink.nextMail(email)
      assert.match(mail.subject, /verif/i)
      const link = linkIn(mail)
      assert.ok(link.startsWith(`${on.url}/account/verify-email#token=`), link)
      assert.ok(mail.text.split(/\r?\n/).some((line) => line.includes(link)), 'the link whole on one line')
      return tokenIn(link)
    }
    const noMoreMail = (email: string) => assert.rejects(sink.nextMail(email, { timeoutMs: QUIET_MS }), /no mail/)

    describe('the link', { timeout: 60_000 }, () => {
      it('a new registration is unverified; the mailed link verifies it and records both events', async () => {
        const user = await server.register()
        const pair = await server.login(user.userName, user.password)
        assert.equal((await me(pair)).emailVerified, false)

        const asked = await askVerification(user.email.toUpperCase())
        assert.equal(asked.status, 202)
        assert.equal(asked.text, '')
        const token = await verificationToken(user.email)
        assert.ok(Buffer.from(token, 'base64url').length >= 32, 'at least 256 random bits')

        const verified = await verify(token)
        assert.equal(verified.status, 204)
        assert.equal(verified.text, '')
        assert.equal((await me(pair)).emailVerified, true)
        assert.equal(await countEvents(server.ctx.store, user.id, 'verification_sent'), 1)
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_verified'), 1)
        // Under EMAIL_VERIFICATION=optional the registration mailed nothing: the one mail is the one asked for.
        assert.equal(sink.mailsTo(user.email).length, 1)
      })

      it('works once', async () => {
        const user = await server.register()
        await askVerification(user.email)
        const token = await verificationToken(user.email)
        assert.equal((await verify(token)).status, 204)
        assertProblem(await verify(token), 400, 'invalid_link', 'second use')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_verified'), 1)
      })

      it('works once under concurrent use: one 204, the rest invalid_link, one event', async () => {
        const user = await server.register()
        await askVerification(user.email)
        const token = await verificationToken(user.email)
        const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => verify(token, i % 2 === 0 ? server : required)))
        assert.deepEqual(answers.map((answer) => answer.status).sort(), [204, 400, 400, 400, 400, 400])
        for (const answer of answers.filter((a) => a.status === 400)) assert.equal(answer.body.code, 'invalid_link')
        assert.equal(await countEvents(server.ctx.store, user.id, 'email_verified'), 1)
      })

      it('lives 24 hours', async () => {
        const user = await server.register()
        await askVerification(user.email)
        const expired = await verificationToken(user.email)
        server.clock.advance(24 * HOUR)
        assertProblem(await verify(expired), 400, 'invalid_link', 'after 24 h')

        await askVerification(user.email)
        const fresh = await verificationToken(user.email)
        server.clock.advance(24 * HOUR - 1)
        assert.equal((await verify(fresh)).status, 204)
        const pair = await server.login(user.userName, user.password)
        assert.equal((await me(pair)).emailVerified, true)
      })
    })

    describe('who gets a mail', { timeout: 60_000 }, () => {
      it('sends nothing to a verified or an unknown address, and answers the same 202', async () => {
        const verified = await server.register()
        await askVerification(verified.email)
        assert.equal((await verify(await verificationToken(verified.email))).status, 204)

        const unknownEmail = `nobody.${process.pid}@example.com`
        const answers = [await askVerification(verified.email), await askVerification(unknownEmail)]
        for (const answer of answers) {
          assert.equal(answer.status, 202)
          assert.equal(answer.text, '')
          assert.equal(answer.headers.get('content-type'), answers[0]!.headers.get('content-type'))
        }
        // The control: the sender is running and mails an unverified user asked at the same time.
        const control = await server.register()
        server.clock.advance(1)
        await askVerification(control.email)
        await verificationToken(control.email)
        await noMoreMail(verified.email)
        assert.deepEqual(sink.mailsTo(unknownEmail), [])
        assert.equal(await countEvents(server.ctx.store, verified.id, 'verification_sent'), 1)
      })

      it('sends at most 3 verification mails per account per hour, answers 202 beyond, and one more after the hour', async () => {
        const user = await server.register()
        for (let i = 0; i < 5; i++) assert.equal((await askVerification(user.email)).status, 202)
        const tokens = [await verificationToken(user.email), await verificationToken(user.email), await verificationToken(user.email)]
        await noMoreMail(user.email)
        assert.equal(await countEvents(server.ctx.store, user.id, 'verification_sent'), 3)

        server.clock.advance(HOUR + 1)
        assert.equal((await askVerification(user.email)).status, 202)
        await verificationToken(user.email)
        assert.equal(await countEvents(server.ctx.store, user.id, 'verification_sent'), 4)
        // A newer verification link does not void the earlier ones.
        assert.equal((await verify(tokens[0])).status, 204)
      })

      it('holds the hourly cap under concurrent requests, on two servers', async () => {
        const user = await server.register()
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => askVerification(user.email, i % 2 === 0 ? server : required)))
        assert.deepEqual(answers.map((answer) => answer.status), Array(8).fill(202))
        for (let i = 0; i < 3; i++) await sink.nextMail(user.email)
        await noMoreMail(user.email)
        assert.equal(await countEvents(server.ctx.store, user.id, 'verification_sent'), 3)
      })

      it('with EMAIL_VERIFICATION=required, counts the registration\'s own mail toward the 3', async () => {
        const user = await required.register()
        await verificationToken(user.email, required)
        for (let i = 0; i < 3; i++) assert.equal((await askVerification(user.email, required)).status, 202)
        await verificationToken(user.email, required)
        await verificationToken(user.email, required)
        await noMoreMail(user.email)
        assert.equal(await countEvents(required.ctx.store, user.id, 'verification_sent'), 3)
      })
    })

    describe('EMAIL_VERIFICATION=required', { timeout: 60_000 }, () => {
      it('mails a link at registration; login is 403 email_not_verified until it is used, then 200', async () => {
        const user = await required.register()
        const token = await verificationToken(user.email, required)
        assert.equal(await countEvents(required.ctx.store, user.id, 'verification_sent'), 1)

        assertProblem(await login(user.userName, user.password, required), 403, 'email_not_verified', 'right password')
        assertProblem(await login(user.email.toUpperCase(), user.password, required), 403, 'email_not_verified', 'by email')
        // Told only to someone who has the password.
        assertProblem(await login(user.userName, 'not the password at all', required), 401, 'invalid_credentials', 'wrong password')

        assert.equal((await verify(token, required)).status, 204)
        const ok = await login(user.userName, user.password, required)
        assert.equal(ok.status, 200, ok.text)
        assert.equal((await me(ok.body as TokenBody, required)).emailVerified, true)
      })

      it('keeps an existing session refreshing while refusing a new login; optional mode lets the same user in (control)', async () => {
        const user = await server.register()
        const first = await login(user.userName, user.password)
        assert.equal(first.status, 200, 'control: optional mode lets an unverified user log in')
        const pair = first.body as TokenBody
        assert.equal((await me(pair)).emailVerified, false)

        const refreshed = await required.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })
        assert.equal(refreshed.status, 200, refreshed.text)
        assertProblem(await login(user.userName, user.password, required), 403, 'email_not_verified', 'login on the required server')
        // And the session goes on from the refreshed token.
        const again = await required.request('POST', '/api/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } })
        assert.equal(again.status, 200, again.text)
      })
    })

    describe('bad input', { timeout: 60_000 }, () => {
      it('refuses malformed or mistyped bodies on both endpoints, mails nothing and records nothing', async () => {
        const user = await server.register()
        const eventsBefore = await eventTypes(server.ctx.store, user.id)
        for (const path of ['/api/accounts/verify-email/send', '/api/accounts/verify-email']) {
          const field = path.endsWith('/send') ? 'email' : 'token'
          for (const text of ['{', `{"${field}":"${user.email}"`, `{"${field}":}`, '']) {
            assertProblem(await server.request('POST', path, { rawBody: text, headers: JSON_TYPE }), 400, 'invalid_json', `${path} ${text}`)
          }
          for (const text of ['[]', `["${user.email}"]`, `"${user.email}"`, '42', 'null', 'true']) {
            const response = await server.request('POST', path, { rawBody: text, headers: JSON_TYPE })
            assertProblem(response, 400, 'validation_failed', `${path} ${text}`)
            assert.ok(Array.isArray(response.body.errors['']), `${path} ${text}: errors[""]`)
          }
          for (const body of [{}, { [field]: 42 }, { [field]: null }, { [field]: [user.email] }, { [field]: { value: user.email } }, { [field]: true }]) {
            const response = await server.request('POST', path, { body })
            assertProblem(response, 400, 'validation_failed', `${path} ${JSON.stringify(body)}`)
            assert.ok(Array.isArray(response.body.errors[field]), `${path} ${JSON.stringify(body)}: errors.${field}`)
          }
          const folded = await server.request('POST', path, { rawBody: `{"${field}":"${user.email}","${field.toUpperCase()}":"${user.email}"}`, headers: JSON_TYPE })
          assertProblem(folded, 400, 'validation_failed', `${path} two keys folding to one name`)
          const json = JSON.stringify({ [field]: user.email })
          assertProblem(await server.request('POST', path, { rawBody: json, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', `${path} text/plain`)
          const huge = JSON.stringify({ [field]: user.email, padding: 'x'.repeat(16 * 1024) })
          assertProblem(await server.request('POST', path, { rawBody: huge, headers: JSON_TYPE }), 413, 'payload_too_large', `${path} over 16 KiB`)
        }
        assert.deepEqual(await eventTypes(server.ctx.store, user.id), eventsBefore)
        // The control: a good request for the same user is mailed, and it is the only mail.
        await askVerification(user.email)
        await verificationToken(user.email)
        assert.equal(sink.mailsTo(user.email).length, 1)
      })

      it('refuses addresses that break the grammar with validation_failed naming email, and mails nothing', async () => {
        const user = await server.register()
        const eventsBefore = await eventTypes(server.ctx.store, user.id)
        const [local, domain] = user.email.split('@') as [string, string]
        const longest = `${'a'.repeat(254 - domain.length - 1)}@${domain}`
        assert.equal(longest.length, 254)
        const bad = ['no-at-sign', 'a@', '@example.com', `${local}${domain}`, `${user.email}@`, `${local}@@${domain}`, `a${longest}`, 'a\u0000@b.c', `${user.email}\u0000`, `${local} x@${domain}`, '', ' ']
        for (const email of bad) {
          const response = await askVerification(email)
          assertProblem(response, 400, 'validation_failed', JSON.stringify(email).slice(0, 40))
          assert.ok(Array.isArray(response.body.errors.email), `${JSON.stringify(email).slice(0, 40)}: errors.email`)
        }
        // 254 characters is still an address: the limit is not one short.
        assert.equal((await askVerification(longest)).status, 202)
        assert.deepEqual(await eventTypes(server.ctx.store, user.id), eventsBefore)
        // Trimmed, as registration trims: the same account gets the mail (the control).
        assert.equal((await askVerification(` ${user.email.toUpperCase()}\t`)).status, 202)
        await verificationToken(user.email)
        assert.equal(sink.mailsTo(user.email).length, 1)
      })

      it('answers a token of any length or alphabet that is not live with invalid_link, and a live one survives it', async () => {
        const user = await server.register()
        await askVerification(user.email)
        const live = await verificationToken(user.email)
        const eventsBefore = await eventTypes(server.ctx.store, user.id)
        const lookalikes = [
          '',
          ' ',
          'x',
          'a'.repeat(10_000),
          '💥'.repeat(100),
          randomBytes(32).toString('base64url'),
          'A'.repeat(43),
          '../../etc/passwd',
          `${live}x`,
          live.slice(0, -1),
          ` ${live}`,
          live.toUpperCase() === live ? live.toLowerCase() : live.toUpperCase(),
          `${server.url}/account/verify-email#token=${live}`,
        ]
        for (const token of lookalikes) assertProblem(await verify(token), 400, 'invalid_link', `token ${token.slice(0, 20)} (${token.length})`)
        assert.deepEqual(await eventTypes(server.ctx.store, user.id), eventsBefore)
        // Nothing above used the live link up, and no mail came of it.
        assert.equal((await verify(live)).status, 204)
        assert.equal(sink.mailsTo(user.email).length, 1)
      })

      it('matches member names ignoring case and ignores unknown members, as every body does (contract §2)', async () => {
        const user = await server.register()
        assert.equal((await server.request('POST', '/api/accounts/verify-email/send', { body: { EMAIL: user.email, extra: 1 } })).status, 202)
        const token = await verificationToken(user.email)
        assertProblem(await server.request('POST', '/api/accounts/verify-email', { body: { token: 'not a live token', x: 1 } }), 400, 'invalid_link', 'unknown member')
        assert.equal((await server.request('POST', '/api/accounts/verify-email', { body: { Token: token, x: 1 } })).status, 204)
      })
    })
  })
}
