import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { startTestServer, type TestServer, type TokenBody } from '../support/test-app.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

// Contract §8 `users verify-email`, and §9: users the CLI creates count as verified.

for (const dialect of DIALECTS) {
  describe(`latchkey users verify-email (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    const env = () => ({ DATABASE_URL: database.url })
    const verifyEmail = (...args: string[]) => latchkey(['users', 'verify-email', ...args], { env: env() })
    const login = (userName: string, password: string, on = server) => on.request('POST', '/api/auth/login', { body: { userName, password } })
    const emailVerified = async (pair: TokenBody): Promise<boolean> => {
      const response = await server.request('GET', '/api/accounts/me', { token: pair.accessToken.token })
      assert.equal(response.status, 200, response.text)
      return response.body.emailVerified as boolean
    }
    const oneLine = (text: string) => text.trim().split('\n').length === 1 && text.trim() !== ''

    before(async () => ({ database, server } = await serverOnFreshDatabase(dialect)))
    after(() => closeServerAndDatabase(server, database))

    it('verifies the address of a user named by user name or by email, in any case, and prints one line', async () => {
      for (const identify of [(u: { userName: string }) => u.userName.toUpperCase(), (u: { email: string }) => u.email.toUpperCase()]) {
        const user = await server.register()
        const pair = await server.login(user.userName, user.password)
        assert.equal(await emailVerified(pair), false)
        const result = await verifyEmail(identify(user))
        assert.equal(result.code, 0, result.stderr)
        assert.ok(oneLine(result.stdout), result.stdout)
        assert.match(result.stdout, new RegExp(user.userName.replace(/[.+]/g, '\\$&')))
        assert.equal(await emailVerified(pair), true)
      }
    })

    it('is idempotent: a second run exits 0 and says the address was already verified', async () => {
      const user = await server.register()
      const first = await verifyEmail(user.userName)
      assert.equal(first.code, 0, first.stderr)
      assert.doesNotMatch(first.stdout, /already/)
      const second = await verifyEmail(user.email)
      assert.equal(second.code, 0, second.stderr)
      assert.ok(oneLine(second.stdout), second.stdout)
      assert.match(second.stdout, /already/)
      assert.equal(await emailVerified(await server.login(user.userName, user.password)), true)
    })

    it('exits non-zero with a one-line reason for an unknown user', async () => {
      const result = await verifyEmail('nobody.here')
      assert.notEqual(result.code, 0)
      assert.equal(result.stdout, '')
      assert.ok(oneLine(result.stderr), result.stderr)
      assert.match(result.stderr, /nobody\.here/)
    })

    it('exits non-zero without a USER or with more than one, and verifies nothing', async () => {
      const user = await server.register()
      for (const args of [[], [user.userName, 'extra'], [user.userName, user.email]]) {
        const result = await verifyEmail(...args)
        assert.notEqual(result.code, 0, `${args.join(' ')}: ${result.stdout}`)
        assert.ok(oneLine(result.stderr), result.stderr)
      }
      assert.equal(await emailVerified(await server.login(user.userName, user.password)), false)
    })

    it('users create makes a verified user', async () => {
      const n = `${process.pid}`
      const created = await latchkey(
        ['users', 'create', '--user-name', `cli.made.${n}`, '--email', `made.${n}@cli.example`, '--first-name', 'M', '--last-name', 'D'],
        { env: env(), stdin: 'created by the operator\n' },
      )
      assert.equal(created.code, 0, created.stderr)
      assert.equal(await emailVerified(await server.login(`cli.made.${n}`, 'created by the operator')), true)
    })

    describe('under EMAIL_VERIFICATION=required', { timeout: 60_000 }, () => {
      let required: TestServer
      before(async () => {
        required = await startTestServer({ dialect, database, clock: new FakeClock(Date.now()), env: { EMAIL_VERIFICATION: 'required', RATE_LIMIT_PER_MINUTE: '0' } })
      })
      after(() => required.close())

      it('a user the CLI created logs in; one registered over HTTP does not until verify-email vouches for it', async () => {
        const n = `${process.pid}`
        const created = await latchkey(
          ['users', 'create', '--user-name', `cli.req.${n}`, '--email', `req.${n}@cli.example`, '--first-name', 'R', '--last-name', 'Q'],
          { env: env(), stdin: 'created under required' },
        )
        assert.equal(created.code, 0, created.stderr)
        assert.equal((await login(`cli.req.${n}`, 'created under required', required)).status, 200)

        const user = await required.register()
        const refused = await login(user.userName, user.password, required)
        assert.equal(refused.status, 403, refused.text)
        assert.equal(refused.body.code, 'email_not_verified')

        const vouched = await verifyEmail(user.email)
        assert.equal(vouched.code, 0, vouched.stderr)
        const ok = await login(user.userName, user.password, required)
        assert.equal(ok.status, 200, ok.text)
      })
    })
  })
}
