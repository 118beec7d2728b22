import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { endSessions } from '../../src/auth/end-sessions.js'
import { openDatabase } from '../../src/persistence/database.js'
import { DIALECTS } from '../support/dialects.js'
import { decodeJwt } from '../support/jwt.js'
import { countEvents } from '../support/security-events.js'
import { startTestServer, type TestResponse, type TestServer, type TokenBody } from '../support/test-app.js'
import { pruneSessions } from '../../src/auth/prune-sessions.js'

const GRACE_MS = 10_000
const NO_CLIENT = { ipAddress: null, userAgent: null }

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

function refresh(server: TestServer, refreshToken: string, accessToken?: string): Promise<TestResponse> {
  return server.request('POST', '/api/auth/refreshtoken', { body: accessToken === undefined ? { refreshToken } : { refreshToken, accessToken } })
}

function assertInvalidGrant(response: TestResponse): void {
  assert.equal(response.status, 400)
  assert.equal(response.body.code, 'invalid_grant')
}

async function protectedStatus(server: TestServer, accessToken: string): Promise<number> {
  return (await server.request('GET', '/api/protected', { token: accessToken })).status
}

/** Every column of every refresh_tokens row, read straight from the database. */
async function refreshTokenRows(server: TestServer): Promise<Record<string, unknown>[]> {
  const database = await openDatabase(server.database.url)
  try {
    return await database.db.selectFrom('refresh_tokens').selectAll().execute()
  } finally {
    await database.close()
  }
}

