import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { base32Decode, totpCode, totpStep } from '../../src/crypto/totp.js'
import { openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { startTestServer } from '../support/test-app.js'

// HS256, so the signing keys (which a KEY_ENCRYPTION_KEY also seals) play no part.
const HS256 = { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'an hs256 secret of at least thirty-two bytes', LOGIN_MAX_FAILURES: '50' }
const KEY = 'a key-encryption key of 32 characters or more'

for (const dialect of DIALECTS) {
  describe(`TOTP secrets at rest (${dialect.name})`, { timeout: 180_000 }, () => {
    it('are sealed at boot once KEY_ENCRYPTION_KEY is set, keep working, and a key that cannot open them stops the boot', async () => {
      const database = await dialect.create()
      const clock = new FakeClock()
      const stored = async () => {
        const opened = await openDatabase(database.url)
        try {
          return (await opened.db.selectFrom('users').select('mfa_secret').where('mfa_secret', 'is not', null).executeTakeFirstOrThrow()).mfa_secret!
        } finally {
          await opened.close()
        }
      }
      try {
        const plain = await startTestServer({ dialect, database, clock, env: HS256 })
        const user = await plain.register()
        const pair = await plain.login(user.userName, user.password)
        const started = await plain.request('POST', '/api/accounts/me/mfa/totp', { body: { currentPassword: user.password }, token: pair.accessToken.token })
        const secret = started.body.secret as string
        const code = () => totpCode(base32Decode(secret)!, totpStep(clock.now()))
        assert.equal((await plain.request('POST', '/api/accounts/me/mfa/totp/confirm', { body: { code: code() }, token: pair.accessToken.token })).status, 200)
        await plain.close()
        assert.equal(await stored(), secret, 'control: without a key the secret is stored as it is')

        const keyed = await startTestServer({ dialect, database, clock, env: { ...HS256, KEY_ENCRYPTION_KEY: KEY } })
        const sealed = await stored()
        assert.match(sealed, /^sealed:v1:/)
        assert.ok(!sealed.includes(secret), 'the database no longer holds the secret')
        clock.advance(30_000)
        const first = await keyed.request('POST', '/api/auth/login', { body: { userName: user.userName, password: user.password } })
        assert.equal(first.body.code, 'mfa_required')
        const second = await keyed.request('POST', '/api/auth/login/mfa', { body: { mfaToken: first.body.mfaToken, code: code() } })
        assert.equal(second.status, 200, 'the sealed secret still checks codes')
        await keyed.close()

        await assert.rejects(
          startTestServer({ dialect, database, clock, env: { ...HS256, KEY_ENCRYPTION_KEY: 'another key of thirty-two characters!!' } }),
          /KEY_ENCRYPTION_KEY cannot decrypt the stored TOTP secrets/,
        )
        await assert.rejects(startTestServer({ dialect, database, clock, env: HS256 }), /the stored TOTP secrets are encrypted: set KEY_ENCRYPTION_KEY/)
      } finally {
        await database.drop()
      }
    })
  })
}
