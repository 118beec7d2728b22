import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import type { TestServer } from '../support/test-app.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

for (const dialect of DIALECTS) {
  describe(`latchkey roles (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    const roles = (action: 'grant' | 'revoke', user: string, role: string) => latchkey(['roles', action, user, role], { env: { DATABASE_URL: database.url } })
    const refresh = (refreshToken: string) => server.request('POST', '/api/auth/refresh', { body: { refreshToken } })
    const protectedCall = (token: string) => server.request('GET', '/api/protected', { token })
    const rolesChangedCount = (userId: string) => countEvents(server.ctx.store, userId, 'roles_changed')

    before(async () => ({ database, server } = await serverOnFreshDatabase(dialect)))
    after(() => closeServerAndDatabase(server, database))

    it('grants a role, once, that the next refreshed access token carries, and records roles_changed', async () => {
      const user = await server.register()
      const tokens = await server.login(user.userName, user.password)
      const granted = await roles('grant', user.email.toUpperCase(), 'reports:read')
      assert.equal(granted.code, 0, granted.stderr)
      assert.equal((await roles('grant', user.userName, 'reports:read')).code, 0)
      assert.equal(await rolesChangedCount(user.id), 1)

      const refreshed = await refresh(tokens.refreshToken)
      assert.equal(refreshed.status, 200)
      assert.ok((decodeJwt(refreshed.body.accessToken.token).payload.rol as string[]).includes('reports:read'))
      assert.ok(!(decodeJwt(tokens.accessToken.token).payload.rol as string[]).includes('reports:read'))
    })

    it('revoking a role the user has ends the sessions, so a live access token fails after the revocation poll', async () => {
      const user = await server.register()
      assert.equal((await roles('grant', user.userName, 'admin')).code, 0)
      const tokens = await server.login(user.userName, user.password)
      assert.equal((await protectedCall(tokens.accessToken.token)).status, 200)

      const revoked = await roles('revoke', user.userName, 'admin')
      assert.equal(revoked.code, 0, revoked.stderr)
      assert.match(revoked.stdout, /ended 1 session/)
      await server.ctx.revocations.poll()
      const stale = await protectedCall(tokens.accessToken.token)
      assert.equal(stale.status, 401)
      assert.equal(stale.body.code, 'invalid_token')
      assert.equal((await refresh(tokens.refreshToken)).body.code, 'invalid_grant')
      assert.deepEqual(await server.ctx.store.listRoles(user.id), ['api_access'])
      assert.equal(await rolesChangedCount(user.id), 2)
    })

    it('revoking a role the user lacks changes nothing and ends no session', async () => {
      const user = await server.register()
      const tokens = await server.login(user.userName, user.password)
      const result = await roles('revoke', user.userName, 'admin')
      assert.equal(result.code, 0, result.stderr)
      await server.ctx.revocations.poll()
      assert.equal((await protectedCall(tokens.accessToken.token)).status, 200)
      assert.equal((await refresh(tokens.refreshToken)).status, 200)
      assert.equal(await rolesChangedCount(user.id), 0)
    })

    it('refuses a role name outside [a-z0-9_.:-]{1,64}, an unknown user and a missing argument', async () => {
      const user = await server.register()
      for (const role of ['Admin', 'has space', 'x'.repeat(65)]) {
        const result = await roles('grant', user.userName, role)
        assert.notEqual(result.code, 0)
        assert.equal(result.stderr.trim().split('\n').length, 1)
      }
      assert.deepEqual(await server.ctx.store.listRoles(user.id), ['api_access'])
      const unknown = await roles('grant', 'nobody.here', 'admin')
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /nobody\.here/)
      assert.equal((await latchkey(['roles', 'grant', user.userName], { env: { DATABASE_URL: database.url } })).code, 2)
    })
  })
}
