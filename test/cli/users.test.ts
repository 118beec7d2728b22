import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { eventTypes } from '../support/security-events.js'
import type { TestServer } from '../support/test-app.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

/** The ids this server makes: 96 random bits, base64url. */
const USER_ID = /^[A-Za-z0-9_-]{16}$/

for (const dialect of DIALECTS) {
  describe(`latchkey users (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    const env = () => ({ DATABASE_URL: database.url })
    const login = (userName: string, password: string) => server.request('POST', '/api/auth/login', { body: { userName, password } })
    const refresh = (refreshToken: string) => server.request('POST', '/api/auth/refresh', { body: { refreshToken } })
    const create = (args: string[], stdin: string) => latchkey(['users', 'create', ...args], { env: env(), stdin })

    before(async () => ({ database, server } = await serverOnFreshDatabase(dialect)))
    after(() => closeServerAndDatabase(server, database))

    it('creates a user from the options and a stdin password with one trailing newline dropped, and prints the id', async () => {
      const result = await create(['--user-name', 'cli.ada', '--email', 'ada@cli.example', '--first-name', 'Ada', '--last-name', 'L'], 'ends with newline\n\n')
      assert.equal(result.code, 0, result.stderr)
      const id = result.stdout.trim()
      assert.match(id, USER_ID)
      assert.equal(result.stdout, `${id}\n`)
      assert.equal((await login('cli.ada', 'ends with newline')).status, 401)
      const ok = await login('cli.ada', 'ends with newline\n')
      assert.equal(ok.status, 200)
      assert.equal(decodeJwt(ok.body.accessToken.token).payload.sub, id)
    })

    it('gives the new user api_access and every --role, which its access token carries', async () => {
      const args = ['--user-name', 'cli.ops', '--email', 'ops@cli.example', '--first-name', 'O', '--last-name', 'P', '--role', 'admin', '--role', 'reports:read']
      const result = await create(args, 'operations passphrase')
      assert.equal(result.code, 0, result.stderr)
      const ok = await login('cli.ops', 'operations passphrase')
      assert.deepEqual([...(decodeJwt(ok.body.accessToken.token).payload.rol as string[])].sort(), ['admin', 'api_access', 'reports:read'])
    })

    it('refuses what registration refuses: a common password, a taken name or email, a missing option, a bad role', async () => {
      const base = ['--first-name', 'B', '--last-name', 'C']
      const weak = await create(['--user-name', 'cli.weak', '--email', 'weak@cli.example', ...base], 'password\n')
      assert.equal(weak.code, 1)
      assert.match(weak.stderr, /password/)
      assert.equal(await server.ctx.store.findUserByIdentifier('cli.weak'), undefined)

      const taken = await server.register()
      const sameName = await create(['--user-name', taken.userName.toUpperCase(), '--email', 'fresh@cli.example', ...base], 'a fine passphrase')
      const sameEmail = await create(['--user-name', 'cli.fresh', '--email', taken.email.toUpperCase(), ...base], 'a fine passphrase')
      for (const result of [sameName, sameEmail]) {
        assert.equal(result.code, 1)
        assert.equal(result.stderr.trim().split('\n').length, 1)
      }
      assert.equal(await server.ctx.store.findUserByIdentifier('cli.fresh'), undefined)

      const noEmail = await create(['--user-name', 'cli.noemail', ...base], 'a fine passphrase')
      assert.equal(noEmail.code, 2)
      assert.match(noEmail.stderr, /--email/)
      const badRole = await create(['--user-name', 'cli.badrole', '--email', 'badrole@cli.example', ...base, '--role', 'Admin'], 'a fine passphrase')
      assert.equal(badRole.code, 2)
      assert.equal(await server.ctx.store.findUserByIdentifier('cli.badrole'), undefined)
    })

    it('set-password sets a new password, ends every session of the user and records password_changed', async () => {
      const user = await server.register()
      const first = await server.login(user.userName, user.password)
      const second = await server.login(user.userName, user.password)
      const result = await latchkey(['users', 'set-password', user.email.toUpperCase()], { env: env(), stdin: 'a brand new passphrase\n' })
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /ended 2 sessions/)

      for (const tokens of [first, second]) {
        const refused = await refresh(tokens.refreshToken)
        assert.equal(refused.status, 400)
        assert.equal(refused.body.code, 'invalid_grant')
      }
      await server.ctx.revocations.poll()
      const stale = await server.request('GET', '/api/protected', { token: first.accessToken.token })
      assert.equal(stale.status, 401)
      assert.equal(stale.body.code, 'invalid_token')
      assert.equal((await login(user.userName, user.password)).status, 401)
      assert.equal((await login(user.userName, 'a brand new passphrase')).status, 200)
      assert.ok((await eventTypes(server.ctx.store, user.id)).includes('password_changed'))
    })

    it('set-password refuses a password the registration rules refuse and changes nothing', async () => {
      const user = await server.register()
      const tokens = await server.login(user.userName, user.password)
      const result = await latchkey(['users', 'set-password', user.userName], { env: env(), stdin: user.userName })
      assert.equal(result.code, 1)
      assert.match(result.stderr, /password/)
      assert.equal((await refresh(tokens.refreshToken)).status, 200)
      assert.equal((await login(user.userName, user.password)).status, 200)

      const unknown = await latchkey(['users', 'set-password', 'nobody.here'], { env: env(), stdin: 'a brand new passphrase' })
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /nobody\.here/)
    })

    it('disable ends every session and makes login answer 401 invalid_credentials; enable lets the user in again', async () => {
      const user = await server.register()
      const tokens = await server.login(user.userName, user.password)
      const disabled = await latchkey(['users', 'disable', user.userName.toUpperCase()], { env: env() })
      assert.equal(disabled.code, 0, disabled.stderr)

      const refused = await refresh(tokens.refreshToken)
      assert.equal(refused.status, 400)
      assert.equal(refused.body.code, 'invalid_grant')
      const denied = await login(user.userName, user.password)
      assert.equal(denied.status, 401)
      assert.equal(denied.body.code, 'invalid_credentials')
      assert.equal((await latchkey(['users', 'disable', user.userName], { env: env() })).code, 0)

      const enabled = await latchkey(['users', 'enable', user.email], { env: env() })
      assert.equal(enabled.code, 0, enabled.stderr)
      assert.equal((await login(user.userName, user.password)).status, 200)
      assert.equal((await latchkey(['users', 'enable', 'nobody.here'], { env: env() })).code, 1)
    })

    it('writes its result to stdout and its logs to stderr', async () => {
      const user = await server.register()
      await server.login(user.userName, user.password)
      const result = await latchkey(['users', 'disable', user.userName], { env: { ...env(), LOG_LEVEL: 'info' } })
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stdout, `disabled ${user.userName}; ended 1 session\n`)
      const logs = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event?: string })
      assert.ok(logs.some((line) => line.event === 'session_ended'))
    })
  })
}
