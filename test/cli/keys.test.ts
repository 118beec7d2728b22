import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import type { TestServer } from '../support/test-app.js'
import { closeServerAndDatabase, latchkey, serverOnFreshDatabase } from './run-latchkey.js'

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const HS256_ENV = { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'a-test-secret-of-at-least-32-bytes!!' }

for (const dialect of DIALECTS) {
  describe(`latchkey keys (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase
    let server: TestServer
    const keys = (command: string, extraEnv: Record<string, string> = {}) =>
      latchkey(['keys', command], { env: { DATABASE_URL: database.url, ...extraEnv } })

    before(async () => ({ database, server } = await serverOnFreshDatabase(dialect)))
    after(() => closeServerAndDatabase(server, database))

    it('rotate: the new kid signs from now on and the old kid stays in the JWKS, its tokens still accepted', async () => {
      const user = await server.register()
      const before = await server.login(user.userName, user.password)
      const oldKid = decodeJwt(before.accessToken.token).header.kid

      const rotated = await keys('rotate')
      assert.equal(rotated.code, 0, rotated.stderr)
      const newKid = rotated.stdout.trim()
      assert.notEqual(newKid, oldKid)
      await server.ctx.keys.reload()

      const after = await server.login(user.userName, user.password)
      assert.equal(decodeJwt(after.accessToken.token).header.kid, newKid)
      const jwks = await server.request('GET', '/.well-known/jwks.json')
      const kids = (jwks.body.keys as { kid: string }[]).map((key) => key.kid)
      assert.ok(kids.includes(oldKid as string) && kids.includes(newKid))
      assert.equal((await server.request('GET', '/api/protected', { token: before.accessToken.token })).status, 200)
    })

    it('list prints one tab-separated line per key: kid, alg, active or retired, ISO 8601 UTC createdAt', async () => {
      const result = await keys('list')
      assert.equal(result.code, 0, result.stderr)
      const lines = result.stdout.trim().split('\n').map((line) => line.split('\t'))
      const stored = await server.ctx.store.listSigningKeys()
      assert.equal(lines.length, stored.length)
      assert.ok(lines.length >= 2)
      for (const [kid, alg, state, createdAt] of lines) {
        const key = stored.find((candidate) => candidate.kid === kid)
        assert.equal(alg, 'EdDSA')
        assert.equal(state, key?.retiredAt === null ? 'active' : 'retired')
        assert.match(createdAt ?? '', ISO_UTC)
        assert.equal(Date.parse(createdAt ?? ''), key?.createdAt)
      }
      assert.equal(lines.filter(([, , state]) => state === 'active').length, 1)
    })

    it('rotate under HS256 exits non-zero, explains rotating JWT_SECRET with JWT_SECRET_PREVIOUS, and adds no key', async () => {
      const before = (await server.ctx.store.listSigningKeys()).length
      const result = await keys('rotate', HS256_ENV)
      assert.notEqual(result.code, 0)
      assert.equal(result.stdout, '')
      assert.equal(result.stderr.trim().split('\n').length, 1)
      assert.match(result.stderr, /JWT_SECRET_PREVIOUS/)
      assert.equal((await server.ctx.store.listSigningKeys()).length, before)
    })

    it('rotate refuses a KEY_ENCRYPTION_KEY that cannot open the stored keys', async () => {
      const sealed = { KEY_ENCRYPTION_KEY: 'k'.repeat(40) }
      assert.equal((await keys('rotate', sealed)).code, 0)
      const before = (await server.ctx.store.listSigningKeys()).length
      const wrong = await keys('rotate', { KEY_ENCRYPTION_KEY: 'w'.repeat(40) })
      assert.equal(wrong.code, 1)
      assert.match(wrong.stderr, /KEY_ENCRYPTION_KEY/)
      const missing = await keys('rotate')
      assert.equal(missing.code, 1)
      assert.equal((await server.ctx.store.listSigningKeys()).length, before)
    })
  })
}
