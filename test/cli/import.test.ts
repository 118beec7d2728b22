import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { identityV2, identityV3Sha512 } from '../support/identity-hashes.js'
import { decodeJwt } from '../support/jwt.js'
import { startTestServer, type TestServer } from '../support/test-app.js'
import { latchkey } from './run-latchkey.js'

/** The ASP.NET Core sample's seeded user: PBKDF2-HMAC-SHA256, 10,000 iterations (Identity v3). */
const SAMPLE = {
  userName: 'mmacneil',
  password: 'Pa$$W0rd1',
  hash: 'AQAAAAEAACcQAAAAEKQBX+Qqr/M3qmEcoM3Y/M/8XtVKZ9RnaiXlamue6MIuhOoYONHS7BUHkmOxpF/X3w==',
}

for (const dialect of DIALECTS) {
  describe(`latchkey users import (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    let dir: string
    let file = 0
    const env = () => ({ DATABASE_URL: database.url })
    const writeImport = (rows: unknown) => {
      const path = join(dir, `import-${++file}.json`)
      writeFileSync(path, JSON.stringify(rows))
      return path
    }
    const login = (userName: string, password: string) => server.request('POST', '/api/auth/login', { body: { userName, password } })
    const storedHash = async (userName: string) => (await server.ctx.store.findUserByIdentifier(userName))?.passwordHash ?? ''

    before(async () => {
      database = await dialect.create()
      server = await startTestServer({ dialect, database, clock: new FakeClock(Date.now()), env: { RATE_LIMIT_PER_MINUTE: '0' } })
      dir = mkdtempSync(join(tmpdir(), 'latchkey-import-'))
    })
    after(async () => {
      await server.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it("imports the sample's mmacneil, who logs in with the old password, after which the stored hash is argon2id", async () => {
      const path = writeImport([{ UserName: SAMPLE.userName, Email: 'mark@fullstackmark.com', PasswordHash: SAMPLE.hash, FirstName: 'Mark', LastName: 'Macneil' }])
      const result = await latchkey(['users', 'import', path], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^imported 1 user\n$/)

      const wrapped = await storedHash(SAMPLE.userName)
      assert.ok(wrapped.startsWith('$identity$'))
      assert.ok(!wrapped.includes(SAMPLE.hash) && !wrapped.includes(Buffer.from(SAMPLE.hash, 'base64').subarray(29).toString('base64')))

      const wrong = await login(SAMPLE.userName, 'Pa$$W0rd2')
      assert.equal(wrong.status, 401)
      assert.equal(wrong.body.code, 'invalid_credentials')
      const ok = await login(SAMPLE.userName, SAMPLE.password)
      assert.equal(ok.status, 200)
      assert.ok((decodeJwt(ok.body.accessToken.token).payload.rol as string[]).includes('api_access'))
      assert.match(await storedHash(SAMPLE.userName), /^\$argon2id\$/)
      assert.equal((await login('MARK@fullstackmark.com', SAMPLE.password)).status, 200)
      // Contract §9: imported users count as verified.
      const me = await server.request('GET', '/api/accounts/me', { token: ok.body.accessToken.token })
      assert.equal(me.body.emailVerified, true)
    })

    it('accepts v2 (SHA-1 × 1,000) and v3 SHA-512 × 100,000 hashes, never storing the legacy hash bare', async () => {
      const v2 = identityV2('old v2 secret')
      const v3 = identityV3Sha512('old v3 secret ✓', 100_000)
      const path = writeImport([
        { userName: 'legacy.v2', email: 'v2@legacy.example', passwordHash: v2.hash },
        { userName: 'legacy.v3', email: 'v3@legacy.example', passwordHash: v3.hash },
      ])
      const result = await latchkey(['users', 'import', path], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /imported 2 users/)

      for (const [userName, legacy, password] of [['legacy.v2', v2, 'old v2 secret'], ['legacy.v3', v3, 'old v3 secret ✓']] as const) {
        const stored = await storedHash(userName)
        for (const bare of [legacy.hash, legacy.subkey.toString('base64'), legacy.subkey.toString('base64url'), legacy.subkey.toString('hex')]) {
          assert.ok(!stored.includes(bare), `${userName}'s stored hash contains the legacy hash`)
        }
        const wrong = await login(userName, `${password}!`)
        assert.equal(wrong.status, 401)
        assert.equal(wrong.body.code, 'invalid_credentials')
        assert.equal((await login(userName, password)).status, 200)
        assert.match(await storedHash(userName), /^\$argon2id\$/)
      }
    })

    it('stores absent names as empty strings, keeps the given roles and adds api_access', async () => {
      const path = writeImport([{ userName: 'nameless', EMAIL: 'nameless@legacy.example', passwordhash: identityV2('x').hash, roles: ['admin'] }])
      const result = await latchkey(['users', 'import', path], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      const user = await server.ctx.store.findUserByIdentifier('nameless')
      assert.equal(user?.firstName, '')
      assert.equal(user?.lastName, '')
      assert.deepEqual(await server.ctx.store.listRoles(user?.id ?? ''), ['admin', 'api_access'])
    })

    it('aborts the whole import on bad rows naming each by position and user name, and --skip-invalid imports the rest naming the skipped', async () => {
      const existing = await server.register()
      const path = writeImport([
        { userName: 'fine.one', email: 'fine.one@legacy.example', passwordHash: identityV2('x').hash },
        { userName: 'broken.hash', email: 'broken@legacy.example', passwordHash: 'AQAAAAEAACcQ' },
        { userName: 'no.email', passwordHash: identityV2('x').hash },
        { userName: 'FINE.ONE', email: 'other@legacy.example', passwordHash: identityV2('x').hash },
        { userName: existing.email.toUpperCase(), email: 'clash@legacy.example', passwordHash: identityV2('x').hash },
        { userName: 'fine.two', email: existing.email, passwordHash: identityV2('x').hash },
      ])
      const result = await latchkey(['users', 'import', path], { env: env() })
      assert.notEqual(result.code, 0)
      const reason = result.stderr.trim()
      assert.equal(reason.split('\n').length, 1)
      for (const [position, userName] of [[2, 'broken.hash'], [3, 'no.email'], [4, 'FINE.ONE'], [5, existing.email.toUpperCase()], [6, 'fine.two']]) {
        assert.match(reason, new RegExp(`row ${position} \\("${String(userName).replace(/[.+]/g, '\\$&')}"\\)`))
      }
      assert.doesNotMatch(reason, /row 1 /)
      assert.equal(await server.ctx.store.findUserByIdentifier('fine.one'), undefined)

      const skipping = await latchkey(['users', 'import', '--skip-invalid', path], { env: env() })
      assert.equal(skipping.code, 0, skipping.stderr)
      assert.match(skipping.stdout, /^imported 1 user; skipped 5: row 2 .*row 3 .*row 4 .*row 5 .*row 6 /)
      assert.notEqual(await server.ctx.store.findUserByIdentifier('fine.one'), undefined)
      assert.equal(await server.ctx.store.findUserByIdentifier('broken.hash'), undefined)
      assert.equal(await server.ctx.store.findUserByIdentifier('fine.two'), undefined)
    })

    it('refuses a file that cannot be read or is not a JSON array', async () => {
      const notArray = join(dir, 'object.json')
      writeFileSync(notArray, JSON.stringify({ userName: 'x' }))
      const notJson = join(dir, 'broken.json')
      writeFileSync(notJson, '[{"userName":')
      for (const path of [notArray, notJson, join(dir, 'missing.json')]) {
        const result = await latchkey(['users', 'import', path], { env: env() })
        assert.equal(result.code, 1)
        assert.equal(result.stderr.trim().split('\n').length, 1)
      }
      assert.equal((await latchkey(['users', 'import'], { env: env() })).code, 2)
    })
  })
}
