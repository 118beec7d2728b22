import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createStore } from '../../src/persistence/create-store.js'
import { openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { FakeClock } from '../support/fake-clock.js'
import { decodeJwt } from '../support/jwt.js'
import { startTestServer, type TestServer } from '../support/test-app.js'

const ENV = { RATE_LIMIT_PER_MINUTE: '0', ACCESS_TOKEN_TTL: '60', CLOCK_SKEW: '5' }
/** A retired key stays published until its last token's exp + CLOCK_SKEW + 300 s. */
const LINGER_SECONDS = 60 + 5 + 300
const PUBLIC_MEMBERS: Record<string, string[]> = { OKP: ['crv', 'x'], EC: ['crv', 'x', 'y'], RSA: ['e', 'n'] }

const kidOf = (token: string): string => decodeJwt(token).header.kid as string

async function publishedKids(server: TestServer): Promise<string[]> {
  const response = await server.request('GET', '/.well-known/jwks.json')
  assert.equal(response.status, 200)
  return (response.body.keys as { kid: string }[]).map((key) => key.kid)
}

for (const dialect of DIALECTS) {
  describe(`the JWKS and key rotation (${dialect.name})`, { timeout: 120_000 }, () => {
    const clock = new FakeClock()
    let first: TestServer
    let second: TestServer
    let user: { userName: string; password: string }

    before(async () => {
      first = await startTestServer({ dialect, clock, env: ENV })
      second = await startTestServer({ dialect, clock, database: first.database, env: ENV })
      user = await first.register()
    })
    after(async () => {
      await second.close()
      await first.close()
    })

    const tokenFrom = async (server: TestServer) => (await server.login(user.userName, user.password)).accessToken.token
    const status = async (server: TestServer, token: string) => (await server.request('GET', '/api/protected', { token })).status

    for (const algorithm of ['EdDSA', 'ES256', 'RS256']) {
      it(`publishes ${algorithm} public keys only, with kid, alg and use, cacheable for 300 s`, async () => {
        const server = await startTestServer({ dialect, env: { ...ENV, JWT_ALGORITHM: algorithm } })
        try {
          const response = await server.request('GET', '/.well-known/jwks.json')
          assert.equal(response.headers.get('cache-control'), 'public, max-age=300')
          const keys = response.body.keys as Record<string, unknown>[]
          assert.equal(keys.length, 1)
          const [key = {}] = keys
          const expected = ['alg', 'kid', 'kty', 'use', ...(PUBLIC_MEMBERS[String(key.kty)] ?? ['unknown kty'])].sort()
          assert.deepEqual(Object.keys(key).sort(), expected)
          assert.equal(key.alg, algorithm)
          assert.equal(key.use, 'sig')
          const [stored] = await server.ctx.store.listSigningKeys()
          assert.equal(key.kid, stored?.kid)
        } finally {
          await server.close()
        }
      })
    }

    it('signs with the new key after a rotation and keeps the old one published until its tokens are long expired', async () => {
      const oldToken = await tokenFrom(first)
      const oldKid = kidOf(oldToken)
      const newKid = await first.ctx.keys.rotate()
      await first.ctx.keys.reload()
      const newToken = await tokenFrom(first)
      assert.equal(kidOf(newToken), newKid)
      assert.notEqual(newKid, oldKid)
      assert.deepEqual((await publishedKids(first)).sort(), [oldKid, newKid].sort())
      assert.equal(await status(first, oldToken), 200)
      assert.equal(await status(first, newToken), 200)

      clock.advanceSeconds(LINGER_SECONDS - 1)
      await first.ctx.keys.reload()
      assert.deepEqual((await publishedKids(first)).sort(), [oldKid, newKid].sort())
      clock.advanceSeconds(2)
      await first.ctx.keys.reload()
      assert.deepEqual(await publishedKids(first), [newKid])
      assert.equal(await status(first, oldToken), 401)
      assert.equal(await status(first, await tokenFrom(first)), 200)
    })

    it('makes another server reload, at most once a second, when it meets a kid it does not know', async () => {
      await second.ctx.keys.reload()
      clock.advanceSeconds(1)
      const rotatedKid = await first.ctx.keys.rotate()
      await first.ctx.keys.reload()
      const token = await tokenFrom(first)
      assert.equal(kidOf(token), rotatedKid)
      assert.equal(await status(second, token), 200, 'the second server reloaded and knows the new key')
      assert.ok((await publishedKids(second)).includes(rotatedKid))

      // A key rotated in less than a second after that reload: its token waits for the next
      // allowed reload instead of being refused.
      await first.ctx.keys.rotate()
      await first.ctx.keys.reload()
      const sooner = await tokenFrom(first)
      assert.equal(await status(second, sooner), 200, 'the token of a key rotated a moment ago passes')
    })

    it('reads the keys at most once a second however many unknown kids arrive, and refuses them', async () => {
      const token = await tokenFrom(first)
      const [head = '', body = '', signature = ''] = token.split('.')
      const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>
      const forged = Array.from({ length: 20 }, (_, i) => `${Buffer.from(JSON.stringify({ ...header, kid: `unknown-${i}` })).toString('base64url')}.${body}.${signature}`)
      // Counts the reads of the keys, delegating to the real store.
      const store = second.ctx.store
      const listSigningKeys = store.listSigningKeys.bind(store)
      let reads = 0
      store.listSigningKeys = () => {
        reads++
        return listSigningKeys()
      }
      try {
        const statuses = await Promise.all(forged.map((each) => status(second, each)))
        assert.deepEqual(new Set(statuses), new Set([401]))
        assert.ok(reads <= 2, `${reads} reads for 20 unknown kids`)
      } finally {
        store.listSigningKeys = listSigningKeys
      }
    })
  })

  describe(`KEY_ENCRYPTION_KEY (${dialect.name})`, { timeout: 120_000 }, () => {
    const KEK = { ...ENV, KEY_ENCRYPTION_KEY: 'a key-encryption key of 32+ characters' }

    it('stores the private key encrypted, and tokens survive a restart with the same key', async () => {
      const database = await dialect.create()
      try {
        const first = await startTestServer({ dialect, database, env: KEK })
        const user = await first.register()
        const token = (await first.login(user.userName, user.password)).accessToken.token
        const stored = await first.ctx.store.listSigningKeys()
        await first.close()
        assert.equal(stored.length, 1)
        assert.doesNotMatch(stored[0]?.privateKey ?? '', /BEGIN|PRIVATE KEY|MII/)

        const restarted = await startTestServer({ dialect, database, env: KEK })
        try {
          assert.equal((await restarted.request('GET', '/api/protected', { token })).status, 200)
          const fresh = (await restarted.login(user.userName, user.password)).accessToken.token
          assert.equal(kidOf(fresh), kidOf(token))
          assert.equal((await restarted.request('GET', '/api/protected', { token: fresh })).status, 200)
        } finally {
          await restarted.close()
        }
        const otherKey = { ...KEK, KEY_ENCRYPTION_KEY: 'another key-encryption key, 32+ chars' }
        await assert.rejects(startTestServer({ dialect, database, env: otherKey }), /KEY_ENCRYPTION_KEY/)
        await assert.rejects(startTestServer({ dialect, database, env: ENV }), /KEY_ENCRYPTION_KEY/)
      } finally {
        await database.drop()
      }
    })

    it('refuses to start in production without a key pair, and generates none', async () => {
      const database = await dialect.create()
      const production = { ...KEK, NODE_ENV: 'production' }
      try {
        await assert.rejects(startTestServer({ dialect, database, env: production }), /signing key/)
        const opened = await openDatabase(database.url)
        try {
          assert.deepEqual(await createStore(opened).listSigningKeys(), [])
        } finally {
          await opened.close()
        }
        // Once a key pair exists (here made outside production), production starts and signs with it.
        await (await startTestServer({ dialect, database, env: KEK })).close()
        const server = await startTestServer({ dialect, database, env: production, clock: new FakeClock() })
        try {
          const user = await server.register()
          const token = (await server.login(user.userName, user.password)).accessToken.token
          assert.equal((await server.request('GET', '/api/protected', { token })).status, 200)
        } finally {
          await server.close()
        }
      } finally {
        await database.drop()
      }
    })
  })
}
