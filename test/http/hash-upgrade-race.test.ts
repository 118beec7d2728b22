import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setPassword } from '../../src/auth/set-password.js'
import { createPasswordHasher, type PasswordHasher } from '../../src/crypto/password-hasher.js'
import { latchkey } from '../cli/run-latchkey.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { identityV2 } from '../support/identity-hashes.js'
import { startTestServer, TESTS_QUEUE_WAIT_MS, type TestServer } from '../support/test-app.js'

const OLD_PASSWORD = 'the imported password'
const NEW_PASSWORD = 'the operator set this one'

/**
 * The real argon2id hasher (a third-party dependency), wrapped so a test can hold the next
 * `hash` — the upgrade of an imported hash at login — until it has done something meanwhile.
 */
function gatedHasher(): PasswordHasher & { holdNextHash(): { reached: Promise<void>; release(): void } } {
  const inner = createPasswordHasher({ maxQueueWaitMs: TESTS_QUEUE_WAIT_MS })
  let gate: { reached: () => void; released: Promise<void> } | undefined
  return {
    async hash(password) {
      const held = gate
      gate = undefined
      if (held !== undefined) {
        held.reached()
        await held.released
      }
      return inner.hash(password)
    },
    verify: (stored, password) => inner.verify(stored, password),
    verifyDummy: (password) => inner.verifyDummy(password),
    needsRehash: (stored) => inner.needsRehash(stored),
    close: () => inner.close(),
    holdNextHash() {
      let reached = () => {}
      let release = () => {}
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve))
      const released = new Promise<void>((resolve) => (release = resolve))
      gate = { reached, released }
      return { reached: reachedPromise, release }
    },
  }
}

for (const dialect of DIALECTS) {
  describe(`a login that upgrades an imported hash races a password set (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    let hasher: ReturnType<typeof gatedHasher>
    let dir: string
    let imported = 0
    before(async () => {
      database = await dialect.create()
      hasher = gatedHasher()
      server = await startTestServer({ dialect, database, clock: new FakeClock(Date.now()), hasher })
      dir = mkdtempSync(join(tmpdir(), 'latchkey-upgrade-'))
    })
    after(async () => {
      await server.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    async function importUser(): Promise<string> {
      const userName = `legacy.${++imported}`
      const path = join(dir, `${userName}.json`)
      writeFileSync(path, JSON.stringify([{ userName, email: `${userName}@example.com`, passwordHash: identityV2(OLD_PASSWORD).hash }]))
      const result = await latchkey(['users', 'import', path], { env: { DATABASE_URL: database.url } })
      assert.equal(result.code, 0, result.stderr)
      return userName
    }
    const login = (userName: string, password: string) => server.request('POST', '/api/auth/login', { body: { userName, password } })

    it('does not undo a password set while the login hashed: the login fails and the new password stands', async () => {
      const userName = await importUser()
      const gate = hasher.holdNextHash()
      const racing = login(userName, OLD_PASSWORD)
      await gate.reached // the login verified the old password and is hashing it anew
      const set = await setPassword(server.ctx, userName, NEW_PASSWORD, { ipAddress: null, userAgent: null })
      assert.equal(set?.userName, userName)
      gate.release()
      const raced = await racing
      assert.equal(raced.status, 401, 'the racing login gets no session')
      assert.equal(raced.body.code, 'invalid_credentials')
      assert.equal((await login(userName, OLD_PASSWORD)).status, 401, 'the old password stays replaced')
      assert.equal((await login(userName, NEW_PASSWORD)).status, 200, 'the operator\'s password stands')
    })

    it('gives two concurrent first logins a 200 each, or a 200 and a clean 401: never a 5xx', async () => {
      for (let round = 0; round < 3; round++) {
        const userName = await importUser()
        const statuses = (await Promise.all([login(userName, OLD_PASSWORD), login(userName, OLD_PASSWORD)])).map((response) => response.status).sort()
        assert.ok(JSON.stringify(statuses) === '[200,200]' || JSON.stringify(statuses) === '[200,401]', JSON.stringify(statuses))
        assert.equal((await login(userName, OLD_PASSWORD)).status, 200, 'the upgraded hash still takes the password')
        assert.match((await server.ctx.store.findUserByIdentifier(userName))?.passwordHash ?? '', /^\$argon2id\$/)
      }
    })
  })
}
