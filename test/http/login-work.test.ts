import { takePbkdf2Runs } from '../support/count-pbkdf2.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createPasswordHasher } from '../../src/crypto/password-hasher.js'
import { latchkey } from '../cli/run-latchkey.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { countingPool } from '../support/counting-pool.js'
import { FakeClock } from '../support/fake-clock.js'
import { identityV2, identityV3Sha512 } from '../support/identity-hashes.js'
import { startTestServer, TESTS_QUEUE_WAIT_MS, type TestServer } from '../support/test-app.js'

const PASSWORD = 'the account password'
const GUESS = 'a wrong guess'

for (const dialect of DIALECTS) {
  describe(`a failed login costs the same work whoever it names (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    let dir: string
    const pool = countingPool()
    before(async () => {
      database = await dialect.create()
      server = await startTestServer({
        dialect,
        database,
        clock: new FakeClock(Date.now()),
        hasher: createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS, startPool: pool.startPool }),
        env: { LOGIN_MAX_FAILURES: '100' },
      })
      dir = mkdtempSync(join(tmpdir(), 'latchkey-work-'))
      const path = join(dir, 'import.json')
      writeFileSync(
        path,
        JSON.stringify([
          { userName: 'legacy.v2', email: 'v2@example.com', passwordHash: identityV2(PASSWORD).hash },
          { userName: 'legacy.v3', email: 'v3@example.com', passwordHash: identityV3Sha512(PASSWORD, 100_000).hash },
        ]),
      )
      const imported = await latchkey(['users', 'import', path], { env: { DATABASE_URL: database.url } })
      assert.equal(imported.code, 0, imported.stderr)
      await server.ctx.legacyProfiles.refresh()
      await server.register({ userName: 'native.user', email: 'native@example.com', password: PASSWORD })
    })
    after(async () => {
      await server.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    /** The argon2 calls and PBKDF2 runs one login made. */
    async function workOf(userName: string, password: string) {
      takePbkdf2Runs()
      const before = { ...pool.calls }
      const response = await server.request('POST', '/api/auth/login', { body: { userName, password } })
      return {
        status: response.status,
        work: { argon2Verify: pool.calls.verify - before.verify, argon2Hash: pool.calls.hash - before.hash, pbkdf2: takePbkdf2Runs() },
      }
    }

    it('runs argon2id once and each imported PBKDF2 profile once for an unknown user, a native and an imported account', async () => {
      const unknown = await workOf('nobody.here', GUESS)
      assert.equal(unknown.status, 401)
      assert.deepEqual(unknown.work, { argon2Verify: 1, argon2Hash: 0, pbkdf2: ['sha1×1000', 'sha512×100000'] })
      for (const userName of ['native.user', 'legacy.v2', 'legacy.v3', 'V2@EXAMPLE.COM']) {
        const wrong = await workOf(userName, GUESS)
        assert.equal(wrong.status, 401, userName)
        assert.deepEqual(wrong.work, unknown.work, `${userName} costs what an unknown user costs`)
      }
      // The right password of a native account: the same verification work (and then a session).
      const native = await workOf('native.user', PASSWORD)
      assert.equal(native.status, 200)
      assert.deepEqual(native.work, unknown.work)
    })

    it('stops paying for a profile once no imported hash of it is left', async () => {
      // legacy.v2's first login upgrades its hash; the prune then forgets the sha1 profile.
      assert.equal((await workOf('legacy.v2', PASSWORD)).status, 200)
      assert.equal(await server.ctx.store.pruneLegacyHashProfiles(), 1)
      await server.ctx.legacyProfiles.refresh()
      assert.deepEqual((await workOf('nobody.here', GUESS)).work.pbkdf2, ['sha512×100000'])
      assert.deepEqual((await workOf('native.user', GUESS)).work.pbkdf2, ['sha512×100000'])
      assert.deepEqual((await workOf('legacy.v3', GUESS)).work.pbkdf2, ['sha512×100000'])
    })
  })
}
