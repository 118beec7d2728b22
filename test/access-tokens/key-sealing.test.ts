import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { issueAccessToken } from '../../src/auth/issue-access-token.js'
import { loadConfig } from '../../src/config.js'
import type { Log } from '../../src/logger.js'
import { openContext } from '../../src/open-context.js'
import { DIALECTS, type TestDatabase } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { decodeJwt } from '../support/jwt.js'

const KEY_ENCRYPTION_KEY = 'k'.repeat(40)
const SEALED = /^sealed:v1:/

/** A Log that keeps its lines, to read what the boot said. */
function recordingLog() {
  const lines: { level: string; message: string; fields: object }[] = []
  const log: Log = {
    info: (fields, message) => lines.push({ level: 'info', message, fields }),
    warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => lines.push({ level: 'error', message, fields }),
  }
  return { log, lines }
}

for (const dialect of DIALECTS) {
  describe(`private signing keys made before KEY_ENCRYPTION_KEY (${dialect.name})`, { timeout: 60_000 }, () => {
    // A fresh database for each test: stored keys decide how the next boot goes.
    let database: TestDatabase
    beforeEach(async () => {
      database = await dialect.create()
    })
    afterEach(() => database.drop())

    async function boot(env: Record<string, string>) {
      const { log, lines } = recordingLog()
      const opened = await openContext(loadConfig({ DATABASE_URL: database.url, ...env }), { clock: new FakeClock(), log })
      const stored = await opened.ctx.store.listSigningKeys()
      return { opened, lines, stored }
    }

    it('are sealed at the next start that has the key, say so in the log, and keep signing the same tokens', async () => {
      const first = await boot({})
      assert.equal(first.stored.length, 1)
      assert.doesNotMatch(first.stored[0]!.privateKey, SEALED, 'made in plaintext without a key-encryption key')
      const session = { id: 'session', absoluteExpiresAt: first.opened.ctx.clock.now() + 3_600_000, amr: ['pwd'] }
      const before = issueAccessToken(first.opened.ctx, { id: 'user', userName: 'ada' }, ['api_access'], session).token
      await first.opened.close()

      const second = await boot({ KEY_ENCRYPTION_KEY })
      assert.match(second.stored[0]!.privateKey, SEALED)
      assert.equal(second.stored[0]!.kid, first.stored[0]!.kid)
      assert.ok(second.lines.some((line) => line.level === 'info' && /sealed plaintext private signing keys/.test(line.message)))
      assert.equal((await second.opened.ctx.keys.verify(before)).ok, true, 'a token signed before the sealing still verifies')
      const after = issueAccessToken(second.opened.ctx, { id: 'user', userName: 'ada' }, ['api_access'], session).token
      assert.equal(decodeJwt(after).header.kid, decodeJwt(before).header.kid, 'the sealed key still signs')
      assert.equal((await second.opened.ctx.keys.verify(after)).ok, true)
      await second.opened.close()

      const third = await boot({ KEY_ENCRYPTION_KEY })
      assert.deepEqual(third.stored.map((key) => key.privateKey), second.stored.map((key) => key.privateKey), 'sealed once, not again')
      assert.ok(!third.lines.some((line) => /sealed plaintext/.test(line.message)))
      await third.opened.close()
    })

    it('warn at boot in production while a plaintext private key exists, and not once none does', async () => {
      const dev = await boot({ JWT_ALGORITHM: 'ES256' })
      await dev.opened.close()
      const secret = 's'.repeat(40)
      const plain = await boot({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256', JWT_SECRET: secret })
      assert.ok(plain.lines.some((line) => line.level === 'warn' && /stored in plaintext/.test(line.message)))
      await plain.opened.close()
      const sealed = await boot({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256', JWT_SECRET: secret, KEY_ENCRYPTION_KEY })
      assert.ok(sealed.stored.every((key) => SEALED.test(key.privateKey)))
      await sealed.opened.close()
      const quiet = await boot({ NODE_ENV: 'production', JWT_ALGORITHM: 'HS256', JWT_SECRET: secret })
      assert.ok(!quiet.lines.some((line) => line.level === 'warn'), 'no warning once every key is sealed')
      await quiet.opened.close()
    })
  })
}
