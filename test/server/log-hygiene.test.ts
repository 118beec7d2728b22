import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hashRefreshToken } from '../../src/crypto/refresh-tokens.js'
import { latchkey } from '../cli/run-latchkey.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { type ListeningServer, startServerProcess } from '../support/spawn-server.js'

const KEY_ENCRYPTION_KEY = 'log-hygiene key-encryption key, 32+ chars'
const PASSWORDS = {
  registered: 'registered passphrase 1',
  wrong: 'wrong guess passphrase 2',
  changed: 'changed passphrase 3',
  created: 'cli created passphrase 4',
  set: 'operator set passphrase 5',
}

for (const dialect of DIALECTS) {
  describe(`logs carry no secret (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: ListeningServer
    const cliOutput: string[] = []
    const secrets = new Set<string>([KEY_ENCRYPTION_KEY, ...Object.values(PASSWORDS)])
    const env = () => ({ DATABASE_URL: database.url, KEY_ENCRYPTION_KEY, LOG_LEVEL: 'debug' })

    before(async () => {
      database = await dialect.create()
      server = await startServerProcess(env())
    })
    after(async () => {
      await server.kill()
      await database.drop()
    })

    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = { 'x-request-id': `hygiene-${method}-${path.replaceAll('/', '.')}` }
      if (body !== undefined) headers['content-type'] = 'application/json'
      if (token !== undefined) headers.authorization = `Bearer ${token}`
      const response = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await response.text()
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) } // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    const remember = (pair: { accessToken: { token: string }; refreshToken: string }) => {
      secrets.add(pair.accessToken.token)
      secrets.add(pair.refreshToken)
      secrets.add(hashRefreshToken(pair.refreshToken))
    }

    it('goes through every flow that handles a secret, CLI included', async () => {
      const user = { firstName: 'Log', lastName: 'Hygiene', email: 'hygiene@example.com', userName: 'hygiene', password: PASSWORDS.registered }
      assert.equal((await call('POST', '/api/accounts', user)).status, 201)
      assert.equal((await call('POST', '/api/auth/login', { userName: 'hygiene', password: PASSWORDS.wrong })).status, 401)
      assert.equal((await call('POST', '/api/auth/login', { userName: 'nobody-such', password: PASSWORDS.wrong })).status, 401)
      const login = await call('POST', '/api/auth/login', { userName: 'hygiene', password: PASSWORDS.registered })
      assert.equal(login.status, 200)
      remember(login.body as never)
      const refreshed = await call('POST', '/api/auth/refreshtoken', { refreshToken: login.body?.refreshToken, accessToken: login.body?.accessToken.token })
      assert.equal(refreshed.status, 200)
      remember(refreshed.body as never)
      assert.equal((await call('GET', '/api/protected?access_token=' + String(refreshed.body?.accessToken.token), undefined, refreshed.body?.accessToken.token)).status, 200)
      // Reuse after the grace is simulated by presenting an ancestor once its successor was used.
      const second = await call('POST', '/api/auth/refreshtoken', { refreshToken: refreshed.body?.refreshToken })
      assert.equal(second.status, 200)
      remember(second.body as never)
      assert.equal((await call('POST', '/api/auth/refreshtoken', { refreshToken: login.body?.refreshToken })).status, 400)
      const again = await call('POST', '/api/auth/login', { userName: 'hygiene', password: PASSWORDS.registered })
      remember(again.body as never)
      assert.equal((await call('POST', '/api/accounts/me/password', { currentPassword: PASSWORDS.registered, newPassword: PASSWORDS.changed }, again.body?.accessToken.token)).status, 204)
      assert.equal((await call('POST', '/api/auth/logout', { refreshToken: again.body?.refreshToken })).status, 204)

      const run = async (args: string[], stdin?: string) => {
        const result = await latchkey(args, { env: env(), ...(stdin === undefined ? {} : { stdin }) })
        cliOutput.push(result.stdout, result.stderr)
        assert.equal(result.code, 0, result.stderr)
      }
      await run(['users', 'create', '--user-name', 'cli.hygiene', '--email', 'cli.hygiene@example.com', '--first-name', 'C', '--last-name', 'L'], PASSWORDS.created)
      await run(['users', 'set-password', 'cli.hygiene'], PASSWORDS.set)
      await run(['users', 'disable', 'cli.hygiene'])
      await run(['roles', 'grant', 'hygiene', 'auditor'])
      await run(['keys', 'rotate'])
      await run(['sessions', 'prune'])
    })

    it('writes only JSON lines to stdout, each request line with its request id', () => {
      const lines = server.stdout().split('\n').filter((line) => line !== '')
      assert.ok(lines.length > 20, `${lines.length} lines`)
      for (const line of lines) {
        const entry = JSON.parse(line) as { requestId?: unknown; req?: unknown; res?: unknown }
        if (entry.req !== undefined || entry.res !== undefined) assert.equal(typeof entry.requestId, 'string', line)
      }
      assert.ok(lines.some((line) => line.includes('"requestId":"hygiene-POST-.api.auth.login"')), 'the caller\'s request id is in the log')
    })

    it('never writes a password, token, refresh-token hash, password hash, private key or the key-encryption key', () => {
      const everything = [server.stdout(), server.stderr(), ...cliOutput].join('\n')
      for (const secret of secrets) assert.ok(!everything.includes(secret), `a secret of ${secret.length} characters reached a log`)
      for (const marker of ['$argon2id$', 'PRIVATE KEY', 'sealed:v1:', 'access_token=']) assert.ok(!everything.includes(marker), `${marker} reached a log`)
    })
  })
}
