import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS } from '../support/dialects.js'
import { countEvents } from '../support/security-events.js'
import { linkIn, type SmtpSink, startSmtpSink, tokenIn } from '../support/smtp-sink.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const MINUTE = 60_000

for (const dialect of DIALECTS) {
  describe(`password reset by mail (${dialect.name})`, { timeout: 180_000 }, () => {
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

    const askReset = (email: string) => server.request('POST', '/api/auth/password-reset/send', { body: { email } })
    const reset = (token: unknown, newPassword: unknown) => server.request('POST', '/api/auth/password-reset', { body: { token, newPassword } })
    const loginStatus = async (userName: string, password: string) =>
      (await server.request('POST', '/api/auth/login', { body: { userName, password } })).status
    const resetToken = async (email: string) => {
      const mail = await sink.nextMail(email)
      assert.match(mail.subject, /reset/i)
      return tokenIn(linkIn(mail))
    }

    it('mails a link to the reset page; the new password works, the old one and every session end', async () => {
      const user = await server.register()
      const sessions = [await server.login(user.userName, user.password), await server.login(user.userName, user.password)]
      const asked = await askReset(user.email.toUpperCase())
      assert.equal(asked.status, 202)
      assert.equal(asked.text, '')
      const mail = await sink.nextMail(user.email)
      const link = linkIn(mail)
      assert.ok(link.startsWith(`${server.url}/account/reset-password#token=`), link)
      const token = tokenIn(link)
      assert.ok(Buffer.from(token, 'base64url').length >= 32, 'at least 256 random bits')
      // The link is in the fragment only: no query string a server log would keep.
      assert.equal(new URL(link).search, '')

      assert.equal((await reset(token, 'a brand new passphrase')).status, 204)
      assert.equal(await loginStatus(user.userName, user.password), 401)
      assert.equal(await loginStatus(user.userName, 'a brand new passphrase'), 200)
      for (const pair of sessions) {
        assert.equal((await server.request('GET', '/api/protected', { token: pair.accessToken.token })).status, 401)
        assert.equal((await server.request('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })).status, 400)
      }
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_reset_requested'), 1)
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_reset'), 1)
      assert.equal(await countEvents(server.ctx.store, user.id, 'session_ended'), 2)
      // The reset proved the address.
      const pair = await server.login(user.userName, 'a brand new passphrase')
      assert.equal((await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })).body.emailVerified, true)
    })

    it('works once', async () => {
      const user = await server.register()
      await askReset(user.email)
      const token = await resetToken(user.email)
      assert.equal((await reset(token, 'first new passphrase')).status, 204)
      const again = await reset(token, 'second new passphrase')
      assert.equal(again.status, 400)
      assert.equal(again.body.code, 'invalid_link')
      assert.equal(await loginStatus(user.userName, 'first new passphrase'), 200)
    })

    it('lives 30 minutes', async () => {
      const user = await server.register()
      await askReset(user.email)
      const token = await resetToken(user.email)
      server.clock.advance(30 * MINUTE)
      assert.equal((await reset(token, 'too late a passphrase')).body.code, 'invalid_link')
      await askReset(user.email)
      const fresh = await resetToken(user.email)
      server.clock.advance(30 * MINUTE - 1)
      assert.equal((await reset(fresh, 'just in time passphrase')).status, 204)
    })

    it('is voided by a newer link and by any password change', async () => {
      const user = await server.register()
      await askReset(user.email)
      const older = await resetToken(user.email)
      await askReset(user.email)
      const newer = await resetToken(user.email)
      assert.equal((await reset(older, 'from the older link')).body.code, 'invalid_link')

      const pair = await server.login(user.userName, user.password)
      const changed = await server.request('POST', '/api/accounts/me/password', {
        body: { currentPassword: user.password, newPassword: 'changed while signed in' },
        token: pair.accessToken.token,
      })
      assert.equal(changed.status, 204)
      assert.equal((await reset(newer, 'from the newer link')).body.code, 'invalid_link')
      assert.equal(await loginStatus(user.userName, 'changed while signed in'), 200)
    })

    it('voids a pending change of address (asked for from a session the owner takes back)', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      const newEmail = `taken-over.${user.userName}@example.net`
      const asked = await server.request('POST', '/api/accounts/me/email', { body: { newEmail, currentPassword: user.password }, token: pair.accessToken.token })
      assert.equal(asked.status, 202)
      const changeToken = tokenIn(linkIn(await sink.nextMail(newEmail)))
      await sink.nextMail(user.email) // the notice to the old address
      await askReset(user.email)
      assert.equal((await reset(await resetToken(user.email), 'owner takes it back')).status, 204)
      const used = await server.request('POST', '/api/accounts/verify-email', { body: { token: changeToken } })
      assert.equal(used.body.code, 'invalid_link')
      const me = await server.login(user.userName, 'owner takes it back')
      assert.equal((await server.request('GET', '/api/accounts/me', { token: me.accessToken.token })).body.email, user.email)
    })

    it('keeps the link when the new password is refused', async () => {
      const user = await server.register()
      await askReset(user.email)
      const token = await resetToken(user.email)
      const short = await reset(token, 'short')
      assert.equal(short.status, 400)
      assert.equal(short.body.code, 'validation_failed')
      assert.ok(Array.isArray(short.body.errors.newPassword))
      const common = await reset(token, 'password123')
      assert.equal(common.body.code, 'validation_failed')
      assert.equal((await reset(token, 'a fine new passphrase')).status, 204)
    })

    it('clears the back-off of the account', async () => {
      const user = await server.register()
      for (let i = 0; i < 2; i++) assert.equal(await loginStatus(user.userName, 'wrong password!'), 401)
      assert.equal(await loginStatus(user.userName, user.password), 429, 'control: the back-off holds the account')
      await askReset(user.email)
      assert.equal((await reset(await resetToken(user.email), 'after the reset phrase')).status, 204)
      assert.equal(await loginStatus(user.userName, 'after the reset phrase'), 200)
    })

    it('sends nothing for an unknown or disabled address, and answers the same', async () => {
      const unknown = await askReset('nobody-here@example.com')
      assert.equal(unknown.status, 202)
      assert.equal(unknown.text, '')
      const user = await server.register()
      await server.ctx.store.setUserDisabled(user.id, server.clock.now())
      const disabled = await askReset(user.email)
      assert.equal(disabled.status, 202)
      // A mail to a known address proves the sender is running (the control), and nothing else came.
      const control = await server.register()
      await askReset(control.email)
      await sink.nextMail(control.email)
      assert.deepEqual(sink.mailsTo('nobody-here@example.com'), [])
      assert.deepEqual(sink.mailsTo(user.email), [])
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_reset_requested'), 0)
    })

    it('sends at most 3 reset mails per account per hour, and answers 202 beyond', async () => {
      const user = await server.register()
      for (let i = 0; i < 5; i++) assert.equal((await askReset(user.email)).status, 202)
      const tokens = [await resetToken(user.email), await resetToken(user.email), await resetToken(user.email)]
      await assert.rejects(sink.nextMail(user.email, { timeoutMs: 2_000 }), /no mail/)
      assert.equal(await countEvents(server.ctx.store, user.id, 'password_reset_requested'), 3)
      // The refused requests voided nothing: the third link still works.
      assert.equal((await reset(tokens[2], 'third link passphrase')).status, 204)
      server.clock.advance(60 * MINUTE + 1)
      await askReset(user.email)
      await resetToken(user.email)
    })

    it('refuses tokens that are not live, of any length or alphabet, and writes nothing', async () => {
      for (const token of ['', 'x', 'A'.repeat(43), '💥'.repeat(100), 'a'.repeat(10_000), '../../etc/passwd', 'token with spaces']) {
        const response = await reset(token, 'whatever passphrase here')
        assert.equal(response.status, 400)
        assert.equal(response.body.code, 'invalid_link', `token ${token.slice(0, 20)}`)
      }
      for (const token of [42, null, ['a'], { a: 1 }, true]) {
        const response = await reset(token, 'whatever passphrase here')
        assert.equal(response.status, 400)
        assert.equal(response.body.code, 'validation_failed')
      }
    })
  })
}
