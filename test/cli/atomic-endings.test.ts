import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { type Database, openDatabase } from '../../src/persistence/database.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { injectFault } from '../support/inject-fault.js'
import type { TestServer } from '../support/test-app.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

for (const dialect of DIALECTS) {
  describe(`a user change and the end of the user's sessions commit together (${dialect.name})`, { timeout: 120_000 }, () => {
    let testDatabase: TestDatabase
    let server: TestServer
    let database: Database
    let removeFault: (() => Promise<void>) | undefined
    const failSessionEndings = (reason: string) =>
      injectFault(dialect, testDatabase.url, { table: 'sessions', event: 'update of ended_at', when: `new.end_reason = '${reason}'`, message: 'injected fault' })
    before(async () => {
      ;({ database: testDatabase, server } = await serverOnFreshDatabase(dialect))
      database = await openDatabase(testDatabase.url)
    })
    afterEach(async () => {
      await removeFault?.()
      removeFault = undefined
    })
    after(async () => {
      await database.close()
      await closeServerAndDatabase(server, testDatabase)
    })

    const env = () => ({ DATABASE_URL: testDatabase.url })
    const refresh = (refreshToken: string) => server.request('POST', '/api/auth/refresh', { body: { refreshToken } })
    const loginStatus = async (userName: string, password: string) => (await server.request('POST', '/api/auth/login', { body: { userName, password } })).status

    it('users disable: a failure ending the sessions leaves the user enabled, not half-disabled', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      removeFault = await failSessionEndings('disabled')
      const failed = await latchkey(['users', 'disable', user.userName], { env: env() })
      assert.notEqual(failed.code, 0)
      assert.equal((await server.ctx.store.findUserById(user.id))?.disabledAt, null, 'the disable rolled back with the failed ending')
      assert.equal(await loginStatus(user.userName, user.password), 200)
      await removeFault()
      removeFault = undefined

      const done = await latchkey(['users', 'disable', user.userName], { env: env() })
      assert.equal(done.code, 0, done.stderr)
      assert.equal((await refresh(pair.refreshToken)).status, 400)
      assert.equal(await loginStatus(user.userName, user.password), 401)
    })

    it('users set-password: a failure ending the sessions leaves the old password in place', async () => {
      const user = await server.register()
      await server.login(user.userName, user.password)
      removeFault = await failSessionEndings('password_changed')
      const failed = await latchkey(['users', 'set-password', user.userName], { env: env(), stdin: 'a new operator password' })
      assert.notEqual(failed.code, 0)
      assert.equal(await loginStatus(user.userName, user.password), 200, 'the old password still works')
      assert.equal(await loginStatus(user.userName, 'a new operator password'), 401)
    })

    it('refresh refuses the tokens of a disabled user, whatever became of its sessions', async () => {
      const user = await server.register()
      const pair = await server.login(user.userName, user.password)
      // The state a lost session ending would leave: the user disabled, the session still live.
      await database.db.updateTable('users').set({ disabled_at: Date.now() }).where('id', '=', user.id).execute()
      const refused = await refresh(pair.refreshToken)
      assert.equal(refused.status, 400)
      assert.equal(refused.body.code, 'invalid_grant')
      await database.db.updateTable('users').set({ disabled_at: null }).where('id', '=', user.id).execute()
      assert.equal((await refresh(pair.refreshToken)).status, 200, 'control: the same token refreshes once the user is enabled again')
    })
  })
}