for (const dialect of DIALECTS) {
  describe(`refresh-token rotation (${dialect.name})`, { timeout: 120_000 }, () => {
    let server: TestServer
    let user: Awaited<ReturnType<TestServer['register']>>
    const login = () => server.login(user.userName, user.password)
    before(async () => {
      server = await startTestServer({ dialect, env: { RATE_LIMIT_PER_MINUTE: '0' } })
      user = await server.register()
    })
    after(() => server.close())

    it('returns a new pair on both paths, with no-store, and uses the presented token up', async () => {
      const first = await login()
      for (const path of ['/api/auth/refreshtoken', '/api/auth/refresh']) {
        const tokens = await login()
        const response = await server.request('POST', path, { body: { refreshToken: tokens.refreshToken } })
        assert.equal(response.status, 200, path)
        assert.equal(response.headers.get('cache-control'), 'no-store')
        assert.deepEqual(Object.keys(response.body).sort(), ['accessToken', 'refreshToken'])
        assert.notEqual(response.body.refreshToken, tokens.refreshToken)
        assert.notEqual(response.body.accessToken.token, tokens.accessToken.token)
        assert.equal(decodeJwt(response.body.accessToken.token).payload.sid, decodeJwt(tokens.accessToken.token).payload.sid)
        assert.equal(await protectedStatus(server, response.body.accessToken.token), 200)
      }
      const rotated = await refresh(server, first.refreshToken)
      assert.equal(rotated.status, 200)
      server.clock.advance(GRACE_MS)
      assertInvalidGrant(await refresh(server, first.refreshToken))
    })

    it('refuses an unknown refresh token of any length with invalid_grant', async () => {
      for (const token of ['', 'x', 'A'.repeat(43), 'B'.repeat(10_000)]) assertInvalidGrant(await refresh(server, token))
    })

    it('issues refresh tokens of at least 256 random bits, all distinct, and stores only their hash', async () => {
      const issued: string[] = []
      for (let i = 0; i < 10; i++) {
        let token = (await login()).refreshToken
        issued.push(token)
        for (let j = 0; j < 4; j++) {
          token = (await refresh(server, token)).body.refreshToken
          issued.push(token)
        }
      }
      for (const token of issued) assert.match(token, /^[A-Za-z0-9_-]{43,}$/)
      assert.equal(new Set(issued).size, issued.length)
      const rows = await refreshTokenRows(server)
      const stored = JSON.stringify(rows)
      for (const token of issued) assert.ok(!stored.includes(token), 'a raw refresh token is in the database')
      const hashes = new Set(rows.map((row) => row.token_hash))
      for (const token of issued) assert.ok(hashes.has(sha256(token)), 'the token is found by its hash')
    })

    it('within the grace, gives the used token a new access token and the same successor, its expiry unchanged', async () => {
      const reuseEvents = await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected')
      const tokens = await login()
      const first = await refresh(server, tokens.refreshToken)
      assert.equal(first.status, 200)
      const before = await server.ctx.store.findRefreshToken(sha256(first.body.refreshToken))
      server.clock.advance(GRACE_MS - 1)
      const again = await refresh(server, tokens.refreshToken)
      assert.equal(again.status, 200)
      assert.equal(again.body.refreshToken, first.body.refreshToken)
      assert.notEqual(again.body.accessToken.token, first.body.accessToken.token)
      assert.notEqual(decodeJwt(again.body.accessToken.token).payload.jti, decodeJwt(first.body.accessToken.token).payload.jti)
      assert.equal(await protectedStatus(server, again.body.accessToken.token), 200)
      const afterGrace = await server.ctx.store.findRefreshToken(sha256(first.body.refreshToken))
      assert.equal(afterGrace?.expiresAt, before?.expiresAt)
      assert.equal(afterGrace?.usedAt, null)
      assert.equal(await countEvents(server.ctx.store, user.id, 'refresh_reuse_detected'), reuseEvents)
      assert.equal((await refresh(server, first.body.refreshToken)).status, 200)
    })

    describe('reuse', () => {
      let reuser: Awaited<ReturnType<TestServer['register']>>
      before(async () => {
        reuser = await server.register()
      })

      /** A session with an access token from login and from each of `rotations` refreshes. */
      async function session(rotations: number) {
        const login = await server.login(reuser.userName, reuser.password)
        const refreshTokens = [login.refreshToken]
        const accessTokens = [login.accessToken.token]
        for (let i = 0; i < rotations; i++) {
          server.clock.advance(1)
          const next = (await refresh(server, refreshTokens.at(-1) ?? '')).body as TokenBody
          refreshTokens.push(next.refreshToken)
          accessTokens.push(next.accessToken.token)
        }
        return { refreshTokens, accessTokens }
      }

      async function assertReuseEndsSession(present: string, tokens: { refreshTokens: string[]; accessTokens: string[] }) {
        const reuseEvents = await countEvents(server.ctx.store, reuser.id, 'refresh_reuse_detected')
        const endedEvents = await countEvents(server.ctx.store, reuser.id, 'session_ended')
        assertInvalidGrant(await refresh(server, present))
        assertInvalidGrant(await refresh(server, tokens.refreshTokens.at(-1) ?? ''))
        for (const accessToken of tokens.accessTokens) {
          const response = await server.request('GET', '/api/protected', { token: accessToken })
          assert.equal(response.status, 401)
          assert.equal(response.body.code, 'invalid_token')
        }
        assert.equal(await countEvents(server.ctx.store, reuser.id, 'refresh_reuse_detected'), reuseEvents + 1)
        assert.equal(await countEvents(server.ctx.store, reuser.id, 'session_ended'), endedEvents + 1)
      }

      it('treats the used token as reuse at exactly the end of the grace, and ends the whole session', async () => {
        const tokens = await session(2)
        server.clock.advance(GRACE_MS)
        await assertReuseEndsSession(tokens.refreshTokens[1] ?? '', tokens)
      })

      it('treats the used token as reuse once its successor has been presented, even within the grace', async () => {
        const tokens = await session(1)
        const successor = await refresh(server, tokens.refreshTokens[1] ?? '')
        assert.equal(successor.status, 200)
        tokens.refreshTokens.push(successor.body.refreshToken)
        tokens.accessTokens.push(successor.body.accessToken.token)
        await assertReuseEndsSession(tokens.refreshTokens[0] ?? '', tokens)
      })

      it('treats an older ancestor as reuse', async () => {
        const tokens = await session(3)
        await assertReuseEndsSession(tokens.refreshTokens[0] ?? '', tokens)
      })

      it('keeps the session ended although the request failed: another server on the database sees it', async () => {
        const tokens = await session(1)
        server.clock.advance(GRACE_MS)
        assertInvalidGrant(await refresh(server, tokens.refreshTokens[0] ?? ''))
        const other = await startTestServer({ dialect, database: server.database, clock: server.clock })
        try {
          await other.ctx.revocations.poll()
          assertInvalidGrant(await refresh(other, tokens.refreshTokens[1] ?? ''))
          assert.equal(await protectedStatus(other, tokens.accessTokens[1] ?? ''), 401)
        } finally {
          await other.close()
        }
      })

      it('refuses the tokens of a session ended another way without recording reuse', async () => {
        const tokens = await session(1)
        const sid = String(decodeJwt(tokens.accessTokens[0] ?? '').payload.sid)
        await endSessions(server.ctx, { selector: { sessionId: sid }, reason: 'logout', client: NO_CLIENT })
        const reuseEvents = await countEvents(server.ctx.store, reuser.id, 'refresh_reuse_detected')
        assertInvalidGrant(await refresh(server, tokens.refreshTokens[1] ?? ''))
        assertInvalidGrant(await refresh(server, tokens.refreshTokens[0] ?? ''))
        server.clock.advance(GRACE_MS)
        assertInvalidGrant(await refresh(server, tokens.refreshTokens[0] ?? ''))
        assert.equal(await countEvents(server.ctx.store, reuser.id, 'refresh_reuse_detected'), reuseEvents)
      })

      it('erases the sealed successor when the grace ends, after which the used token is reuse', async () => {
        const tokens = await session(1)
        const usedRow = async () => (await refreshTokenRows(server)).find((row) => row.token_hash === sha256(tokens.refreshTokens[0] ?? ''))
        const pruneNow = () => pruneSessions(server.ctx)
        server.clock.advance(GRACE_MS - 1)
        await pruneNow()
        assert.notEqual((await usedRow())?.successor_sealed, null)
        server.clock.advance(1)
        await pruneNow()
        assert.equal((await usedRow())?.successor_sealed, null)
        assert.notEqual(await usedRow(), undefined)
        await assertReuseEndsSession(tokens.refreshTokens[0] ?? '', tokens)
      })
    })
  })
}
